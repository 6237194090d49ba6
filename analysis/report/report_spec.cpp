#include "analysis/report/report_spec.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "analysis/report/report_table.h"
#include "core/config/fields.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

namespace swepo::report {
namespace fs = std::filesystem;
namespace {

// Unknown keys of a mapping: "table file F: unknown key 'rows[2].wher' (did you mean 'where'?)".
void check_keys(const YAML::Node& node, const std::string& path, const std::vector<std::string>& known,
                const std::string& file) {
  if (!node.IsMap())
    throw UserError("table file " + file + ": '" + path + "' must be a mapping, got '" +
                    yaml_scalar_text(node) + "'");
  for (const auto& kv : node) {
    const std::string k = kv.first.as<std::string>();
    if (std::find(known.begin(), known.end(), k) != known.end()) continue;
    const std::string dotted = path.empty() ? k : path + "." + k;
    throw UserError("table file " + file + ": unknown key '" + dotted + "'" + did_you_mean(k, known) +
                    "; valid keys: " + join(known, ", "));
  }
}

// Reads the typed scalars of one mapping through Fields (type errors name the key).
template <class Visit>
void read_table_fields(const YAML::Node& node, const std::string& path, const std::string& file, Visit visit) {
  try {
    Fields f(node, path);
    visit(f);
  } catch (const UserError& e) {
    throw UserError("table file " + file + ": " + e.what());
  }
}

std::string scalar_text(const YAML::Node& n, const std::string& where, const std::string& file) {
  if (!n.IsScalar())
    throw UserError("table file " + file + ": '" + where + "' must be a scalar, got '" + yaml_scalar_text(n) + "'");
  return n.as<std::string>();
}

Where parse_where(const YAML::Node& node, const std::string& path, const std::string& file) {
  Where w;
  if (!node || node.IsNull()) return w;
  if (!node.IsMap())
    throw UserError("table file " + file + ": '" + path + "' must be a mapping of param keys to values, got '" +
                    yaml_scalar_text(node) + "'");
  for (const auto& kv : node) {
    ParamMatch m;
    m.key = kv.first.as<std::string>();
    const std::string where = path + "." + m.key;
    if (kv.second.IsNull()) {
      m.absent = true;
    } else if (kv.second.IsSequence()) {  // any of; a null element also accepts "absent"
      for (const auto& v : kv.second) {
        if (v.IsNull())
          m.absent = true;
        else
          m.any_of.push_back(scalar_text(v, where, file));
      }
      if (m.any_of.empty() && !m.absent)
        throw UserError("table file " + file + ": '" + where + "' is an empty list");
    } else {
      m.any_of.push_back(scalar_text(kv.second, where, file));
    }
    w.push_back(m);
  }
  return w;
}

YAML::Node list_node(const YAML::Node& root, const char* key, const std::string& file, bool required) {
  YAML::Node n = root[key];
  if (!n || n.IsNull()) {
    if (required) throw UserError("table file " + file + ": missing key '" + key + "'");
    return YAML::Node(YAML::NodeType::Sequence);
  }
  if (!n.IsSequence())
    throw UserError("table file " + file + ": '" + key + "' must be a list, got '" + yaml_scalar_text(n) + "'");
  if (required && n.size() == 0) throw UserError("table file " + file + ": '" + key + "' is empty");
  return n;
}

std::string required_label(const std::string& label, const std::string& path, const std::string& file) {
  if (label.empty()) throw UserError("table file " + file + ": '" + path + ".label' is missing or empty");
  return label;
}

}  // namespace

TableSpec table_spec_parse(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw UserError("table file " + file + ": not valid YAML (" + e.what() + ")");
  }
  if (!root || !root.IsMap()) throw UserError("table file " + file + ": expected a mapping at the top");
  check_keys(root, "",
             {"title", "notes", "decoding", "precision", "bootstrap", "bootstrap_seed", "label_header",
              "groups", "columns", "rows", "tests", "baseline", "power", "power_delta"},
             file);
  TableSpec s;
  s.file = file;
  read_table_fields(root, "", file, [&](Fields& f) {
    f("title", s.title, "caption");
    f("notes", s.notes, "lines printed under the table");
    f("decoding", s.decoding, "default decoding of the columns (auto: the averaged row)");
    f("precision", s.precision, "digits after the point");
    f("bootstrap", s.bootstrap, "bootstrap resamples of the 95% interval");
    f("bootstrap_seed", s.bootstrap_seed, "seed of the bootstrap");
    f("label_header", s.label_header, "header of the row label column");
    f("baseline", s.baseline, "row label: the other rows show the paired delta vs it");
    f("power", s.power, "with a baseline: minimum detectable delta and seeds-needed columns");
    f("power_delta", s.power_delta, "the delta whose seeds-needed column is shown (column units)");
    f.require(s.power_delta > 0, "power_delta", "must be > 0");
    f.require(s.precision >= 0 && s.precision <= 12, "precision", "must be in 0..12");
    f.require(s.bootstrap >= 0, "bootstrap", "must be >= 0");
  });

  const YAML::Node groups = list_node(root, "groups", file, false);
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string path = "groups[" + std::to_string(i) + "]";
    check_keys(groups[i], path, {"label", "where"}, file);
    TableGroupSpec g;
    read_table_fields(groups[i], path, file, [&](Fields& f) { f("label", g.label, "group label"); });
    required_label(g.label, path, file);
    g.where = parse_where(groups[i]["where"], path + ".where", file);
    s.groups.push_back(g);
  }
  const YAML::Node columns = list_node(root, "columns", file, true);
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string path = "columns[" + std::to_string(i) + "]";
    check_keys(columns[i], path, {"label", "metric", "stat", "decoding", "reduce", "scale"}, file);
    TableColumnSpec c;
    read_table_fields(columns[i], path, file, [&](Fields& f) {
      f("label", c.label, "column header");
      f("metric", c.metric, "suite.metric, or a training metric key with a '/'");
      f("stat", c.stat, "statistic shown");
      f("decoding", c.decoding, "eval metrics: decoding ('' = the table's)");
      f("reduce", c.reduce, "training metrics: final | min | max | mean_last:N");
      f("scale", c.scale, "factor applied to the values");
      f.choice("stat", c.stat, report_stat_names());
    });
    if (c.label.empty()) c.label = c.metric;
    if (c.metric.empty()) throw UserError("table file " + file + ": '" + path + ".metric' is missing");
    const std::string at = "table file " + file + ": '" + path;
    if (is_training_metric(c.metric)) {
      parse_step_reduce(c.reduce, at + ".reduce'");
      if (!c.decoding.empty())
        throw UserError(at + ".decoding' applies to eval metrics (SUITE.METRIC); '" + c.metric +
                        "' is a training metric (use 'reduce')");
    } else {
      parse_metric(c.metric, at + ".metric'");
      if (!c.reduce.empty())
        throw UserError(at + ".reduce' applies to training metrics (KEY with a '/', e.g. pref/loss); '" +
                        c.metric + "' is an eval metric");
    }
    s.columns.push_back(c);
  }
  const YAML::Node rows = list_node(root, "rows", file, true);
  std::set<std::string> row_labels;
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string path = "rows[" + std::to_string(i) + "]";
    check_keys(rows[i], path, {"label", "where", "pool"}, file);
    TableRowSpec r;
    read_table_fields(rows[i], path, file, [&](Fields& f) {
      f("label", r.label, "row label");
      f("pool", r.pool, "param keys whose values may differ among the row's runs");
    });
    required_label(r.label, path, file);
    if (!row_labels.insert(r.label).second)
      throw UserError("table file " + file + ": '" + path + ".label' repeats the label '" + r.label + "'");
    r.where = parse_where(rows[i]["where"], path + ".where", file);
    s.rows.push_back(r);
  }
  if (!s.baseline.empty() && !row_labels.count(s.baseline))
    throw UserError("table file " + file + ": 'baseline' names unknown row '" + s.baseline + "'" +
                    did_you_mean(s.baseline, {row_labels.begin(), row_labels.end()}) + "; rows: " + [&] {
                      std::vector<std::string> labels;
                      for (const auto& r : s.rows) labels.push_back(r.label);
                      return join(labels, ", ");
                    }());
  if (s.power && s.baseline.empty())
    throw UserError("table file " + file + ": 'power' needs a 'baseline' row (the MDD uses the sd of the "
                    "paired differences)");
  const YAML::Node tests = list_node(root, "tests", file, false);
  for (size_t i = 0; i < tests.size(); ++i) {
    const std::string path = "tests[" + std::to_string(i) + "]";
    check_keys(tests[i], path, {"label", "test", "rows", "columns"}, file);
    TableTestSpec t;
    read_table_fields(tests[i], path, file, [&](Fields& f) {
      f("label", t.label, "row label");
      f("test", t.test, "brown_forsythe");
      f("rows", t.rows, "labels of the compared rows");
      f("columns", t.columns, "labels of the columns showing the p-value");
      f.choice("test", t.test, {"brown_forsythe"});
    });
    if (t.label.empty()) t.label = t.test + " p";
    if (t.rows.size() < 2)
      throw UserError("table file " + file + ": '" + path + ".rows' must name at least 2 rows");
    for (const auto& r : t.rows)
      if (!row_labels.count(r))
        throw UserError("table file " + file + ": '" + path + ".rows' names unknown row '" + r + "'" +
                        did_you_mean(r, {row_labels.begin(), row_labels.end()}));
    for (const auto& c : t.columns) {
      bool found = false;
      std::vector<std::string> labels;
      for (const auto& col : s.columns) {
        found = found || col.label == c;
        labels.push_back(col.label);
      }
      if (!found)
        throw UserError("table file " + file + ": '" + path + ".columns' names unknown column '" + c + "'" +
                        did_you_mean(c, labels));
    }
    s.tests.push_back(t);
  }
  return s;
}

TableSpec table_spec_load(const std::string& path) { return table_spec_parse(read_file(path), path); }

std::vector<std::string> table_spec_builtin_dirs(const std::string& tables_dir) {
  if (!tables_dir.empty()) return {tables_dir};
  std::vector<std::string> dirs = {"analysis/tables"};
#ifdef SWEPO_SOURCE_DIR
  dirs.push_back(std::string(SWEPO_SOURCE_DIR) + "/analysis/tables");
#endif
  return dirs;
}

std::string table_spec_find(const std::string& table, const std::string& tables_dir) {
  if (table.find('/') != std::string::npos || ends_with(table, ".yaml") || ends_with(table, ".yml")) {
    if (!fs::exists(table)) throw UserError("table file '" + table + "' does not exist");
    return table;
  }
  std::set<std::string> found;
  for (const auto& dir : table_spec_builtin_dirs(tables_dir)) {
    const fs::path p = fs::path(dir) / (table + ".yaml");
    if (fs::exists(p)) return p.string();
    std::error_code ec;
    if (fs::is_directory(dir, ec))
      for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".yaml") found.insert(e.path().stem().string());
  }
  const std::vector<std::string> names(found.begin(), found.end());
  throw UserError("unknown table '" + table + "'" + did_you_mean(table, names) + "; tables: " +
                  (names.empty() ? std::string("(none found in ") + join(table_spec_builtin_dirs(tables_dir), ", ") + ")"
                                 : join(names, ", ")));
}

}  // namespace swepo::report
