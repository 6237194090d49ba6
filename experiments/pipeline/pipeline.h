// `swepo run`: the whole benchmark pipeline for one config.
//
//   compose config -> typed RunConfig -> data (cached) -> SFT (cached, shared) -> preference
//   optimisation with the configured loss (skipped for loss=none) -> alpaca/arena/mtbench under
//   every decoding -> summary table, <output_dir>/{config.yaml, summary.json, metrics.jsonl}
//   -> the results store (run_register/run_start, metrics, run_finish with evals and artifacts).
//
// Failure: any error after the run is registered marks it FAILED with the error text (never a
// half-written run) and propagates: UserError (config or input at fault) -> exit 2, else 1.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "core/config/compose.h"
#include "experiments/pipeline/run_config.h"

namespace swepo::pipeline {

struct RunOptions {
  std::string conf_dir;                // "" = default_conf_dir()
  std::vector<std::string> overrides;  // Hydra overrides, as given
  std::string db_path;                 // results store; "" = do not record
  int64_t run_id = -1;                 // >= 0: the run the sweep runner registered for this job
  std::ostream* out = nullptr;         // summary table; nullptr = std::cout
};

struct RunOutcome {
  int64_t run_id = -1;                 // -1 without a store
  bool already_finished = false;       // the store holds this config and seed FINISHED: nothing ran
  std::string output_dir;
  std::string summary_path;
  bool sft_cached = false;
  bool preference_trained = false;
  std::map<std::string, double> average;  // eval metrics averaged over decodings ("alpaca/wr", ...)
};

// experiments/conf under the current directory when it has a config.yaml, else the source tree's.
std::string default_conf_dir();

// A recorded run's folder under output_dir: "run<ID>-<store uid>" (unique across stores).
std::string run_folder_name(int64_t run_id, const std::string& store_uid);

struct ResolvedRun {
  ComposedConfig composed;
  RunConfig cfg;
};
// Composes and validates (UserError names the key and file).
ResolvedRun resolve_run(const std::string& conf_dir, const std::vector<std::string>& overrides);

RunOutcome run_pipeline(const RunOptions& opt);

// `swepo run -m`: expands the overrides with Hydra's sweep syntax (core/config/sweep_syntax.h), validates
// every job's config before any runs, then runs the jobs one after another, each its own run.
// Returns the exit code: 0 when every job succeeded, else 2 if every failure was a UserError, 1.
int run_multirun(const RunOptions& opt);

}  // namespace swepo::pipeline
