#include "core/config/fields.h"

namespace swepo {

std::string origin_of(const Origins* origins, const std::string& dotted) {
  if (!origins) return "";
  // The most specific recorded prefix wins: a.b.c, then a.b, then a.
  std::string key = dotted;
  while (true) {
    auto it = origins->find(key);
    if (it != origins->end()) return " (from " + it->second + ")";
    auto dot = key.rfind('.');
    if (dot == std::string::npos) return "";
    key = key.substr(0, dot);
  }
}

std::string yaml_scalar_text(const YAML::Node& n) {
  YAML::Emitter e;
  e.SetMapFormat(YAML::Flow);  // `e << YAML::Flow << node` leaves nested collections in block style
  e.SetSeqFormat(YAML::Flow);
  e << n;
  return e.c_str();
}

Fields::Fields(YAML::Node node, std::string path, const Origins* origins)
    : node_(node), path_(std::move(path)), origins_(origins) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    throw UserError("config key '" + path_ + "'" + origin_of(origins_, path_) +
                    ": expected a mapping, got '" + yaml_scalar_text(node_) + "'");
}

void Fields::choice(const char* key, const std::string& value,
                    const std::vector<std::string>& choices) {
  for (const auto& c : choices)
    if (c == value) return;
  throw UserError("config key '" + dotted(key) + "'" + origin_of(origins_, dotted(key)) +
                  ": unknown value '" + value + "'" + did_you_mean(value, choices) +
                  "; valid: " + join(choices, ", "));
}

void Fields::require(bool ok, const char* key, const std::string& what) {
  if (!ok)
    throw UserError("config key '" + dotted(key) + "'" + origin_of(origins_, dotted(key)) + ": " +
                    what);
}

void Fields::done() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    if (!kv.first.IsScalar())  // `? [a, b]: x` is valid YAML; as<std::string>() would throw yaml-cpp's error
      throw UserError("config " + (path_.empty() ? std::string("file") : "section '" + path_ + "'") +
                      origin_of(origins_, path_) + ": a key must be a plain name, got " +
                      yaml_scalar_text(kv.first));
    std::string k = kv.first.as<std::string>();
    if (seen_.count(k)) continue;
    throw UserError("unknown config key '" + dotted(k) + "'" + origin_of(origins_, dotted(k)) +
                    did_you_mean(k, known_) + "; valid keys: " + join(known_, ", "));
  }
}

}  // namespace swepo
