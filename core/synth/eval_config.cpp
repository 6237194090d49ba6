#include "core/synth/eval_config.h"

namespace swepo::synth {

EvalConfig eval_config_from_yaml(const YAML::Node& node, const std::string& path) {
  EvalConfig c;
  Fields f(node, path);
  c.visit(f);
  f.done();
  return c;
}

}  // namespace swepo::synth
