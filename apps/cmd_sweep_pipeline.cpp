// swepo sweep as the CLI runs it: apps/cmd_sweep.cpp's command with the pipeline's composer
// (experiments/pipeline/run_store.h: the same composition, typed validation and identity as
// `swepo run`, so a job's config hash is the run's), so every job's config must map onto RunConfig
// (unknown keys, bad values, unknown losses, missing input files) before any job starts. The one
// part of `sweep` that links the pipeline.
#include "apps/cmd_sweep.h"
#include "experiments/pipeline/run_store.h"

namespace swepo::cli {

int cmd_sweep(const Args& args) {
  return cmd_sweep_with(args, [](const std::string& conf) { return pipeline::run_spec_composer(conf); });
}

}  // namespace swepo::cli
