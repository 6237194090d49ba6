// The `swepo sweep`, `swepo runs` and `swepo show` commands (apps/cmd_*.cpp forward here, so
// they are testable without LibTorch). Each returns the exit code; bad input throws UserError or
// a Boost.Program_options error (the CLI maps both to exit code 2).
#pragma once
#include <string>
#include <vector>

#include "sweeps/sweep_plan.h"

namespace swepo {

// swepo sweep FILE [--db PATH] [--jobs N] [--dry-run] [--retry-failed] [--conf DIR]
//                  [--job-cmd "CMD ARGS"] [--job-timeout S] [--stale-after S] [--threads N]
// `validate` checks each composed job config beyond composition (e.g. the pipeline's typed run
// config) before anything runs; it throws UserError naming the key.
int sweep_cmd_sweep(const std::vector<std::string>& args, SweepValidateFn validate = {});
// swepo runs [--db PATH] [--sweep NAME] [--status S] [--where key=value ...]
int sweep_cmd_runs(const std::vector<std::string>& args);
// swepo show RUN [--db PATH] [--history KEY]
int sweep_cmd_show(const std::vector<std::string>& args);

}  // namespace swepo
