// swepo runs: see sweeps/sweep_cli.h (the command lives there, testable without LibTorch).
#include "apps/commands.h"
#include "sweeps/sweep_cli.h"

namespace swepo::cli {

int cmd_runs(const Args& args) { return swepo::sweep_cmd_runs(args); }

}  // namespace swepo::cli
