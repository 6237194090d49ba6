// swepo sweep: see sweeps/sweep_cli.h (the command lives there, testable without LibTorch).
// Here it gains the pipeline's typed validation: every job's composed config must map onto
// RunConfig (unknown keys, bad values, unknown losses) before any job starts.
#include "apps/commands.h"
#include "experiments/pipeline/run_config.h"
#include "sweeps/sweep_cli.h"

namespace swepo::cli {

int cmd_sweep(const Args& args) {
  return swepo::sweep_cmd_sweep(args, [](const ComposedConfig& c) { pipeline::run_config_from(c); });
}

}  // namespace swepo::cli
