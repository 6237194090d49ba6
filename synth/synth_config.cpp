#include "synth/synth_config.h"

#include <cstring>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "core/util/hash.h"
#include "core/util/numerics.h"

namespace swepo::synth {
namespace {

// Emits "key: value" for every generating key.
struct FingerprintText {
  std::string text;
  template <class T>
  void operator()(const char* key, T& value, const char*) {
    if (!std::strcmp(key, "source") || !std::strcmp(key, "cache_dir")) return;
    YAML::Emitter e;
    e.SetDoublePrecision(17);
    e << YAML::Flow << value;
    text += std::string(key) + ": " + e.c_str() + "\n";
  }
  void choice(const char*, const std::string&, const std::vector<std::string>&) {}
  void require(bool, const char*, const std::string&) {}
};

}  // namespace

SynthConfig synth_config_from_yaml(const YAML::Node& node, const std::string& path) {
  return read_fields<SynthConfig>(node, path);
}

std::string synth_config_text(const SynthConfig& c) {
  SynthConfig copy = c;
  FingerprintText v;
  copy.visit(v);
  return v.text;
}

std::string synth_fingerprint(const SynthConfig& c) {
  return sha256_hex("synthfeedback-data-v1\nnumerics=" + std::to_string(kNumericsVersion) + "\n" +
                    synth_config_text(c));
}

}  // namespace swepo::synth
