#include "analysis/report/report_data.h"

#include <algorithm>
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

bool is_training_metric(const std::string& name) { return name.find('/') != std::string::npos; }

std::pair<std::string, std::string> parse_metric(const std::string& text, const std::string& what) {
  const auto cut = text.find('.');
  if (is_training_metric(text) || cut == std::string::npos || cut == 0 || cut + 1 >= text.size())
    throw UserError(what + ": expected SUITE.METRIC (e.g. alpaca.lc), got '" + text + "'");
  return {text.substr(0, cut), text.substr(cut + 1)};
}

StepReduce parse_step_reduce(const std::string& text, const std::string& what) {
  StepReduce r;
  const std::string t = trim(text);
  if (t.empty() || t == "final") return r;
  if (t == "min" || t == "max") {
    r.kind = t == "min" ? StepReduce::kMin : StepReduce::kMax;
    return r;
  }
  const std::string prefix = "mean_last:";
  if (starts_with(t, prefix)) {
    const std::string n = t.substr(prefix.size());
    char* end = nullptr;
    const long v = std::strtol(n.c_str(), &end, 10);
    if (!n.empty() && *end == '\0' && v >= 1 && v <= 1000000000) {
      r.kind = StepReduce::kMeanLast;
      r.last = static_cast<int>(v);
      return r;
    }
    throw UserError(what + ": '" + t + "': N of mean_last:N must be an integer >= 1");
  }
  throw UserError(what + ": unknown reduction '" + t + "'" +
                  did_you_mean(t, {"final", "min", "max", "mean_last:"}) + "; valid: " + kStepReduceChoices);
}

std::string step_reduce_text(const StepReduce& r) {
  switch (r.kind) {
    case StepReduce::kFinal: return "final";
    case StepReduce::kMin: return "min";
    case StepReduce::kMax: return "max";
    case StepReduce::kMeanLast: return "mean_last:" + std::to_string(r.last);
  }
  return "";
}

double step_reduce_apply(const StepReduce& r, const std::vector<double>& v) {
  switch (r.kind) {
    case StepReduce::kFinal: return v.back();
    case StepReduce::kMin: return *std::min_element(v.begin(), v.end());
    case StepReduce::kMax: return *std::max_element(v.begin(), v.end());
    case StepReduce::kMeanLast: break;
  }
  const size_t n = std::min(v.size(), static_cast<size_t>(r.last));
  double sum = 0;
  for (size_t i = v.size() - n; i < v.size(); ++i) sum += v[i];
  return sum / static_cast<double>(n);
}

std::string MetricRef::title() const {
  if (training) return name + " (" + step_reduce_text(reduce) + ")";
  return suite + "." + metric + (decoding.empty() ? "" : " (decoding " + decoding + ")");
}

ReportData::ReportData(Store& store) : store_(&store), metric_keys_(store_metric_keys(store)) {
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
  throw UserError(what + ": unknown param key '" + key + "'" + store_names_suggestion(key, keys) +
                  ": no run in the database has it; " + store_names_listing(key, keys, "param keys"));
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
  if (it == eval_keys_.end()) unknown_metric(suite + "." + metric, what);
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

[[noreturn]] void ReportData::unknown_metric(const std::string& name, const std::string& what) const {
  std::vector<std::string> evals, all = metric_keys_;
  for (const auto& kv : eval_keys_) evals.push_back(kv.first.first + "." + kv.first.second);
  all.insert(all.end(), evals.begin(), evals.end());
  throw UserError(what + ": unknown metric '" + name + "'" + store_names_suggestion(name, all) + "; " +
                  store_names_listing(name, evals, "eval metrics (SUITE.METRIC)") + "; " +
                  store_names_listing(name, metric_keys_, "training metrics (KEY with a '/')"));
}

MetricRef ReportData::resolve_metric(const std::string& name, const std::string& decoding,
                                     const std::string& reduce, const std::string& what) const {
  MetricRef m;
  m.name = name;
  m.training = is_training_metric(name);
  if (m.training) {
    if (!metric_keys_.empty() && !std::binary_search(metric_keys_.begin(), metric_keys_.end(), name))
      unknown_metric(name, what);
    m.reduce = parse_step_reduce(reduce, what);
    return m;
  }
  if (!trim(reduce).empty())
    throw UserError(what + ": a reduction over steps ('" + reduce + "') applies to training metrics (KEY with a "
                    "'/', e.g. pref/loss); '" + name + "' is an eval metric, one value per run");
  const auto cut = name.find('.');
  if ((cut == std::string::npos || cut == 0 || cut + 1 >= name.size()) && !(eval_keys_.empty() && metric_keys_.empty()))
    unknown_metric(name, what);  // "loss": not SUITE.METRIC; the valid names say what is
  std::tie(m.suite, m.metric) = parse_metric(name, what);
  m.decoding = resolve_decoding(m.suite, m.metric, decoding, what);
  return m;
}

std::vector<double> ReportData::values(const std::vector<const ReportRun*>& runs, const MetricRef& m) const {
  if (!m.training) return eval_values(runs, m.suite, m.metric, m.decoding);
  auto h = histories_.find(m.name);
  if (h == histories_.end()) {
    std::map<int64_t, std::vector<double>> by_run;
    for (const auto& row : store_metric_rows(*store_, m.name)) by_run[row.run_id].push_back(row.value);
    h = histories_.emplace(m.name, std::move(by_run)).first;
  }
  std::vector<double> out;
  for (const auto* r : runs) {
    auto it = h->second.find(r->id);
    if (it != h->second.end() && !it->second.empty()) out.push_back(step_reduce_apply(m.reduce, it->second));
  }
  return out;
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
