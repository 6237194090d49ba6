#include "synth/eval_config.h"

namespace swepo::synth {

EvalConfig eval_config_from_yaml(const YAML::Node& node, const std::string& path) {
  return read_fields<EvalConfig>(node, path);
}

}  // namespace swepo::synth
