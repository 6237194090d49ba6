// Computes report tables from the results store: a declarative table (report_spec.h) or an ad-hoc
// group-by over run params. Cells use FINISHED runs only, one value per run (an eval value, or a
// training metric's logged steps reduced: report_data.h); a cell without any matching finished
// run with the metric is missing, never zero. Tensor-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/metrics/stats.h"
#include "analysis/report/report_data.h"
#include "analysis/report/report_spec.h"
#include "analysis/report/report_table.h"

namespace swepo::report {

// Checks every param key, metric and decoding against the database (UserError naming the table
// file and the key), that each cell's finished runs are one configuration (report_pool.h; UserError
// naming the row, group, keys and values unless the row pools them) and computes the table.
ReportTable report_build_table(const TableSpec& spec, const ReportData& data);

// The seed values behind one cell: finished runs matching `where`, their metric, times `scale`.
std::vector<double> report_cell_values(const ReportData& data, const Where& where, const MetricRef& metric,
                                       double scale);

struct GroupByQuery {
  std::vector<std::string> keys;  // param keys to group by
  std::string metric;             // suite.metric (eval) or a training metric key (has a '/')
  std::string decoding = kDecodingAuto;  // eval metrics only
  std::string reduce;             // training metrics only: parse_step_reduce ("" = final)
  Where where;                    // optional extra filter
  std::vector<std::string> pool;  // param keys whose values may differ within a group
  int bootstrap = 1000;
  uint64_t bootstrap_seed = 0;
  int precision = 4;
  // "KEY=VALUE" (KEY one of `keys`): a Δ column pairs every other group, over the seeds both share,
  // with the group of that value and the same other keys (report_spec.h: "Paired Δ"); "" = none.
  // An unknown KEY or VALUE is a UserError listing the valid ones; so is a group with no baseline
  // group, or none of its seeds in it.
  std::string baseline;
  bool power = false;        // MDD and seeds-needed columns (needs a baseline)
  double power_delta = 1.0;  // the Δ of the seeds-needed column, in the metric's units
};
// One row per distinct combination of the keys' values among the finished runs that have the metric
// (a run without a key, or with it null, shows "~" for it); columns n, mean, std, var, 95% CI, min,
// max over the runs' values (then Δ, MDD, seeds for Δ=D with a baseline and power). A group whose
// runs differ in a key other than the seed, bookkeeping and `pool` keys is a UserError (report_pool.h).
ReportTable report_group_by(const GroupByQuery& q, const ReportData& data);

}  // namespace swepo::report
