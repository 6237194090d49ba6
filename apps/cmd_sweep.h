// swepo sweep without the pipeline: apps/cmd_sweep.cpp (tensor-free, in swepo_cli, so
// tests/apps/sweep_test_cli runs it without LibTorch). The CLI's cmd_sweep
// (apps/cmd_sweep_pipeline.cpp) passes the pipeline's typed check as `validate`.
#pragma once
#include "apps/commands.h"
#include "sweeps/sweep_plan.h"

namespace swepo::cli {

// swepo sweep FILE [--db PATH|URL] [--jobs N] [--dry-run] [--retry-failed] [--conf DIR] [--only K=V ...]
//                  [--job-cmd "CMD ARGS"] [--job-timeout S] [--stale-after S] [--threads N]
//                  [--launcher local|slurm] [--slurm.partition P] [--slurm.gpus_per_job G]
//                  [--slurm.time T] [--slurm.array_parallelism N] [--slurm.extra '...'] [--wait]
// `validate` checks each composed job config beyond composition (e.g. the pipeline's typed run
// config) before anything runs; it throws UserError naming the key. `schema` supplies the typed
// defaults the config files leave out (the pipeline's run_config_schema).
int cmd_sweep_with(const Args& args, const SweepValidateFn& validate, const ConfigSchemaFn& schema = {});

}  // namespace swepo::cli
