// What the report reads from the results store (core/store): every run with its status, seed and
// params, and every eval value, loaded once into memory, and the logged history of a training
// metric when a table first asks for it; filters on params and the choice of the rows a metric
// reads (eval: suite, metric, decoding; training metric: key and how its steps are reduced).
// Tensor-free.
//
// Metric names: one with a '/' is a training metric, a key of the `metrics` table as the trainers
// log it ("<phase>/<name>": pref/loss, sft/loss, pref/rewards/margins); any other is an eval
// metric SUITE.METRIC of the `evals` table (alpaca.lc, arena.wr).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/store/store.h"

namespace swepo::report {

// The decoding selector that picks the row averaged over decodings: the first of "avg", "mean",
// "" that the database holds for the metric. Any other selector must match `evals.decoding` exactly.
inline constexpr const char* kDecodingAuto = "auto";

// One condition of a filter: the run's param `key` equals one of `any_of` (numbers compare as
// numbers: 1 = 1.0 = 1e0; anything else as text), or, when absent = true, the run has no such param
// or has it as null (a key added later with a null default, e.g. pair_seed, reads as absent)
// (text form: `key=~` alone, or `key=1|~` for "1 or absent").
struct ParamMatch {
  std::string key;
  std::vector<std::string> any_of;
  bool absent = false;
};
using Where = std::vector<ParamMatch>;

// "key=value" or "key=a|b" (one of) or "key=~" (absent) or "key=a|~" -> ParamMatch; UserError naming `what`.
ParamMatch parse_param_match(const std::string& text, const std::string& what);

// True for a training metric key (it has a '/'), false for SUITE.METRIC.
bool is_training_metric(const std::string& name);

// "suite.metric" -> (suite, metric); UserError naming `what` when malformed (or a training metric).
std::pair<std::string, std::string> parse_metric(const std::string& text, const std::string& what);

// How one run's logged history of a training metric becomes its one value (text form in quotes):
//   "final"        the value at the last logged step (the default)
//   "min", "max"   over every logged step
//   "mean_last:N"  the mean over the last N logged steps (N >= 1; all of them when fewer)
// Values that are not finite (a NaN is NULL in SQLite) are not logged steps here (store_query.h).
struct StepReduce {
  enum Kind { kFinal, kMin, kMax, kMeanLast };
  Kind kind = kFinal;
  int last = 0;  // kMeanLast: N
};
inline constexpr const char* kStepReduceChoices = "final | min | max | mean_last:N";
// "" -> final; UserError naming `what` otherwise.
StepReduce parse_step_reduce(const std::string& text, const std::string& what);
std::string step_reduce_text(const StepReduce& r);
double step_reduce_apply(const StepReduce& r, const std::vector<double>& by_step);  // non-empty

// A metric resolved against the database: what a cell reads from each run.
struct MetricRef {
  std::string name;                     // as written: alpaca.lc, pref/loss
  bool training = false;
  std::string suite, metric, decoding;  // eval: the resolved decoding (see kDecodingAuto)
  StepReduce reduce;                    // training
  // "alpaca.lc (decoding avg)", "pref/loss (final)", "pref/loss (mean_last:10)"
  std::string title() const;
};

bool param_value_equal(const std::string& a, const std::string& b);  // numeric-aware

struct ReportRun {
  int64_t id = 0;
  int64_t seed = 0;
  std::string status;
  std::map<std::string, std::string> params;  // dotted key -> value as text
};

class ReportData {
 public:
  // Reads runs, params and evals now; a training metric's rows on first use (`store` must outlive
  // this object).
  explicit ReportData(Store& store);

  const std::vector<ReportRun>& runs() const { return runs_; }
  // FINISHED runs matching every condition, by id.
  std::vector<const ReportRun*> finished(const Where& where) const;

  // UserError unless some run has the param (skipped while the database has no params at all),
  // naming the key, the closest one and the valid ones.
  void check_param_key(const std::string& key, const std::string& what) const;
  void check_where(const Where& where, const std::string& what) const;
  // Resolves the decoding selector for suite.metric (see kDecodingAuto); UserError naming `what`
  // for an unknown metric or a decoding the database does not hold for it. Returns "" unchanged
  // when the database holds no evals at all (every cell is then missing).
  std::string resolve_decoding(const std::string& suite, const std::string& metric,
                               const std::string& decoding, const std::string& what) const;

  // Resolves a metric name (see the top of this file): an eval metric's decoding through
  // resolve_decoding, a training metric's key against the `metrics` table and `reduce`
  // (parse_step_reduce; "" = final). UserError naming `what`, the metric and the valid eval and
  // training metric names when unknown (skipped while the database has none of its kind), or when
  // `reduce` is given for an eval metric.
  MetricRef resolve_metric(const std::string& name, const std::string& decoding, const std::string& reduce,
                           const std::string& what) const;

  // The eval value of each run that has it (runs without it are left out).
  std::vector<double> eval_values(const std::vector<const ReportRun*>& runs, const std::string& suite,
                                  const std::string& metric, const std::string& decoding) const;
  // The metric's value of each run that has it: the eval value, or the training metric's logged
  // steps reduced (runs that logged no finite value are left out).
  std::vector<double> values(const std::vector<const ReportRun*>& runs, const MetricRef& m) const;

 private:
  [[noreturn]] void unknown_metric(const std::string& name, const std::string& what) const;

  Store* store_;
  std::vector<ReportRun> runs_;
  std::set<std::string> param_keys_;
  std::vector<std::string> metric_keys_;  // training metric keys in the database, sorted
  // training metric key -> run id -> values by step (loaded on first use)
  mutable std::map<std::string, std::map<int64_t, std::vector<double>>> histories_;
  // (suite, metric) -> decodings present
  std::map<std::pair<std::string, std::string>, std::set<std::string>> eval_keys_;
  std::map<std::tuple<int64_t, std::string, std::string, std::string>, double> evals_;
};

}  // namespace swepo::report
