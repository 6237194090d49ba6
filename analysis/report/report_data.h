// What the report reads from the results store (core/store): every run with its status, seed and
// params, and every eval value, loaded once into memory; filters on params and the choice of the
// eval rows (suite, metric, decoding). Tensor-free.
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

// "suite.metric" or "suite/metric" -> (suite, metric); UserError naming `what` when malformed.
std::pair<std::string, std::string> parse_metric(const std::string& text, const std::string& what);

bool param_value_equal(const std::string& a, const std::string& b);  // numeric-aware

struct ReportRun {
  int64_t id = 0;
  int64_t seed = 0;
  std::string status;
  std::map<std::string, std::string> params;  // dotted key -> value as text
};

class ReportData {
 public:
  explicit ReportData(Store& store);

  const std::vector<ReportRun>& runs() const { return runs_; }
  // FINISHED runs matching every condition, by id.
  std::vector<const ReportRun*> finished(const Where& where) const;

  // UserError unless some run has the param (skipped while the database has no params at all).
  void check_param_key(const std::string& key, const std::string& what) const;
  void check_where(const Where& where, const std::string& what) const;
  // Resolves the decoding selector for suite.metric (see kDecodingAuto); UserError naming `what`
  // for an unknown metric or a decoding the database does not hold for it. Returns "" unchanged
  // when the database holds no evals at all (every cell is then missing).
  std::string resolve_decoding(const std::string& suite, const std::string& metric,
                               const std::string& decoding, const std::string& what) const;

  // The eval value of each run that has it (runs without it are left out).
  std::vector<double> eval_values(const std::vector<const ReportRun*>& runs, const std::string& suite,
                                  const std::string& metric, const std::string& decoding) const;

 private:
  std::vector<ReportRun> runs_;
  std::set<std::string> param_keys_;
  // (suite, metric) -> decodings present
  std::map<std::pair<std::string, std::string>, std::set<std::string>> eval_keys_;
  std::map<std::tuple<int64_t, std::string, std::string, std::string>, double> evals_;
};

}  // namespace swepo::report
