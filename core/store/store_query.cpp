#include "core/store/store_query.h"

namespace swepo {
namespace {

std::vector<std::string> text_column(Store& store, const char* sql) {
  std::vector<std::string> out;
  Stmt s(store.db(), sql);
  while (s.step()) out.push_back(s.text(0));
  return out;
}

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

std::vector<std::string> store_metric_keys(Store& store) {
  return text_column(store, "SELECT DISTINCT key FROM metrics ORDER BY key");
}

std::vector<std::string> store_sweep_names(Store& store) {
  return text_column(store, "SELECT name FROM sweeps ORDER BY name");
}

}  // namespace swepo
