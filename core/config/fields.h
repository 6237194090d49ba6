// Typed config structs at the edge: declare each option once (key, default, help), read it from a
// YAML mapping, and reject unknown keys with the file they came from and the closest valid key.
//
//   struct DpoOptions {
//     double beta = 0.1;  // ...
//     template <class V> void visit(V& v) { v("beta", beta, "temperature of the implicit reward"); }
//   };
//   DpoOptions o; Fields f(node, "loss", &origins); o.visit(f); f.done();
//
// The same visit() drives documentation: OptionDocs d; DpoOptions{}.visit(d); -> key/default/help.
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

}  // namespace swepo
