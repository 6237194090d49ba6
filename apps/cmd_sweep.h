// swepo sweep without the pipeline: apps/cmd_sweep.cpp (tensor-free, in swepo_cli, so
// tests/apps/sweep_test_cli runs it without LibTorch). The CLI's cmd_sweep
// (apps/cmd_sweep_pipeline.cpp) passes the pipeline's composer.
#pragma once
#include <functional>
#include <string>

#include "apps/commands.h"
#include "sweeps/sweep_plan.h"

namespace swepo::cli {

// swepo sweep FILE [--db PATH|URL] [--jobs N] [--dry-run] [--retry-failed] [--conf DIR] [--only K=V ...]
//                  [--job-cmd "CMD ARGS"] [--job-timeout S] [--stale-after S] [--threads N]
//                  [--launcher local|slurm] [--slurm.partition P] [--slurm.gpus_per_job G]
//                  [--slurm.time T] [--slurm.array_parallelism N] [--slurm.extra '...'] [--wait]
// `composer` makes, for the config root in use, the function that turns a job's overrides into its
// run (config, identity): the CLI passes the pipeline's (pipeline::run_spec_composer: typed
// validation, an HF model's config.json, input fingerprints), so a job's identity is the one
// `swepo run` computes; empty = untyped composition (sweep_composer, for tensor-free tests).
using SweepComposerFor = std::function<SweepComposeFn(const std::string& conf_dir)>;
int cmd_sweep_with(const Args& args, const SweepComposerFor& composer = {});

}  // namespace swepo::cli
