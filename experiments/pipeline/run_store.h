// The pipeline's side of the results store (core/store): the run's identity from its composed
// config, and a MetricSink that writes training metrics through a batched MetricsWriter.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/config/compose.h"
#include "core/store/run_spec.h"
#include "experiments/pipeline/run_config.h"
#include "engine/metrics_sink.h"
#include "core/store/store.h"
#include "core/store/store_run.h"

namespace swepo::pipeline {

// The content fingerprints (core/util/fingerprint.h) of the files a run reads by path: data.path
// (data=jsonl|ultrafeedback*), sft_data.path (sft_data.source=chat) and model.path (model=hf: every
// file of the directory), cached in <cache_dir>/fingerprints. UserError naming a missing file.
RunInputs run_inputs(const RunConfig& cfg);

// The run's identity (core/store/run_spec.h): resolved config (an HF model's config.json values
// included, run_config.h), overrides, hash without the seed mixed with run_inputs(cfg), seed,
// params (+ inputs.*, + numerics = kNumericsVersion) and group choices. `swepo run` and `swepo sweep` (run_spec_composer) both
// build it here, so a sweep's registered job and the run that claims it agree.
RunSpec run_spec_from(const ComposedConfig& c, const RunConfig& cfg);

// What `swepo sweep` composes each job with: compose_run_config + run_config_from +
// resolve_hf_model (the typed validation of `swepo run`), then run_spec_from.
std::function<RunSpec(const std::vector<std::string>& overrides)> run_spec_composer(const std::string& conf_dir);

// Who owns an output folder: <dir>/run.json, written when a run starts there.
//   {"store": uid|null, "db": the store as given|null, "run_id": ID|null, "config_hash": H, "seed": S}
// A recorded run owns <output_dir>/run<ID>-<uid> for good: no other run, recorded or not, may
// write there. An unrecorded (--no-db) run's folder holds nothing a store refers to, so another
// unrecorded run may take it over (run.json rewritten), but a recorded run may not. A recorded run
// also refuses a folder with a run's files and no run.json (an older swepo's: whose they are
// cannot be told). claim_output_dir() writes run.json or throws UserError naming the folder, its
// owner and this run; a damaged run.json is an error, never trusted.
struct RunOwner {
  std::string store_uid;  // "" = unrecorded
  std::string db;
  int64_t run_id = -1;
  std::string config_hash;
  int64_t seed = 0;
  std::string label() const;  // "run 3 of store 1a2b..." / "an unrecorded run (config .., seed ..)"
  std::string checkpoint_owner() const;  // "<uid>/run<ID>", "" when unrecorded
};
void claim_output_dir(const std::string& dir, const RunOwner& owner);

// Training metrics into the store's `metrics` table, keyed "<phase>/<metric>" (sft/loss,
// pref/loss, pref/rewards/margins, ...) at the phase's optimizer step. Flushes at end() of a phase.
class StoreMetricSink final : public MetricSink {
 public:
  StoreMetricSink(Store& store, int64_t run_id);
  void begin(int64_t total_steps, const std::string& phase) override { phase_ = phase; }
  void log(int64_t step, const MetricMap& metrics) override;
  void end() override { writer_.flush(); }
  void flush() override { writer_.flush(); }

 private:
  MetricsWriter writer_;
  std::string phase_;
};

}  // namespace swepo::pipeline
