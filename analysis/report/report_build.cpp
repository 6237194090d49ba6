#include "analysis/report/report_build.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "analysis/metrics/paired.h"
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

// Paired Δ: the seed of each run behind a cell, and the cells that are compared.

// seed -> value for the runs that have the metric (times `scale`). Two runs of one seed make the
// pairing ambiguous: a UserError naming `what`.
std::map<int64_t, double> seed_values(const ReportData& data, const std::vector<const ReportRun*>& runs,
                                      const MetricRef& metric, double scale, const std::string& what) {
  std::map<int64_t, double> out;
  std::map<int64_t, int64_t> run_of;
  for (const auto* run : runs) {
    const auto v = data.values({run}, metric);
    if (v.empty()) continue;
    if (!out.emplace(run->seed, v[0] * scale).second)
      throw UserError(what + " has two finished runs of seed " + std::to_string(run->seed) + " (runs " +
                      std::to_string(run_of[run->seed]) + ", " + std::to_string(run->id) +
                      "), so its pairing with the baseline by seed is ambiguous; narrow its filter");
    run_of[run->seed] = run->id;
  }
  return out;
}

std::string seeds_text(const std::map<int64_t, double>& by_seed) {
  if (by_seed.empty()) return "none (no finished run with the metric)";
  std::vector<std::string> s;
  for (const auto& kv : by_seed) s.push_back(std::to_string(kv.first));
  return join(s, ", ");
}

// The statistics whose Δ a baseline shows (the others, std/var/n/ci/min/max, stay as they are).
bool report_stat_pairs(const std::string& stat) { return stat == "mean_std" || stat == "mean_ci" || stat == "mean"; }

// `own` (a kStats cell, or missing) paired with the baseline's seeds; UserError naming `what`
// when no seed is shared.
Cell paired_cell(const Cell& own, const std::map<int64_t, double>& own_seeds,
                 const std::map<int64_t, double>& base_seeds, const std::string& what, const std::string& base) {
  if (own.kind != Cell::kStats) return own;
  const metrics::PairedDiff d = metrics::paired_diff(base_seeds, own_seeds);
  if (d.n == 0)
    throw UserError(what + " shares no seed with the baseline " + base + ": its seeds " + seeds_text(own_seeds) +
                    "; the baseline's " + seeds_text(base_seeds) +
                    " (a paired Δ needs runs of the same seeds: run the missing seeds or narrow the filter)");
  return Cell::of_paired(own.stats, d);
}

std::string paired_note(const std::string& base) {
  return "Δ vs " + base + ": the mean over the seeds both cells share of the per-seed difference (row - " + base +
         "), ± the half-width of the paired 95% t-interval, t(0.975, n-1) * sd / sqrt(n); * = the interval "
         "excludes 0; n = seeds paired.";
}

std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// After each paired column: "<label> MDD" and "<label> seeds for Δ=D" (no prefix for the ad-hoc Δ
// column), from the paired cell of the same row; rows from `first_plain_row` on (test rows) are empty.
void add_power_columns(ReportTable& t, double delta, size_t first_plain_row) {
  std::vector<ReportColumn> cols;
  std::vector<std::vector<Cell>> cells(t.cells.size());
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const ReportColumn& col = t.columns[c];
    cols.push_back(col);
    for (size_t r = 0; r < t.cells.size(); ++r) cells[r].push_back(t.cells[r][c]);
    if (!col.paired) continue;
    const std::string prefix = col.stat == "delta" ? "" : col.label + " ";
    cols.push_back({col.group, prefix + "MDD", "mdd"});
    cols.push_back({col.group, prefix + "seeds for Δ=" + short_number(delta), "seeds_needed"});
    for (size_t r = 0; r < t.cells.size(); ++r) {
      const Cell& src = t.cells[r][c];
      Cell mdd = Cell::empty(), need = Cell::empty();
      if (r < first_plain_row && src.kind == Cell::kMissing) {
        mdd = need = Cell::missing();
      } else if (r < first_plain_row && src.kind == Cell::kPaired) {
        mdd = need = Cell::missing();
        if (src.paired.n >= 2) {
          mdd = Cell::of_number(metrics::paired_mdd(src.paired.sd, src.paired.n));
          if (auto n = metrics::paired_seeds_needed(src.paired.sd, delta)) need = Cell::of_number(*n);
        }
      }
      cells[r].push_back(mdd);
      cells[r].push_back(need);
    }
  }
  t.columns = std::move(cols);
  t.cells = std::move(cells);
  t.notes.push_back("MDD: the smallest Δ found with 80% power (two-sided 5%) at the cell's n, (t(0.975, n-1) + "
                    "t(0.80, n-1)) * sd / sqrt(n), sd of the paired differences; seeds for Δ=" + short_number(delta) +
                    ": the smallest n whose MDD is <= " + short_number(delta) + " (—: n < 2, or more than 1000).");
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

  // values[row][group * ncol + col]; by_seed likewise, with a baseline only
  std::vector<std::vector<std::vector<double>>> values;
  std::vector<std::vector<std::map<int64_t, double>>> by_seed;
  const bool paired = !spec.baseline.empty();
  for (size_t ri = 0; ri < spec.rows.size(); ++ri) {
    const auto& r = spec.rows[ri];
    std::vector<Cell> cells;
    values.emplace_back();
    by_seed.emplace_back();
    for (const auto& g : groups) {
      const Where where = concat(r.where, g.where);
      const std::string cell_name = in + ": row '" + r.label + "'" + (g.label.empty() ? "" : " (group '" + g.label + "')");
      report_check_one_config(data.finished(where), r.pool, cell_name, "rows[" + std::to_string(ri) + "].pool");
      for (size_t c = 0; c < cols.size(); ++c) {
        if (paired)
          by_seed.back().push_back(seed_values(data, data.finished(where), cols[c], spec.columns[c].scale,
                                               cell_name + ", column '" + spec.columns[c].label + "'"));
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
  if (paired) {
    size_t bi = 0;
    while (spec.rows[bi].label != spec.baseline) ++bi;  // the label was checked at parse
    for (size_t col = 0; col < t.columns.size(); ++col) {
      if (!report_stat_pairs(t.columns[col].stat)) continue;
      t.columns[col].paired = true;
      const std::string& group = groups[col / spec.columns.size()].label;
      for (size_t ri = 0; ri < spec.rows.size(); ++ri) {
        if (ri == bi) continue;
        const std::string what = in + ": row '" + spec.rows[ri].label + "'" +
                                 (group.empty() ? "" : " (group '" + group + "')") + ", column '" +
                                 t.columns[col].label + "',";
        t.cells[ri][col] = paired_cell(t.cells[ri][col], by_seed[ri][col], by_seed[bi][col], what,
                                       "row '" + spec.baseline + "'");
      }
    }
    t.baseline = spec.baseline;
    t.notes.push_back(paired_note(spec.baseline));
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
  if (spec.power) {
    if (!paired) throw UserError(in + ": power needs a 'baseline' row (the MDD uses the sd of the paired differences)");
    add_power_columns(t, spec.power_delta, spec.rows.size());
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

  // --baseline K=V: K one of the keys; each group pairs with the group of value V and the same other keys.
  size_t bk = 0;
  std::string bv;
  auto is_base = [&](const std::string& v) {
    return v == bv || (v != kAbsentLabel && bv != kAbsentLabel && param_value_equal(v, bv));
  };
  if (!q.baseline.empty()) {
    const auto eq = q.baseline.find('=');
    const std::string bkey = trim(q.baseline.substr(0, eq));
    bv = eq == std::string::npos ? "" : trim(q.baseline.substr(eq + 1));
    if (eq == std::string::npos || bkey.empty() || bv.empty())
      throw UserError("--baseline '" + q.baseline + "': give KEY=VALUE, KEY one of the --group-by keys (e.g. " +
                      q.keys[0] + "=dpo)");
    bk = static_cast<size_t>(std::find(q.keys.begin(), q.keys.end(), bkey) - q.keys.begin());
    if (bk == q.keys.size())
      throw UserError("--baseline '" + q.baseline + "': '" + bkey + "' is not a --group-by key" +
                      did_you_mean(bkey, q.keys) + "; keys: " + join(q.keys, ", "));
    std::vector<std::string> shown;
    bool found = false;
    for (const auto& l : labels) {
      found = found || is_base(l[bk]);
      if (std::find(shown.begin(), shown.end(), l[bk]) == shown.end()) shown.push_back(l[bk]);
    }
    if (!found && !labels.empty())
      throw UserError("--baseline '" + q.baseline + "': no group has " + bkey + " = " + bv +
                      did_you_mean(bv, shown) + "; values of " + bkey + ": " + join(shown, ", "));
  }

  ReportTable t;
  t.title = metric.title() + " by " + join(q.keys, ", ");
  t.precision = q.precision;
  t.label_headers = q.keys;
  for (const char* s : {"n", "mean", "std", "var", "ci", "min", "max"}) t.columns.push_back({"", s, s});
  t.columns[4].label = "95% CI";
  const bool paired = !q.baseline.empty();
  if (paired) t.columns.push_back({"", "Δ", "delta", true});
  const std::string group_by = "--group-by " + join(q.keys, ",");
  auto seeds_of = [&](const std::vector<std::string>& label) {
    std::map<int64_t, double> out;
    const auto& runs = members[label];
    for (size_t i = 0; i < runs.size(); ++i)
      if (!out.emplace(runs[i]->seed, groups[label][i]).second)
        throw UserError(group_by + ": group '" + join(label, ", ") + "' has two finished runs of seed " +
                        std::to_string(runs[i]->seed) + ", so its pairing with the baseline by seed is ambiguous "
                        "(group by more keys, or narrow --where)");
    return out;
  };
  for (const auto& label : labels) {
    const auto s = metrics::seed_stats(groups[label], q.bootstrap, q.bootstrap_seed);
    t.row_labels.push_back(label);
    t.cells.emplace_back(t.columns.size(), Cell::of_stats(s));
    if (!paired) continue;
    Cell& delta = t.cells.back().back();
    if (is_base(label[bk])) {
      delta = Cell::empty();
      continue;
    }
    const std::vector<std::string>* base = nullptr;
    for (const auto& b : labels) {
      bool same = is_base(b[bk]);
      for (size_t k = 0; k < b.size() && same; ++k) same = k == bk || b[k] == label[k];
      if (same && !base) base = &b;
    }
    const std::string what = group_by + ": group '" + join(label, ", ") + "'";
    if (!base) {
      std::vector<std::string> want;
      for (size_t k = 0; k < q.keys.size(); ++k) want.push_back(q.keys[k] + " = " + (k == bk ? bv : label[k]));
      throw UserError(what + " has no baseline group to pair with (" + join(want, ", ") + ": no finished run; --baseline " +
                      q.baseline + ")");
    }
    delta = paired_cell(delta, seeds_of(label), seeds_of(*base), what,
                        "group '" + join(*base, ", ") + "' (--baseline " + q.baseline + ")");
  }
  if (paired) {
    t.baseline = q.baseline;
    t.notes.push_back(paired_note(q.baseline + (q.keys.size() > 1 ? " (the group with the same other keys)" : "")));
  }
  if (q.power) {
    if (!paired) throw UserError("--power needs --baseline KEY=VALUE (the MDD uses the sd of the paired differences)");
    add_power_columns(t, q.power_delta, t.cells.size());
  }
  if (labels.empty())
    t.notes.push_back(metric.training ? "no finished run has logged " + metric.name + "."
                                      : "no finished run has " + metric.name + ".");
  return t;
}

}  // namespace swepo::report
