#include "core/config/tree.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <stdexcept>

#include "core/util/error.h"

namespace swepo {

// ---- scalar typing ----------------------------------------------------------------------------

ScalarKind scalar_kind_of_plain(const std::string& t) {
  // YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
  static const std::regex kInt(R"([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)");
  static const std::regex kFloat(
      R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))");
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") return ScalarKind::Null;
  if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE")
    return ScalarKind::Bool;
  if (std::regex_match(t, kInt)) return ScalarKind::Int;
  if (std::regex_match(t, kFloat)) return ScalarKind::Float;
  return ScalarKind::String;
}

ScalarKind scalar_kind(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return ScalarKind::Null;
  if (!n.IsScalar()) throw std::logic_error("scalar_kind: not a scalar");
  const std::string& tag = n.Tag();
  if (tag == "!" || tag == "!!str" || tag == "tag:yaml.org,2002:str") return ScalarKind::String;
  return scalar_kind_of_plain(n.Scalar());
}

YAML::Node config_string(const std::string& s) {
  YAML::Node n(s);
  n.SetTag("!");  // the non-specific tag of a quoted scalar: always a string
  return n;
}

// ---- files ------------------------------------------------------------------------------------

namespace {

// yaml-cpp keeps both entries of a repeated key (and lookups see the first): reject them.
void check_duplicate_keys(const YAML::Node& n, const std::string& path) {
  if (n.IsSequence())
    for (const auto& e : n) check_duplicate_keys(e, path);
  if (!n.IsMap()) return;
  std::set<std::string> seen;
  for (const auto& kv : n) {
    if (!seen.insert(kv.first.Scalar()).second) {
      const YAML::Mark m = kv.first.Mark();
      throw UserError(path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) +
                      ": duplicate key '" + kv.first.Scalar() + "'");
    }
    check_duplicate_keys(kv.second, path);
  }
}

}  // namespace

YAML::Node load_yaml_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw UserError("config file not found: '" + path + "'");
  try {
    YAML::Node n = YAML::LoadFile(path);
    check_duplicate_keys(n, path);
    return n;
  } catch (const YAML::BadFile&) {
    throw UserError("cannot read config file '" + path + "'");
  } catch (const YAML::Exception& e) {
    // Marks are 0-based; editors count lines and columns from 1.
    std::string where = path;
    if (!e.mark.is_null())
      where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    throw UserError(where + ": invalid YAML: " + e.msg);
  }
}

// ---- copies and paths -------------------------------------------------------------------------

YAML::Node tree_copy(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return YAML::Node(YAML::NodeType::Null);
  if (n.IsScalar()) {
    YAML::Node c(n.Scalar());
    c.SetTag(n.Tag());
    return c;
  }
  if (n.IsSequence()) {
    YAML::Node c(YAML::NodeType::Sequence);
    for (const auto& e : n) c.push_back(tree_copy(e));
    return c;
  }
  YAML::Node c(YAML::NodeType::Map);
  for (const auto& kv : n) c[kv.first.Scalar()] = tree_copy(kv.second);
  return c;
}

std::vector<std::string> key_path_split(const std::string& dotted) {
  std::vector<std::string> parts;
  if (dotted.empty()) return parts;
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string part = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) throw UserError("invalid config key '" + dotted + "': empty segment");
    parts.push_back(part);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

std::string key_path_join(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::optional<YAML::Node> map_child(const YAML::Node& map, const std::string& key) {
  if (!map.IsMap()) return std::nullopt;
  for (const auto& kv : map)
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  return std::nullopt;
}

std::vector<std::string> map_keys(const YAML::Node& map) {
  std::vector<std::string> keys;
  if (!map.IsMap()) return keys;
  for (const auto& kv : map) keys.push_back(kv.first.Scalar());
  return keys;
}

std::optional<YAML::Node> tree_find(const YAML::Node& root, const std::string& dotted) {
  YAML::Node cur = root;
  for (const auto& seg : key_path_split(dotted)) {
    if (cur.IsMap()) {
      auto child = map_child(cur, seg);
      if (!child) return std::nullopt;
      cur.reset(*child);  // rebind the handle (operator= would overwrite the tree's node)
    } else if (cur.IsSequence()) {
      if (seg.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      size_t i = std::stoul(seg);
      if (i >= cur.size()) return std::nullopt;
      const YAML::Node& seq = cur;
      cur.reset(seq[i]);
    } else {
      return std::nullopt;
    }
  }
  return cur;
}

// ---- merge and origins ------------------------------------------------------------------------

void origins_erase_under(Origins& origins, const std::string& prefix) {
  if (prefix.empty()) {
    origins.clear();
    return;
  }
  origins.erase(prefix);
  const std::string below = prefix + ".";
  for (auto it = origins.lower_bound(below); it != origins.end() && starts_with(it->first, below);)
    it = origins.erase(it);
}

void origins_record(Origins& origins, const YAML::Node& n, const std::string& prefix,
                    const std::string& origin) {
  if (!prefix.empty()) origins[prefix] = origin;
  if (!n.IsMap()) return;
  for (const auto& kv : n)
    origins_record(origins, kv.second, key_path_join(prefix, kv.first.Scalar()), origin);
}

void tree_merge(YAML::Node& dst, const YAML::Node& src, const std::string& prefix,
                const std::string& origin, Origins* origins) {
  if (!dst.IsMap() || !src.IsMap()) throw std::logic_error("tree_merge: mappings expected");
  for (const auto& kv : src) {
    const std::string key = kv.first.Scalar();
    const std::string path = key_path_join(prefix, key);
    auto existing = map_child(dst, key);
    if (existing && existing->IsMap() && kv.second.IsMap()) {
      if (origins && !origins->count(path)) (*origins)[path] = origin;
      YAML::Node sub = *existing;
      tree_merge(sub, kv.second, path, origin, origins);
    } else {
      dst[key] = tree_copy(kv.second);
      if (origins) {
        origins_erase_under(*origins, path);
        origins_record(*origins, kv.second, path, origin);
      }
    }
  }
}

// ---- canonical text ---------------------------------------------------------------------------

namespace {

void append_quoted(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

std::string canonical_int(const std::string& t) {
  std::string s = t;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s = s.substr(1);
  }
  int base = 10;
  if (starts_with(s, "0x")) base = 16, s = s.substr(2);
  else if (starts_with(s, "0o")) base = 8, s = s.substr(2);
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), nullptr, base);
  if (errno == ERANGE) return "i:" + t;  // out of range: keep the text
  return std::string("i:") + (neg && v != 0 ? "-" : "") + std::to_string(v);
}

std::string canonical_float(const std::string& t) {
  std::string lower;
  for (char c : t) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == ".nan") return "f:nan";
  if (lower == ".inf" || lower == "+.inf") return "f:inf";
  if (lower == "-.inf") return "f:-inf";
  double v = std::strtod(t.c_str(), nullptr);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return std::string("f:") + buf;
}

void canonical(const YAML::Node& n, std::string& out) {
  if (!n.IsDefined() || n.IsNull()) {
    out += "null";
    return;
  }
  if (n.IsScalar()) {
    const std::string& t = n.Scalar();
    switch (scalar_kind(n)) {
      case ScalarKind::Null: out += "null"; break;
      case ScalarKind::Bool: out += (t[0] == 't' || t[0] == 'T') ? "true" : "false"; break;
      case ScalarKind::Int: out += canonical_int(t); break;
      case ScalarKind::Float: out += canonical_float(t); break;
      case ScalarKind::String: append_quoted(out, t); break;
    }
    return;
  }
  if (n.IsSequence()) {
    out += '[';
    bool first = true;
    for (const auto& e : n) {
      if (!first) out += ',';
      first = false;
      canonical(e, out);
    }
    out += ']';
    return;
  }
  std::vector<std::string> keys;
  std::vector<YAML::Node> values;
  for (const auto& kv : n) {
    keys.push_back(kv.first.Scalar());
    values.push_back(kv.second);
  }
  // Sort positions, never Nodes: moving a Node assigns through it and rewrites the tree.
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return keys[a] < keys[b]; });
  out += '{';
  for (size_t i = 0; i < order.size(); ++i) {
    if (i) out += ',';
    append_quoted(out, keys[order[i]]);
    out += ':';
    canonical(values[order[i]], out);
  }
  out += '}';
}

}  // namespace

std::string tree_canonical(const YAML::Node& n) {
  std::string out;
  canonical(n, out);
  return out;
}

bool tree_equal(const YAML::Node& a, const YAML::Node& b) {
  return tree_canonical(a) == tree_canonical(b);
}

}  // namespace swepo
