#include "analysis/plot/plot_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "analysis/report/report_pool.h"
#include "core/store/store_query.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::plot {

namespace {

std::vector<double> moving_average(const std::vector<double>& v, int window) {
  if (window <= 1) return v;
  std::vector<double> out(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    sum += v[i];
    if (i >= static_cast<size_t>(window)) sum -= v[i - window];
    out[i] = sum / static_cast<double>(std::min<size_t>(i + 1, window));
  }
  return out;
}

}  // namespace

std::vector<LinePanel> curve_panels(Store& store, const report::ReportData& data, const CurveQuery& q) {
  if (q.band != "minmax" && q.band != "std" && q.band != "none")
    throw UserError("--band: unknown value '" + q.band + "'; valid: minmax, std, none");
  if (q.smooth < 1) throw UserError("--smooth must be >= 1");
  if (q.metrics.empty()) throw UserError("--metric: give at least one metric key");
  for (const auto& k : q.group_by) data.check_param_key(k, "--group-by");
  for (const auto& k : q.pool) data.check_param_key(k, "--pool");
  data.check_where(q.where, "--where");
  const std::vector<std::string> keys = store_metric_keys(store);
  for (const auto& m : q.metrics)
    if (std::find(keys.begin(), keys.end(), m) == keys.end())
      throw UserError("--metric: unknown metric key '" + m + "'" + store_names_suggestion(m, keys) +
                      (report::is_training_metric(m) ? "" : " (curves draw training metrics, KEY with a '/'; "
                                                            "eval metrics are drawn by `plot bars TABLE`)") +
                      "; " + store_names_listing(m, keys, "training metrics"));
  const auto runs = data.finished(q.where);
  if (runs.empty()) throw UserError("plot: no finished run matches the filter");

  std::map<std::string, std::vector<const report::ReportRun*>> groups;
  for (const auto* r : runs) {
    std::vector<std::string> label;
    for (const auto& k : q.group_by) {
      auto it = r->params.find(k);
      label.push_back(it == r->params.end() ? "~" : it->second);
    }
    groups[join(label, ", ")].push_back(r);
  }
  std::vector<LinePanel> panels;
  for (const auto& metric : q.metrics) {
    LinePanel p;
    p.title = metric;
    p.xlabel = "step";
    p.ylabel = metric;
    for (const auto& [label, members] : groups) {
      std::map<int64_t, std::vector<double>> at_step;
      int n_runs = 0;
      std::vector<const report::ReportRun*> drawn;  // the runs behind the series: one configuration
      for (const auto* r : members) {
        auto h = store.run_metric_history(r->id, metric);
        if (h.empty()) continue;
        ++n_runs;
        drawn.push_back(r);
        std::vector<double> v;
        for (const auto& [step, value] : h) v.push_back(value);
        v = moving_average(v, q.smooth);
        for (size_t i = 0; i < h.size(); ++i)
          if (std::isfinite(v[i])) at_step[h[i].first].push_back(v[i]);
      }
      report::report_check_one_config(drawn, q.pool, "--group-by " + join(q.group_by, ",") + ": series '" +
                                      label + "' of " + metric, "--pool");
      LineSeries s;
      s.name = label + " (n=" + std::to_string(n_runs) + ")";  // runs that logged the metric
      for (const auto& [step, vals] : at_step) {
        double mean = 0;
        for (double v : vals) mean += v;
        mean /= static_cast<double>(vals.size());
        s.x.push_back(static_cast<double>(step));
        s.y.push_back(mean);
        if (q.band == "minmax") {
          s.lo.push_back(*std::min_element(vals.begin(), vals.end()));
          s.hi.push_back(*std::max_element(vals.begin(), vals.end()));
        } else if (q.band == "std") {
          double ss = 0;
          for (double v : vals) ss += (v - mean) * (v - mean);
          const double sd = vals.size() > 1 ? std::sqrt(ss / static_cast<double>(vals.size() - 1)) : 0.0;
          s.lo.push_back(mean - sd);
          s.hi.push_back(mean + sd);
        }
      }
      if (n_runs > 0) p.series.push_back(std::move(s));
    }
    panels.push_back(std::move(p));
  }
  return panels;
}

std::vector<BarPanel> table_bar_panels(const report::ReportTable& t) {
  using report::Cell;
  std::vector<size_t> rows;  // rows of statistics (not test rows)
  for (size_t r = 0; r < t.cells.size(); ++r) {
    bool stats_row = true;
    for (const auto& c : t.cells[r]) stats_row = stats_row && (c.kind == Cell::kStats || c.kind == Cell::kMissing);
    if (stats_row) rows.push_back(r);
  }
  std::vector<BarPanel> panels;
  for (size_t c = 0; c < t.columns.size(); ++c) {
    const auto& col = t.columns[c];
    BarPanel p;
    p.title = col.group.empty() ? col.label : col.group + ": " + col.label;
    p.ylabel = col.label;
    for (size_t r : rows) {
      p.categories.push_back(join(t.row_labels[r], ", "));
      const Cell& cell = t.cells[r][c];
      if (cell.kind != Cell::kStats || cell.stats.n == 0) {
        p.value.push_back(std::nullopt);
        p.lo.push_back(std::nullopt);
        p.hi.push_back(std::nullopt);
        p.note.push_back("");
        continue;
      }
      const auto& s = cell.stats;
      std::optional<double> v, lo, hi;
      if (col.stat == "mean_std" || col.stat == "mean") {
        v = s.mean;
        if (s.n > 1) lo = s.mean - s.std, hi = s.mean + s.std;
      } else if (col.stat == "mean_ci" || col.stat == "ci") {
        v = s.mean, lo = s.ci_lo, hi = s.ci_hi;
      } else if (col.stat == "std") {
        if (s.n > 1) v = s.std;
      } else if (col.stat == "var") {
        if (s.n > 1) v = s.var;
      } else if (col.stat == "n") {
        v = s.n;
      } else if (col.stat == "min") {
        v = s.min;
      } else if (col.stat == "max") {
        v = s.max;
      }
      p.value.push_back(v);
      p.lo.push_back(lo);
      p.hi.push_back(hi);
      p.note.push_back("n=" + std::to_string(s.n));
    }
    panels.push_back(std::move(p));
  }
  return panels;
}

}  // namespace swepo::plot
