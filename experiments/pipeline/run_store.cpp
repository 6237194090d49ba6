#include "experiments/pipeline/run_store.h"

#include "core/config/emit.h"

namespace swepo::pipeline {

RunSpec run_spec_from(const ComposedConfig& c, int64_t seed) {
  RunSpec s;
  s.overrides = c.overrides;
  s.config_yaml = config_to_yaml(c.config);
  s.config_hash = config_hash(c.config, /*include_seed=*/false);
  s.seed = seed;
  s.params = flatten_config(c.config);
  for (const auto& [group, option] : c.choices)
    if (option != "null") s.choices[group] = option;
  return s;
}

StoreMetricSink::StoreMetricSink(Store& store, int64_t run_id) : writer_(store, run_id) {}

void StoreMetricSink::log(int64_t step, const MetricMap& metrics) {
  std::map<std::string, double> prefixed;
  for (const auto& [k, v] : metrics) prefixed[phase_.empty() ? k : phase_ + "/" + k] = v;
  writer_.log(step, prefixed);
}

}  // namespace swepo::pipeline
