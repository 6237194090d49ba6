#include "sweeps/sweep_file.h"

#include <regex>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/config/sweep_syntax.h"

namespace swepo {

// Fields reads sub-trees of the sweep file as raw YAML nodes.
template <> inline const char* Fields::type_name<YAML::Node>() { return "YAML"; }

namespace {

// The sweep file's top-level keys, declared once.
struct SweepFileFields {
  std::string name;
  std::string description;
  std::vector<std::string> overrides;
  YAML::Node runs, grid, zip, seeds;

  template <class V>
  void visit(V& v) {
    v("name", name, "the sweep's name: its identity in the results store (letters, digits, _ . -)");
    v("description", description, "what the sweep tests");
    v("overrides", overrides, "base overrides applied to every job (plain values)");
    v("runs", runs, "explicit rows: each a list of overrides or a key: value mapping (may sweep)");
    v("grid", grid, "axes in Hydra sweep syntax, product in the order given (last varies fastest)");
    v("zip", zip, "axes of equal length paired element-wise; one axis after the grid");
    v("seeds", seeds, "seed axis (innermost): range(3), 0,1,2 or a list");
  }
};

struct Ctx {
  const std::string& file;
  const std::string& conf_dir;
  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw UserError("sweep file '" + file + "': key '" + key + "': " + what);
  }
  // Runs `f`, prefixing any UserError with the file and key.
  template <class F>
  auto at(const std::string& key, F f) const -> decltype(f()) {
    try {
      return f();
    } catch (const UserError& e) {
      fail(key, e.what());
    }
  }
};

// A mapping key as text: YAML allows any node as a key (`? [a, b]: x`, `{a: 1}: x`); a sweep file's
// keys are names, so anything but a scalar is refused (as<std::string>() would throw yaml-cpp's
// bad conversion).
std::string key_text(const YAML::Node& key, const std::string& file, const std::string& section) {
  if (!key.IsScalar())
    throw UserError("sweep file '" + file + "': " + (section.empty() ? "top level" : "key '" + section + "'") +
                    ": a key must be a plain name, got " + yaml_scalar_text(key));
  return key.Scalar();
}

std::string scalar_text(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : yaml_scalar_text(n); }

// An axis value: a scalar in sweep syntax, or a list whose elements each expand.
std::vector<std::string> axis_values(const Ctx& c, const std::string& where, const std::string& key,
                                     const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node || node.IsNull()) c.fail(where, "empty axis (no values)");
  if (node.IsSequence()) {
    for (const auto& e : node) {
      auto v = c.at(where, [&] { return sweep_values(key, scalar_text(e), c.conf_dir); });
      out.insert(out.end(), v.begin(), v.end());
    }
  } else if (node.IsScalar()) {
    if (trim(node.Scalar()).empty()) c.fail(where, "empty axis (no values)");
    out = c.at(where, [&] { return sweep_values(key, node.Scalar(), c.conf_dir); });
  } else {
    c.fail(where, "expected a value in sweep syntax or a list, got a mapping");
  }
  if (out.empty()) c.fail(where, "empty axis (no values)");
  return out;
}

std::vector<SweepAxis> read_axes(const Ctx& c, const std::string& section, const YAML::Node& node) {
  std::vector<SweepAxis> out;
  if (!node || node.IsNull()) return out;
  if (!node.IsMap()) c.fail(section, "expected a mapping of key: values");
  if (node.size() == 0) c.fail(section, "empty (no axes)");
  for (const auto& kv : node) {
    std::string key = key_text(kv.first, c.file, section);
    std::string where = section + "." + key;
    if (key == "seed") c.fail(where, "use the top-level 'seeds:' axis for seeds");
    for (const auto& a : out)
      if (a.key == key) c.fail(where, "axis given twice");
    out.push_back({key, axis_values(c, where, key, kv.second)});
  }
  return out;
}

}  // namespace

SweepSpec sweep_parse(const std::string& text, const std::string& file, const std::string& conf_dir) {
  Ctx c{file, conf_dir};
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw UserError("sweep file '" + file + "': not valid YAML: " + e.what());
  }
  if (!root.IsMap()) throw UserError("sweep file '" + file + "': expected a mapping at the top level");
  SweepFileFields f;
  Origins origins{{"", file}};
  for (const auto& kv : root) origins[key_text(kv.first, file, "")] = file;
  Fields fields(root, "", &origins);
  f.visit(fields);
  fields.done();

  SweepSpec s;
  s.file = file;
  s.text = text;
  s.name = f.name;
  s.description = f.description;
  if (s.name.empty()) c.fail("name", "missing: every sweep needs a name");
  if (!std::regex_match(s.name, std::regex("[A-Za-z0-9_.-]+")))
    c.fail("name", "'" + s.name + "' may contain only letters, digits, '_', '.' and '-'");

  for (size_t i = 0; i < f.overrides.size(); ++i) {
    std::string where = "overrides[" + std::to_string(i) + "]";
    SweepOverride o = c.at(where, [&] { return sweep_parse_override(f.overrides[i], conf_dir); });
    if (o.is_sweep) c.fail(where, "'" + f.overrides[i] + "' is a sweep; put it under 'grid:'");
    s.overrides.push_back(o.text());
  }

  if (f.runs && !f.runs.IsNull()) {
    if (!f.runs.IsSequence()) c.fail("runs", "expected a list of override sets");
    if (f.runs.size() == 0) c.fail("runs", "empty axis (no rows)");
    for (size_t i = 0; i < f.runs.size(); ++i) {
      std::string where = "runs[" + std::to_string(i) + "]";
      const YAML::Node& row = f.runs[i];
      std::vector<std::string> ovs;
      if (row.IsSequence()) {
        for (const auto& e : row) ovs.push_back(scalar_text(e));
      } else if (row.IsMap()) {
        for (const auto& kv : row) ovs.push_back(key_text(kv.first, c.file, where) + "=" + scalar_text(kv.second));
      } else if (!row.IsNull()) {
        c.fail(where, "expected a list of overrides or a key: value mapping");
      }
      auto expanded = c.at(where, [&] { return expand_multirun(ovs, conf_dir); });
      s.runs.insert(s.runs.end(), expanded.begin(), expanded.end());
    }
  }

  s.grid = read_axes(c, "grid", f.grid);
  s.zip = read_axes(c, "zip", f.zip);
  for (const auto& a : s.zip)
    if (a.values.size() != s.zip[0].values.size())
      c.fail("zip", "axes must have the same length: '" + s.zip[0].key + "' has " +
                        std::to_string(s.zip[0].values.size()) + " values, '" + a.key + "' has " +
                        std::to_string(a.values.size()));

  if (f.seeds && !f.seeds.IsNull()) {
    s.seeds = axis_values(c, "seeds", "seed", f.seeds);
    for (const auto& v : s.seeds)
      if (!std::regex_match(v, std::regex("-?[0-9]+"))) c.fail("seeds", "'" + v + "' is not an integer");
  } else if (root["seeds"]) {
    c.fail("seeds", "empty axis (no values)");
  }
  return s;
}

SweepSpec sweep_load(const std::string& path, const std::string& conf_dir) {
  return sweep_parse(read_file(path), path, conf_dir);
}

std::vector<SweepJob> sweep_expand(const SweepSpec& spec) {
  std::vector<std::vector<std::vector<std::string>>> axes;
  for (const auto& o : spec.overrides) axes.push_back({{o}});
  if (!spec.runs.empty()) axes.push_back(spec.runs);
  for (const auto& a : spec.grid) {
    std::vector<std::vector<std::string>> axis;
    for (const auto& v : a.values) axis.push_back({a.key + "=" + v});
    axes.push_back(axis);
  }
  if (!spec.zip.empty()) {
    std::vector<std::vector<std::string>> axis(spec.zip[0].values.size());
    for (const auto& a : spec.zip)
      for (size_t i = 0; i < a.values.size(); ++i) axis[i].push_back(a.key + "=" + a.values[i]);
    axes.push_back(axis);
  }
  if (!spec.seeds.empty()) {
    std::vector<std::vector<std::string>> axis;
    for (const auto& v : spec.seeds) axis.push_back({"seed=" + v});
    axes.push_back(axis);
  }
  std::vector<SweepJob> jobs;
  for (auto& ovs : sweep_product(axes)) jobs.push_back({static_cast<int64_t>(jobs.size()), ovs});
  return jobs;
}

}  // namespace swepo
