// A computed report table and its renderers: Markdown, CSV, LaTeX (booktabs) and JSON.
//
// A cell is missing (no finished run matched: "—" in md, "--" in LaTeX, empty in csv, null in
// json), empty (not applicable, e.g. a test row under a column it does not test), seed statistics
// shown as the column's `stat`, or a single number (a p-value). A row label kAbsentLabel (a
// group-by key the runs do not have) is "~" in md, csv and json, as `--where K=~` writes it, and
// "--" in LaTeX, as a missing cell is (a tilde means nothing to a reader of the paper). Tensor-free.
#pragma once
#include <string>
#include <vector>

#include "analysis/metrics/paired.h"
#include "analysis/metrics/stats.h"

namespace swepo::report {

// What a statistics column shows. md/latex text; csv columns; json value:
//   mean_std  "m ± s (n=N)"       <label> mean, <label> std, <label> n    object with every stat
//   mean_ci   "m [lo, hi] (n=N)"  <label> mean, ci_lo, ci_hi, n           object with every stat
//   mean | std | var | n | min | max   one number                         number
//   ci        "[lo, hi]"          <label> ci_lo, <label> ci_hi            {"lo": .., "hi": ..}
// std and var are null/missing for n < 2 (ddof = 1).
//
// Paired comparisons (a table's `baseline:`, or --baseline): a column marked `paired` shows, in
// every row but the baseline's, a kPaired cell: Δ vs the baseline over the seeds both cells share
// (metrics::paired_diff). md/latex: "+8.00 ± 6.57* (n=3)" (Δ ± half-width of the paired 95%
// t-interval, * = it excludes 0, n = seeds paired; "+2.00 (n=1)" without an interval). csv: the
// column's own sub-columns (from the cell's seed statistics), then <label> delta, <label>
// delta_ci_lo, <label> delta_ci_hi, <label> n_pairs, <label> resolved (1 or 0). json: the object of
// every stat with "paired": {delta, ci_lo, ci_hi, half_width, sd, n_pairs, resolved, seeds}
// (interval fields null for n = 1). Internal column stats (not a table file's `stat:`):
//   delta         the ad-hoc Δ column: only the paired fields (csv delta, delta_ci_lo, ...; json
//                 the "paired" object); the baseline's own row is empty
//   mdd           a number: the minimum detectable Δ (metrics::paired_mdd)
//   seeds_needed  a whole number: seeds to resolve the --power-delta (metrics::paired_seeds_needed)
inline const std::vector<std::string>& report_stat_names() {
  static const std::vector<std::string> names = {"mean_std", "mean_ci", "mean", "std", "var",
                                                 "n",        "ci",      "min",  "max"};
  return names;
}

inline constexpr const char* kAbsentLabel = "~";

struct Cell {
  enum Kind { kMissing, kEmpty, kStats, kNumber, kPaired };
  Kind kind = kMissing;
  metrics::SeedStats stats;     // kStats, kPaired (the row's own seeds)
  double number = 0;            // kNumber
  metrics::PairedDiff paired;   // kPaired: vs the baseline
  static Cell missing() { return {}; }
  static Cell empty() { Cell c; c.kind = kEmpty; return c; }
  static Cell of_stats(const metrics::SeedStats& s) { Cell c; c.kind = kStats; c.stats = s; return c; }
  static Cell of_number(double v) { Cell c; c.kind = kNumber; c.number = v; return c; }
  static Cell of_paired(const metrics::SeedStats& s, const metrics::PairedDiff& d) {
    Cell c; c.kind = kPaired; c.stats = s; c.paired = d; return c;
  }
};

struct ReportColumn {
  std::string group;  // column group label ("" without groups)
  std::string label;
  std::string stat = "mean_std";
  bool paired = false;  // cells may be kPaired (Δ vs the table's baseline); csv/json add the paired fields
};

struct ReportTable {
  std::string title;
  std::vector<std::string> notes;          // printed under the table (md, latex), in json
  std::vector<std::string> label_headers;  // e.g. {"method"} or the group-by keys
  std::vector<ReportColumn> columns;
  std::vector<std::vector<std::string>> row_labels;  // one per row, label_headers.size() each
  std::vector<std::vector<Cell>> cells;              // [row][column]
  int precision = 2;                                 // digits after the point
  std::string baseline;                              // label of the paired baseline ("" = none; json)
};

std::string render_markdown(const ReportTable& t);
std::string render_csv(const ReportTable& t);
std::string render_latex(const ReportTable& t);
std::string render_json(const ReportTable& t);
// format: md | csv | latex | json; UserError otherwise.
std::string render_table(const ReportTable& t, const std::string& format);

}  // namespace swepo::report
