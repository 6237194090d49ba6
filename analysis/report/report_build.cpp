#include "analysis/report/report_build.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "analysis/report/report_pool.h"
#include "analysis/report/report_stats.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::report {
namespace {

Where concat(Where a, const Where& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Numeric-aware ordering of group labels: 2 < 10, numbers before text.
bool label_less(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    char *ea = nullptr, *eb = nullptr;
    const double x = std::strtod(a[i].c_str(), &ea), y = std::strtod(b[i].c_str(), &eb);
    const bool na = !a[i].empty() && *ea == '\0', nb = !b[i].empty() && *eb == '\0';
    if (na && nb && x != y) return x < y;
    if (na != nb) return na;
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

}  // namespace

std::vector<double> report_cell_values(const ReportData& data, const Where& where, const MetricRef& metric,
                                       double scale) {
  std::vector<double> v = data.values(data.finished(where), metric);
  for (double& x : v) x *= scale;
  return v;
}

ReportTable report_build_table(const TableSpec& spec, const ReportData& data) {
  const std::string in = "table file " + spec.file;
  // Validate everything first, so a bad table fails before any output.
  for (size_t i = 0; i < spec.rows.size(); ++i) {
    data.check_where(spec.rows[i].where, in + ": 'rows[" + std::to_string(i) + "].where'");
    for (const auto& k : spec.rows[i].pool) data.check_param_key(k, in + ": 'rows[" + std::to_string(i) + "].pool'");
  }
  for (size_t i = 0; i < spec.groups.size(); ++i)
    data.check_where(spec.groups[i].where, in + ": 'groups[" + std::to_string(i) + "].where'");
  std::vector<MetricRef> cols;
  for (size_t i = 0; i < spec.columns.size(); ++i) {
    const auto& c = spec.columns[i];
    const std::string what = in + ": 'columns[" + std::to_string(i) + "]'";
    cols.push_back(data.resolve_metric(c.metric, c.decoding.empty() ? spec.decoding : c.decoding, c.reduce, what));
  }

  ReportTable t;
  t.title = spec.title;
  t.notes = spec.notes;
  t.precision = spec.precision;
  t.label_headers = {spec.label_header};
  std::vector<TableGroupSpec> groups = spec.groups;
  if (groups.empty()) groups.push_back({"", {}});
  for (const auto& g : groups)
    for (const auto& c : spec.columns) t.columns.push_back({g.label, c.label, c.stat});

  // values[row][group * ncol + col]
  std::vector<std::vector<std::vector<double>>> values;
  for (size_t ri = 0; ri < spec.rows.size(); ++ri) {
    const auto& r = spec.rows[ri];
    std::vector<Cell> cells;
    values.emplace_back();
    for (const auto& g : groups) {
      const Where where = concat(r.where, g.where);
      report_check_one_config(data.finished(where), r.pool,
                              in + ": row '" + r.label + "'" + (g.label.empty() ? "" : " (group '" + g.label + "')"),
                              "rows[" + std::to_string(ri) + "].pool");
      for (size_t c = 0; c < cols.size(); ++c) {
        auto v = report_cell_values(data, where, cols[c], spec.columns[c].scale);
        cells.push_back(v.empty() ? Cell::missing()
                                  : Cell::of_stats(metrics::seed_stats(v, spec.bootstrap,
                                                                       static_cast<uint64_t>(spec.bootstrap_seed))));
        values.back().push_back(std::move(v));
      }
    }
    t.row_labels.push_back({r.label});
    t.cells.push_back(std::move(cells));
  }
  for (const auto& test : spec.tests) {
    std::vector<size_t> rows;
    for (const auto& label : test.rows)
      for (size_t r = 0; r < spec.rows.size(); ++r)
        if (spec.rows[r].label == label) rows.push_back(r);
    std::vector<Cell> cells;
    for (size_t col = 0; col < t.columns.size(); ++col) {
      const auto& cs = spec.columns[col % spec.columns.size()];
      const bool shown = test.columns.empty() ||
                         std::find(test.columns.begin(), test.columns.end(), cs.label) != test.columns.end();
      if (!shown) {
        cells.push_back(Cell::empty());
        continue;
      }
      std::vector<std::vector<double>> samples;
      for (size_t r : rows) samples.push_back(values[r][col]);
      auto bf = brown_forsythe(samples);  // test == "brown_forsythe" (the only one, checked at parse)
      cells.push_back(bf ? Cell::of_number(bf->p_value) : Cell::missing());
    }
    t.row_labels.push_back({test.label});
    t.cells.push_back(std::move(cells));
  }
  return t;
}

ReportTable report_group_by(const GroupByQuery& q, const ReportData& data) {
  if (q.keys.empty()) throw UserError("--group-by: give at least one param key");
  for (const auto& k : q.keys) data.check_param_key(k, "--group-by");
  for (const auto& k : q.pool) data.check_param_key(k, "--pool");
  data.check_where(q.where, "--where");
  if (q.metric.empty()) throw UserError("--metric: give a metric (SUITE.METRIC, or a training metric KEY with a '/')");
  const MetricRef metric = data.resolve_metric(q.metric, q.decoding, q.reduce, "--metric");

  std::map<std::vector<std::string>, std::vector<double>> groups;
  std::map<std::vector<std::string>, std::vector<const ReportRun*>> members;
  for (const auto* run : data.finished(q.where)) {
    auto v = data.values({run}, metric);
    if (v.empty()) continue;
    std::vector<std::string> label;
    for (const auto& k : q.keys) {
      auto it = run->params.find(k);
      label.push_back(it == run->params.end() || it->second == "null" ? kAbsentLabel : it->second);
    }
    groups[label].push_back(v[0]);
    members[label].push_back(run);
  }
  for (const auto& [label, runs] : members)
    report_check_one_config(runs, q.pool, "--group-by " + join(q.keys, ",") + ": group '" + join(label, ", ") + "'",
                            "--pool");
  std::vector<std::vector<std::string>> labels;
  for (const auto& kv : groups) labels.push_back(kv.first);
  std::sort(labels.begin(), labels.end(), label_less);

  ReportTable t;
  t.title = metric.title() + " by " + join(q.keys, ", ");
  t.precision = q.precision;
  t.label_headers = q.keys;
  for (const char* s : {"n", "mean", "std", "var", "ci", "min", "max"}) t.columns.push_back({"", s, s});
  t.columns[4].label = "95% CI";
  for (const auto& label : labels) {
    const auto s = metrics::seed_stats(groups[label], q.bootstrap, q.bootstrap_seed);
    t.row_labels.push_back(label);
    t.cells.emplace_back(t.columns.size(), Cell::of_stats(s));
  }
  if (labels.empty())
    t.notes.push_back(metric.training ? "no finished run has logged " + metric.name + "."
                                      : "no finished run has " + metric.name + ".");
  return t;
}

}  // namespace swepo::report
