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
