// Whole-store reads for the layers above (report, plot, the CLI): every run, param, eval or
// metric key at once, for code that filters and groups in memory. One run's rows are Store
// members (store.h); the run lifecycle's writes are in store_run.h. With these, no SQL is
// written outside core/store.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/store.h"

namespace swepo {

struct RunBrief {
  int64_t id = 0;
  int64_t seed = 0;
  std::string status;
};

struct ParamRow {
  int64_t run_id = 0;
  std::string key, value;  // value as text (a stored number reads back as its text form)
};

struct RunEvalRow {
  int64_t run_id = 0;
  std::string suite, metric, decoding;
  double value = 0;
};

// One logged value of a training metric (a row of the `metrics` table).
struct MetricRow {
  int64_t run_id = 0;
  int64_t step = 0;
  double value = 0;
};

// The name lists below are sorted bytewise in C++ (PostgreSQL's ORDER BY follows its collation).
std::vector<RunBrief> store_runs_brief(Store& store);          // every run, by id
std::vector<ParamRow> store_params(Store& store);              // every run's params
std::vector<RunEvalRow> store_evals_with_value(Store& store);  // every eval whose value is not NULL
std::vector<std::string> store_param_keys(Store& store);       // distinct param keys, sorted
std::vector<std::string> store_metric_keys(Store& store);      // distinct metric keys, sorted
std::vector<std::string> store_eval_names(Store& store);       // distinct "suite.metric" of evals, sorted
std::vector<std::string> store_sweep_names(Store& store);      // every sweep's name, sorted
// Every run's logged values of one metric key, by run id then step. Rows whose value is not a
// finite number are left out: SQLite stores a NaN as NULL, PostgreSQL keeps NaN and infinities.
std::vector<MetricRow> store_metric_rows(Store& store, const std::string& key);

// The valid names for an error message about the unknown `name` (after a did-you-mean), `plural`
// naming them ("param keys"): "param keys in the database: a, b, c", or, past 40 names, those that
// share `name`'s first dotted part ("param keys under 'loss.' (11 of 142 in the database):
// loss.alpha, ...") or else the first dotted parts of all; "the database has no param keys" when
// `names` is empty.
std::string store_names_listing(const std::string& name, const std::vector<std::string>& names,
                                const std::string& plural);
// " (did you mean 'x'?)" as did_you_mean (core/util/strings.h) gives it, except that a name which
// is the last '/' or '.' part of some names ("loss": pref/loss, sft/loss) suggests those.
std::string store_names_suggestion(const std::string& name, const std::vector<std::string>& names);

}  // namespace swepo
