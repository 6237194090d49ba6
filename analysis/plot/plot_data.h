// What the plots show, read from the results store: training curves of FINISHED runs grouped by a
// param (mean line, band over seeds) and a report table's cells as bars with error bars.
// Tensor-free.
#pragma once
#include <string>
#include <vector>

#include "analysis/plot/plot_chart.h"
#include "analysis/report/report_data.h"
#include "analysis/report/report_table.h"
#include "core/store/store.h"

namespace swepo::plot {

struct CurveQuery {
  // metric keys of the `metrics` table; the pipeline logs "<phase>/<metric>" (pref/loss, ...)
  std::vector<std::string> metrics = {"pref/loss", "pref/rewards/margins", "pref/rewards/accuracies"};
  std::vector<std::string> group_by = {"loss.name"};  // one series per distinct value (joined ", ")
  report::Where where;                                 // optional filter on params
  std::vector<std::string> pool;                       // param keys that may differ within a series
  std::string band = "minmax";                         // minmax | std (mean ± sample std) | none
  int smooth = 1;                                      // trailing moving average over this many steps
};

// One panel per metric, one series per group named "<values> (n=<runs that logged the metric>)":
// at each step the mean over the group's runs that logged it, and the band. The runs of a series
// must be one configuration but for seeds (analysis/report/report_pool.h) unless `pool` names the
// keys they may differ in (UserError naming the series, keys and values). UserError for an unknown
// metric key or param key (naming it and the valid ones), band, or when no finished run matches.
std::vector<LinePanel> curve_panels(Store& store, const report::ReportData& data, const CurveQuery& q);

// One panel per column of the table, one bar per statistics row: mean_std/mean -> mean ± std,
// mean_ci -> mean with the 95% interval, other stats -> that number without an error bar.
// Rows of test p-values are left out. Missing cells are drawn as "n/a".
std::vector<BarPanel> table_bar_panels(const report::ReportTable& t);

}  // namespace swepo::plot
