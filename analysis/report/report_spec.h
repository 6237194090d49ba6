// Declarative table files (analysis/tables/<name>.yaml): rows are filters on run params, columns
// are metrics (eval SUITE.METRIC, or a training metric KEY with a '/' reduced over its logged
// steps: report_data.h) with the statistic over seeds shown, optional column groups add a filter per group, and
// optional test rows compare rows' seed values per column. Format (every key but rows and columns
// is optional; unknown keys are errors naming the file and key):
//
//   title: "Table 1: ..."          # caption
//   notes: ["..."]                  # lines printed under the table
//   decoding: auto                  # default decoding of every column (auto = the averaged row)
//   precision: 2                    # digits after the point
//   bootstrap: 1000                 # bootstrap resamples of the 95% interval (0: none)
//   bootstrap_seed: 0
//   label_header: method
//   groups:                         # column groups, e.g. one per base model
//     - {label: tiny, where: {model.name: tiny}}
//   columns:
//     - {label: LC, metric: alpaca.lc, stat: mean_std, decoding: auto, scale: 1}
//     - {label: final loss, metric: pref/loss, reduce: final}  # or min, max, mean_last:N
//   rows:
//     - {label: DPO, where: {loss.name: dpo}}
//     - {label: Swepo p=1, where: {loss.name: swepo, loss.p: 1}}   # numbers compare as numbers
//     - {label: SFT, where: {loss.name: [none, sft]}}               # a list: any of
//     - {label: p=1 all alpha, where: {loss.p: 1}, pool: [loss.alpha]}  # may mix these keys
//   tests:                          # appended rows
//     - {label: "Brown-Forsythe p", test: brown_forsythe, rows: [DPO, Swepo p=1], columns: [Var(LC)]}
//   baseline: DPO                   # a row label: paired Δ vs that row (below)
//   power: true                     # with a baseline: MDD and seeds-needed columns (below)
//   power_delta: 1.0                # the Δ whose seeds-needed is shown, in the column's units
//
// Paired Δ (`baseline: ROW`): runs of one seed share the SFT model, the data order and the eval
// sampling streams, so in every other row each mean-type column (stat mean_std, mean_ci or mean)
// shows Δ = the mean over the seeds both cells share of (row's value − baseline's value), ± the
// half-width of the paired 95% t-interval t_{0.975,n−1}·sd/√n, "*" when it excludes 0, and
// n = the seeds paired (analysis/metrics/paired.h; rendering: report_table.h); the baseline row
// keeps its mean ± std, and a note under the table says so. A cell with runs but no seed shared
// with the baseline's cell (or a baseline cell without runs) is an error naming the row, group,
// column and both cells' seeds (pairing is the point of the table: narrow the rows' `where` or run
// the missing seeds); so is a cell with two runs of one seed (pooled rows), as the pairing would be
// ambiguous. Without `baseline` the table is unchanged.
// Power (`power: true`, or `swepo report --power`; needs a baseline): after each paired column,
// "<label> MDD", the minimum detectable Δ at 80% power and two-sided 5% at the cell's n,
// (t_{0.975,n−1} + t_{0.80,n−1})·sd/√n with sd of the paired differences, and "<label> seeds for
// Δ=D", the smallest n whose MDD is <= D = power_delta (both "—" for n < 2; seeds "—" above 1000).
// D is in the column's displayed units (after `scale`; alpaca.lc is stored in LC points).
//
// A `where` value of null (~) means the run must not have that param.
//
// One configuration per cell: the finished runs a cell (row x group) matches must have the same
// params except the seed keys and the bookkeeping keys (analysis/report/report_pool.h); otherwise
// the table is an error naming the row, the keys and their values, unless the row lists the keys it
// pools on purpose in `pool`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "analysis/report/report_data.h"

namespace swepo::report {

struct TableGroupSpec {
  std::string label;
  Where where;
};
struct TableRowSpec {
  std::string label;
  Where where;
  std::vector<std::string> pool;  // param keys whose values may differ among the row's runs
};
struct TableColumnSpec {
  std::string label;
  std::string metric;    // suite.metric, or a training metric key (has a '/')
  std::string stat = "mean_std";
  std::string decoding;  // eval metrics: "" = the table's decoding
  std::string reduce;    // training metrics: final | min | max | mean_last:N ("" = final)
  double scale = 1.0;    // values are multiplied by this (e.g. 100 for a fraction shown in %)
};
struct TableTestSpec {
  std::string label;
  std::string test = "brown_forsythe";
  std::vector<std::string> rows;     // labels of the rows compared (>= 2)
  std::vector<std::string> columns;  // labels of the columns that show the p-value (default: all)
};

struct TableSpec {
  std::string file;  // where it was read from (messages)
  std::string title;
  std::vector<std::string> notes;
  std::string decoding = kDecodingAuto;
  int precision = 2;
  int bootstrap = 1000;
  int64_t bootstrap_seed = 0;
  std::string label_header = "method";
  std::vector<TableGroupSpec> groups;
  std::vector<TableColumnSpec> columns;
  std::vector<TableRowSpec> rows;
  std::vector<TableTestSpec> tests;
  std::string baseline;      // a row label ("" = no paired Δ)
  bool power = false;        // MDD and seeds-needed columns (needs a baseline)
  double power_delta = 1.0;  // the Δ of the seeds-needed column (> 0)
};

// Parses a table file's text; `file` names it in every message.
TableSpec table_spec_parse(const std::string& text, const std::string& file);
TableSpec table_spec_load(const std::string& path);

// TABLE is a path (contains '/' or ends in .yaml/.yml) or a built-in name looked up as
// <dir>/<name>.yaml in `tables_dir` if given, else ./analysis/tables, else the source checkout's
// analysis/tables (compiled in). UserError naming the table and the tables found when unknown.
std::string table_spec_find(const std::string& table, const std::string& tables_dir = "");
std::vector<std::string> table_spec_builtin_dirs(const std::string& tables_dir = "");

}  // namespace swepo::report
