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

std::vector<RunBrief> store_runs_brief(Store& store);          // every run, by id
std::vector<ParamRow> store_params(Store& store);              // every run's params
std::vector<RunEvalRow> store_evals_with_value(Store& store);  // every eval whose value is not NULL
std::vector<std::string> store_metric_keys(Store& store);      // distinct metric keys, sorted
std::vector<std::string> store_sweep_names(Store& store);      // every sweep's name, sorted

}  // namespace swepo
