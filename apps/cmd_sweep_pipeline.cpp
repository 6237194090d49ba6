// swepo sweep as the CLI runs it: apps/cmd_sweep.cpp's command with the pipeline's typed defaults
// (the same composition as `swepo run`, so a job's config hash is the run's) and validation, so every job's composed config must map onto RunConfig (unknown keys, bad values,
// unknown losses) before any job starts. The one part of `sweep` that links the pipeline.
#include "apps/cmd_sweep.h"
#include "experiments/pipeline/run_config.h"

namespace swepo::cli {

int cmd_sweep(const Args& args) {
  return cmd_sweep_with(args, [](const ComposedConfig& c) { pipeline::run_config_from(c); },
                        pipeline::run_config_schema);
}

}  // namespace swepo::cli
