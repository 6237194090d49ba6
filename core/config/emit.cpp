#include "core/config/emit.h"

#include <algorithm>
#include <stdexcept>

#include "core/config/tree.h"
#include "core/util/hash.h"

namespace swepo {
namespace {

void emit(YAML::Emitter& e, const YAML::Node& n, bool flow) {
  if (!n.IsDefined() || n.IsNull()) {
    e << YAML::Null;
    return;
  }
  if (n.IsScalar()) {
    const std::string& t = n.Scalar();
    // A string whose text would read back as null/bool/number keeps its quotes.
    if (scalar_kind(n) == ScalarKind::String && scalar_kind_of_plain(t) != ScalarKind::String)
      e << YAML::DoubleQuoted << t;
    else
      e << t;
    return;
  }
  if (flow || n.size() == 0) e << YAML::Flow;
  if (n.IsSequence()) {
    e << YAML::BeginSeq;
    for (const auto& x : n) emit(e, x, flow);
    e << YAML::EndSeq;
    return;
  }
  e << YAML::BeginMap;
  for (const auto& kv : n) {
    e << YAML::Key << kv.first.Scalar() << YAML::Value;
    emit(e, kv.second, flow);
  }
  e << YAML::EndMap;
}

std::string emit_text(const YAML::Node& n, bool flow) {
  YAML::Emitter e;
  e.SetNullFormat(YAML::LowerNull);
  e.SetIndent(2);
  emit(e, n, flow);
  if (!e.good()) throw std::logic_error("config_to_yaml: " + e.GetLastError());
  return e.c_str();
}

void flatten(const YAML::Node& n, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (n.IsMap() && n.size() > 0) {
    std::vector<std::string> keys = map_keys(n);  // sort the keys, never Nodes (see tree.cpp)
    std::stable_sort(keys.begin(), keys.end());
    for (const auto& key : keys) flatten(*map_child(n, key), key_path_join(prefix, key), out);
  } else if (n.IsMap() || n.IsSequence()) {
    out.emplace_back(prefix, emit_text(n, /*flow=*/true));
  } else {
    out.emplace_back(prefix, (!n.IsDefined() || n.IsNull()) ? "null" : n.Scalar());
  }
}

}  // namespace

std::string config_to_yaml(const YAML::Node& config) {
  return emit_text(config, /*flow=*/false) + "\n";
}

std::string config_hash(const YAML::Node& config, bool include_seed) {
  if (include_seed || !config.IsMap()) return sha256_hex(tree_canonical(config));
  YAML::Node without(YAML::NodeType::Map);
  for (const auto& kv : config) {
    const std::string& k = kv.first.Scalar();
    const bool null_seed = k.size() > 5 && k.compare(k.size() - 5, 5, "_seed") == 0 && kv.second.IsNull();
    if (k != "seed" && !null_seed) without[k] = tree_copy(kv.second);
  }
  return sha256_hex(tree_canonical(without));
}

std::vector<std::pair<std::string, std::string>> flatten_config(const YAML::Node& config) {
  std::vector<std::pair<std::string, std::string>> out;
  flatten(config, "", out);
  return out;
}

}  // namespace swepo
