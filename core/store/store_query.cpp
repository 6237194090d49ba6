#include "core/store/store_query.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/util/strings.h"

namespace swepo {
namespace {

// The first column of every row, sorted bytewise.
std::vector<std::string> text_column(Store& store, const char* sql) {
  std::vector<std::string> out;
  Stmt s(store.db(), sql);
  while (s.step()) out.push_back(s.text(0));
  std::sort(out.begin(), out.end());
  return out;
}

std::string first_part(const std::string& name) { return name.substr(0, name.find('.')); }

}  // namespace

std::vector<RunBrief> store_runs_brief(Store& store) {
  std::vector<RunBrief> out;
  Stmt s(store.db(), "SELECT id, seed, status FROM runs ORDER BY id");
  while (s.step()) out.push_back({s.int64(0), s.int64(1), s.text(2)});
  return out;
}

std::vector<ParamRow> store_params(Store& store) {
  std::vector<ParamRow> out;
  Stmt s(store.db(), "SELECT run_id, key, value FROM params");
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2)});
  return out;
}

std::vector<RunEvalRow> store_evals_with_value(Store& store) {
  std::vector<RunEvalRow> out;
  Stmt s(store.db(), "SELECT run_id, suite, metric, decoding, value FROM evals WHERE value IS NOT NULL");
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.text(3), s.real(4)});
  return out;
}

std::vector<std::string> store_param_keys(Store& store) {
  return text_column(store, "SELECT DISTINCT key FROM params");
}

std::vector<std::string> store_metric_keys(Store& store) {
  return text_column(store, "SELECT DISTINCT key FROM metrics");
}

std::vector<std::string> store_eval_names(Store& store) {
  return text_column(store, "SELECT DISTINCT suite || '.' || metric FROM evals");
}

std::vector<MetricRow> store_metric_rows(Store& store, const std::string& key) {
  std::vector<MetricRow> out;
  Stmt s(store.db(), "SELECT run_id, step, value FROM metrics WHERE key = ? AND value IS NOT NULL "
                     "ORDER BY run_id, step");
  s.bind(1, key);
  while (s.step()) {
    const double v = s.real(2);
    if (std::isfinite(v)) out.push_back({s.int64(0), s.int64(1), v});
  }
  return out;
}

std::string store_names_listing(const std::string& name, const std::vector<std::string>& names,
                                const std::string& plural) {
  if (names.empty()) return "the database has no " + plural;
  constexpr size_t kMaxListed = 40;
  if (names.size() <= kMaxListed) return plural + " in the database: " + join(names, ", ");
  const std::string part = first_part(name);
  std::vector<std::string> near;
  std::set<std::string> parts;
  for (const auto& n : names) {
    if (n.find('.') != std::string::npos && first_part(n) == part) near.push_back(n);
    parts.insert(first_part(n));
  }
  const std::string total = std::to_string(names.size());
  if (!near.empty())
    return plural + " under '" + part + ".' (" + std::to_string(near.size()) + " of " + total +
           " in the database): " + join(near, ", ");
  return total + " " + plural + " in the database, under: " + join({parts.begin(), parts.end()}, ", ");
}

std::vector<std::string> store_sweep_names(Store& store) {
  return text_column(store, "SELECT name FROM sweeps ORDER BY name");
}

std::string store_names_suggestion(const std::string& name, const std::vector<std::string>& names) {
  std::vector<std::string> tails;
  for (const auto& n : names)
    if (n.size() > name.size() && ends_with(n, name) && (n[n.size() - name.size() - 1] == '/' ||
                                                        n[n.size() - name.size() - 1] == '.'))
      tails.push_back("'" + n + "'");
  if (tails.empty() || name.empty()) return did_you_mean(name, names);
  if (tails.size() > 3) tails.resize(3);
  return " (did you mean " + join(tails, " or ") + "?)";
}

}  // namespace swepo
