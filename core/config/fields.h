// Typed config structs at the edge: declare each option once (key, default, help), read it from a
// YAML mapping, and reject unknown keys with the file they came from and the closest valid key.
//
//   struct DpoOptions {
//     double beta = 0.1;  // ...
//     template <class V> void visit(V& v) { v("beta", beta, "temperature of the implicit reward"); }
//   };
//   DpoOptions o = read_fields<DpoOptions>(node, "loss", &origins);
//
// The struct is the one source of each option's default and help: the same visit() drives
// documentation (OptionDocs d; DpoOptions{}.visit(d); -> key/default/help) and completes a config
// tree with the defaults it leaves out (fill_defaults), so what is recorded names every option.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {

// Dotted key path -> file it came from (filled by config composition; "<command line>" for
// overrides). Optional everywhere: without it, messages omit the file.
using Origins = std::map<std::string, std::string>;

std::string origin_of(const Origins* origins, const std::string& dotted);  // " (from FILE)" or ""
std::string yaml_scalar_text(const YAML::Node& n);  // one-line YAML text of a node, for messages

class Fields {
 public:
  // `node` must be a mapping or null (null: every option keeps its default).
  Fields(YAML::Node node, std::string path, const Origins* origins = nullptr);

  template <class T>
  void operator()(const char* key, T& value, const char* help) {
    seen_.insert(key);
    known_.push_back(key);
    if (!node_ || !node_.IsMap()) return;
    YAML::Node v = node_[key];
    if (!v || v.IsNull()) return;
    try {
      value = v.as<T>();
    } catch (const YAML::Exception&) {
      throw UserError("config key '" + dotted(key) + "'" + origin_of(origins_, dotted(key)) +
                      ": expected " + type_name<T>() + ", got '" + yaml_scalar_text(v) + "'");
    }
  }

  // Checks that `value` of `key` is one of `choices`.
  void choice(const char* key, const std::string& value, const std::vector<std::string>& choices);
  // Throws UserError if `ok` is false: "config key 'path.key' (from F): <what>".
  void require(bool ok, const char* key, const std::string& what);

  // Throws UserError for any key of the mapping that no visit() declared.
  void done() const;

  std::string dotted(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  template <class T> static const char* type_name();
  YAML::Node node_;
  std::string path_;
  const Origins* origins_;
  std::set<std::string> seen_;
  std::vector<std::string> known_;
};

template <> inline const char* Fields::type_name<int>() { return "an integer"; }
template <> inline const char* Fields::type_name<int64_t>() { return "an integer"; }
template <> inline const char* Fields::type_name<double>() { return "a number"; }
template <> inline const char* Fields::type_name<bool>() { return "a boolean"; }
template <> inline const char* Fields::type_name<std::string>() { return "a string"; }
template <> inline const char* Fields::type_name<std::vector<double>>() { return "a list of numbers"; }
template <> inline const char* Fields::type_name<std::vector<int>>() { return "a list of integers"; }
template <> inline const char* Fields::type_name<std::vector<std::string>>() { return "a list of strings"; }

// Documentation visitor: collects (key, default, help) in declaration order.
struct OptionDoc {
  std::string key, default_value, help;
};
class OptionDocs {
 public:
  template <class T>
  void operator()(const char* key, T& value, const char* help) {
    YAML::Emitter e;
    e.SetDoublePrecision(10);  // 0.1 prints as 0.1, not 0.10000000000000001
    e << YAML::Flow << value;
    docs.push_back({key, e.c_str(), help});
  }
  void choice(const char*, const std::string&, const std::vector<std::string>&) {}
  void require(bool, const char*, const std::string&) {}
  std::vector<OptionDoc> docs;
};

// Reads a visit() struct from the mapping (or null) `node` at dotted `path`: the one way a typed
// config struct is read. Unknown keys, wrong types and failed checks are UserErrors naming the key
// and (with `origins`) the file that set it.
template <class T>
T read_fields(const YAML::Node& node, const std::string& path, const Origins* origins = nullptr) {
  T value;
  Fields f(node, path, origins);
  value.visit(f);
  f.done();
  return value;
}

// Completion visitor (see with_defaults): in declaration order, each option's value as `node` sets
// it, or else the visited struct's value (T{}'s default when read by read_fields from `node`).
class DefaultsFiller {
 public:
  DefaultsFiller(const YAML::Node& node, std::set<std::string> skip) : node_(node), skip_(std::move(skip)) {}
  template <class T>
  void operator()(const char* key, T& value, const char*) {
    declared_.insert(key);
    if (node_.IsMap() && node_[key] && !node_[key].IsNull()) {
      out[key] = node_[key];
      return;
    }
    if (skip_.count(key)) return;
    YAML::Emitter e;
    e.SetDoublePrecision(15);  // shortest text for decimal values: 0.1, 1e-08
    e << YAML::Flow << value;
    out[key] = YAML::Load(e.c_str());
  }
  void choice(const char*, const std::string&, const std::vector<std::string>&) {}
  void require(bool, const char*, const std::string&) {}
  // Keys of `node` no visit() declared (kept, after the declared ones).
  void finish() {
    if (!node_.IsMap()) return;
    for (const auto& kv : node_)
      if (!declared_.count(kv.first.as<std::string>())) out[kv.first.as<std::string>()] = kv.second;
  }
  YAML::Node out{YAML::NodeType::Map};

 private:
  YAML::Node node_;
  std::set<std::string> skip_;
  std::set<std::string> declared_;
};

// The mapping `node` (a mapping or null) completed with every option of `value` it does not set, in
// the struct's declaration order, except the keys in `skip` (options whose value is derived at run
// time, such as a stage's device). Recorded configs are completed so that they name every option.
template <class T>
YAML::Node with_defaults(const YAML::Node& node, T value, std::set<std::string> skip = {}) {
  DefaultsFiller filler(node, std::move(skip));
  value.visit(filler);
  filler.finish();
  return filler.out;
}

}  // namespace swepo
