// swepo sweep: see sweeps/sweep_cli.h (the command lives there, testable without LibTorch).
#include "apps/commands.h"
#include "sweeps/sweep_cli.h"

namespace swepo::cli {

int cmd_sweep(const Args& args) { return swepo::sweep_cmd_sweep(args); }

}  // namespace swepo::cli
