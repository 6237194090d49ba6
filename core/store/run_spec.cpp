#include "core/store/run_spec.h"

#include "core/config/emit.h"
#include "core/util/hash.h"

namespace swepo {

std::string run_identity_hash(const YAML::Node& config, const RunInputs& inputs) {
  const std::string h = config_hash(config, /*include_seed=*/false);
  if (inputs.empty()) return h;  // the runs recorded before inputs were fingerprinted keep their hash
  std::string acc = "config " + h + "\n";
  for (const auto& [key, fp] : inputs) acc += "input " + key + " " + fp + "\n";
  return sha256_hex(acc);
}

RunSpec run_spec_of(const ComposedConfig& c, int64_t seed, const RunInputs& inputs) {
  RunSpec s;
  s.overrides = c.overrides;
  s.config_yaml = config_to_yaml(c.config);
  s.config_hash = run_identity_hash(c.config, inputs);
  s.seed = seed;
  s.params = flatten_config(c.config);
  for (const auto& [key, fp] : inputs) s.params.emplace_back(kInputParamPrefix + key, fp);
  for (const auto& [group, option] : c.choices)
    if (option != "null") s.choices[group] = option;
  return s;
}

}  // namespace swepo
