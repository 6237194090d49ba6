// swepo show: see sweeps/sweep_cli.h (the command lives there, testable without LibTorch).
#include "apps/commands.h"
#include "sweeps/sweep_cli.h"

namespace swepo::cli {

int cmd_show(const Args& args) { return swepo::sweep_cmd_show(args); }

}  // namespace swepo::cli
