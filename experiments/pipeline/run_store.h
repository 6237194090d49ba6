// The pipeline's side of the results store (core/store): the run's identity from its composed
// config, and a MetricSink that writes training metrics through a batched MetricsWriter.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/config/compose.h"
#include "engine/metrics_sink.h"
#include "core/store/store.h"
#include "core/store/store_run.h"

namespace swepo::pipeline {

// Resolved config YAML, overrides, hash without the seed, seed, flattened params and group
// choices: the same identity the sweep planner (sweeps/sweep_plan.h) computes for a job.
RunSpec run_spec_from(const ComposedConfig& c, int64_t seed);

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
