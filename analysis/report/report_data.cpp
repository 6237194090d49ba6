#include "analysis/report/report_data.h"

#include <cstdlib>

#include "core/store/store_query.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::report {
namespace {

std::optional<double> as_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string> sorted(const std::set<std::string>& s) { return {s.begin(), s.end()}; }

}  // namespace

bool param_value_equal(const std::string& a, const std::string& b) {
  auto x = as_number(a), y = as_number(b);
  if (x && y) return *x == *y;
  return a == b;
}

ParamMatch parse_param_match(const std::string& text, const std::string& what) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError(what + ": expected KEY=VALUE (or KEY=a|b, KEY=~), got '" + text + "'");
  ParamMatch m;
  m.key = trim(text.substr(0, eq));
  const std::string value = trim(text.substr(eq + 1));
  for (const auto& part : split(value, '|')) {
    const std::string v = trim(part);
    if (v == "~" || v == "null")
      m.absent = true;  // `KEY=~`: the run has no such param (or it is null); `KEY=1|~`: 1 or absent
    else
      m.any_of.push_back(v);
  }
  return m;
}

std::pair<std::string, std::string> parse_metric(const std::string& text, const std::string& what) {
  const auto cut = text.find_first_of("./");
  if (cut == std::string::npos || cut == 0 || cut + 1 >= text.size())
    throw UserError(what + ": expected SUITE.METRIC (e.g. alpaca.lc), got '" + text + "'");
  return {text.substr(0, cut), text.substr(cut + 1)};
}

ReportData::ReportData(Store& store) {
  std::map<int64_t, size_t> index;
  for (const auto& r : store_runs_brief(store)) {
    index[r.id] = runs_.size();
    runs_.push_back({r.id, r.seed, r.status, {}});
  }
  for (const auto& p : store_params(store)) {
    auto it = index.find(p.run_id);
    if (it == index.end()) continue;
    runs_[it->second].params[p.key] = p.value;
    param_keys_.insert(p.key);
  }
  for (const auto& e : store_evals_with_value(store)) {
    eval_keys_[{e.suite, e.metric}].insert(e.decoding);
    evals_[{e.run_id, e.suite, e.metric, e.decoding}] = e.value;
  }
}

std::vector<const ReportRun*> ReportData::finished(const Where& where) const {
  std::vector<const ReportRun*> out;
  for (const auto& r : runs_) {
    if (r.status != kRunFinished) continue;
    bool ok = true;
    for (const auto& m : where) {
      auto it = r.params.find(m.key);
      ok = m.absent && (it == r.params.end() || it->second == "null");  // `~`: absent or null
      if (it != r.params.end())
        for (const auto& v : m.any_of) ok = ok || param_value_equal(it->second, v);
      if (!ok) break;
    }
    if (ok) out.push_back(&r);
  }
  return out;
}

void ReportData::check_param_key(const std::string& key, const std::string& what) const {
  if (param_keys_.empty() || param_keys_.count(key)) return;
  const auto keys = sorted(param_keys_);
  throw UserError(what + ": unknown param key '" + key + "'" + did_you_mean(key, keys) +
                  " (no run in the database has it)");
}

void ReportData::check_where(const Where& where, const std::string& what) const {
  // `key: ~` alone asks for runs without the key: a database where no run has it answers that
  // (every run), so it is not an unknown key (e.g. a store that predates the key).
  for (const auto& m : where)
    if (!(m.absent && m.any_of.empty())) check_param_key(m.key, what);
}

std::string ReportData::resolve_decoding(const std::string& suite, const std::string& metric,
                                         const std::string& decoding, const std::string& what) const {
  if (eval_keys_.empty()) return decoding == kDecodingAuto ? "" : decoding;
  auto it = eval_keys_.find({suite, metric});
  if (it == eval_keys_.end()) {
    std::vector<std::string> known;
    for (const auto& kv : eval_keys_) known.push_back(kv.first.first + "." + kv.first.second);
    const std::string name = suite + "." + metric;
    throw UserError(what + ": unknown metric '" + name + "'" + did_you_mean(name, known) +
                    "; metrics in the database: " + join(known, ", "));
  }
  const auto& present = it->second;
  std::vector<std::string> shown;
  for (const auto& d : present) shown.push_back("'" + d + "'");
  if (decoding == kDecodingAuto) {
    for (const char* d : {"avg", "mean", ""})
      if (present.count(d)) return d;
    throw UserError(what + ": metric '" + suite + "." + metric +
                    "' has no averaged decoding ('avg', 'mean' or ''); pick one of " + join(shown, ", "));
  }
  if (!present.count(decoding))
    throw UserError(what + ": metric '" + suite + "." + metric + "' has no decoding '" + decoding +
                    "'; decodings in the database: " + join(shown, ", "));
  return decoding;
}

std::vector<double> ReportData::eval_values(const std::vector<const ReportRun*>& runs,
                                            const std::string& suite, const std::string& metric,
                                            const std::string& decoding) const {
  std::vector<double> out;
  for (const auto* r : runs) {
    auto it = evals_.find({r->id, suite, metric, decoding});
    if (it != evals_.end()) out.push_back(it->second);
  }
  return out;
}

}  // namespace swepo::report
