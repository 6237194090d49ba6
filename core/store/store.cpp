#include "core/store/store.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "core/store/store_schema.h"
#include "core/store/store_url.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo {

double store_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

Store::Store(const std::string& path) : Store(path, false) {}

Store::Store(const std::string& path, bool read_only) : path_(path) {
  if (!read_only && !store_is_url(path)) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) make_dirs(p.parent_path().string());
  }
  db_ = std::make_shared<Db>(path, read_only);
  if (!read_only) store_migrate(*db_);
}

std::string Store::uid() {
  Stmt s(*db_, "SELECT value FROM store_info WHERE key = 'uid'");
  if (!s.step()) throw UserError("results database '" + path_ + "' has no store id (table store_info)");
  return s.text(0);
}

Store Store::open_read_only(const std::string& path) {
  if (!store_is_url(path) && !std::filesystem::exists(path))
    throw UserError("no results database at '" + path + "'");
  {
    Store probe(path, true);
    if (store_schema_version(probe.db()) >= store_schema_latest()) return probe;
  }
  return Store(path, false);  // an older schema: migrate it forward first
}

namespace {

enum class ScalarKind { Int, Real, Text };

ScalarKind scalar_kind(const std::string& text) {
  static const std::regex int_re("[-+]?[0-9]+");
  static const std::regex real_re("[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, int_re) && text.size() < 19) return ScalarKind::Int;
  if (std::regex_match(text, real_re)) return ScalarKind::Real;
  return ScalarKind::Text;
}

// A REAL as SQLite's CAST(x AS TEXT) prints it: %.15g with a decimal point always present.
std::string sqlite_real_text(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  std::string s = buf;
  if (s.find_first_of("ni") != std::string::npos) return s;  // inf, nan
  size_t e = s.find('e');
  std::string mant = s.substr(0, e), exp = e == std::string::npos ? "" : s.substr(e);
  if (mant.find('.') == std::string::npos) mant += ".0";
  return mant + exp;
}

}  // namespace

void store_bind_scalar(Stmt& s, int i, const std::string& text) {
  switch (scalar_kind(text)) {
    case ScalarKind::Int: s.bind(i, static_cast<int64_t>(std::stoll(text))); break;
    case ScalarKind::Real: s.bind(i, std::strtod(text.c_str(), nullptr)); break;
    case ScalarKind::Text: s.bind(i, text); break;
  }
}

StoreScalar store_scalar(const std::string& text) {
  switch (scalar_kind(text)) {
    case ScalarKind::Int: {
      int64_t v = std::stoll(text);
      return {std::to_string(v), static_cast<double>(v)};
    }
    case ScalarKind::Real: {
      double v = std::strtod(text.c_str(), nullptr);
      return {sqlite_real_text(v), v};
    }
    case ScalarKind::Text: break;
  }
  return {text, std::nullopt};
}

// ---- sweeps -------------------------------------------------------------------------------------

std::optional<SweepRow> Store::sweep_find(const std::string& name) {
  Stmt s(*db_, "SELECT id, name, description, spec, created, updated FROM sweeps WHERE name = ?");
  s.bind(1, name);
  if (!s.step()) return std::nullopt;
  return SweepRow{s.int64(0), s.text(1), s.text(2), s.text(3), s.real(4), s.real(5)};
}

int64_t Store::sweep_upsert(const std::string& name, const std::string& description,
                            const std::string& spec) {
  WriteTxn txn(*db_);
  double now = store_now();
  Stmt ins(*db_,
           "INSERT INTO sweeps (name, description, spec, created, updated) VALUES (?, ?, ?, ?, ?) "
           "ON CONFLICT(name) DO UPDATE SET description = excluded.description, "
           "spec = excluded.spec, updated = excluded.updated");
  ins.bind(1, name).bind(2, description).bind(3, spec).bind(4, now).bind(5, now).run();
  Stmt id(*db_, "SELECT id FROM sweeps WHERE name = ?");
  id.bind(1, name).step();
  int64_t out = id.int64(0);
  txn.commit();
  return out;
}

std::vector<std::pair<int64_t, int64_t>> Store::sweep_jobs(int64_t sweep_id) {
  Stmt s(*db_, "SELECT job, run_id FROM sweep_jobs WHERE sweep_id = ? ORDER BY job");
  s.bind(1, sweep_id);
  std::vector<std::pair<int64_t, int64_t>> out;
  while (s.step()) out.emplace_back(s.int64(0), s.int64(1));
  return out;
}

void Store::sweep_set_jobs(int64_t sweep_id, const std::vector<std::pair<int64_t, int64_t>>& jobs) {
  WriteTxn txn(*db_);
  if (db_->postgres()) {  // concurrent replacements of one sweep's jobs take turns
    Stmt lock(*db_, "SELECT id FROM sweeps WHERE id = ? FOR UPDATE");
    lock.bind(1, sweep_id).run();
  }
  Stmt del(*db_, "DELETE FROM sweep_jobs WHERE sweep_id = ?");
  del.bind(1, sweep_id).run();
  Stmt ins(*db_, "INSERT INTO sweep_jobs (sweep_id, job, run_id) VALUES (?, ?, ?)");
  for (const auto& [job, run] : jobs) {
    ins.reset();
    ins.bind(1, sweep_id).bind(2, job).bind(3, run).run();
  }
  txn.commit();
}

// ---- runs ---------------------------------------------------------------------------------------

namespace {

const char* kRunColumns =
    "r.id, r.sweep_id, r.job, COALESCE(s.name, ''), r.config, r.overrides, r.config_hash, r.seed, "
    "r.status, r.created, r.started, r.ended, r.heartbeat, r.error, r.git_commit, r.git_dirty, "
    "r.host, r.device, r.torch_version, r.pid, r.attempts, COALESCE(r.launcher, '') "
    "FROM runs r LEFT JOIN sweeps s ON s.id = r.sweep_id";

RunRow read_run(const Stmt& s) {
  RunRow r;
  r.id = s.int64(0);
  r.sweep_id = s.opt_int64(1);
  r.job = s.opt_int64(2);
  r.sweep = s.text(3);
  r.config_yaml = s.text(4);
  for (const auto& o : nlohmann::json::parse(s.text(5))) r.overrides.push_back(o.get<std::string>());
  r.config_hash = s.text(6);
  r.seed = s.int64(7);
  r.status = s.text(8);
  r.created = s.real(9);
  r.started = s.opt_real(10);
  r.ended = s.opt_real(11);
  r.heartbeat = s.opt_real(12);
  r.error = s.text(13);
  r.git_commit = s.text(14);
  r.git_dirty = s.opt_int64(15);
  r.host = s.text(16);
  r.device = s.text(17);
  r.torch_version = s.text(18);
  r.pid = s.opt_int64(19);
  r.attempts = s.int64(20);
  r.launcher = s.text(21);
  return r;
}

}  // namespace

std::optional<RunRow> Store::run_get(int64_t id) {
  Stmt s(*db_, std::string("SELECT ") + kRunColumns + " WHERE r.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::optional<RunRow> Store::run_find(const std::string& config_hash, int64_t seed) {
  Stmt s(*db_, std::string("SELECT ") + kRunColumns + " WHERE r.config_hash = ? AND r.seed = ?");
  s.bind(1, config_hash).bind(2, seed);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<RunRow> Store::runs_list(const RunFilter& f) {
  std::string sql = std::string("SELECT ") + kRunColumns;
  std::vector<std::string> conds;
  std::string order = " ORDER BY r.id";
  if (!f.sweep.empty()) {
    sql += " JOIN sweep_jobs j ON j.run_id = r.id JOIN sweeps js ON js.id = j.sweep_id";
    conds.push_back("js.name = ?");
    order = " ORDER BY j.job";
  }
  if (!f.status.empty()) conds.push_back("r.status = ?");
  // A param matches as a number when VALUE reads as one (1e-3 = 0.001), else as text. SQLite's
  // params.value is typed (store_bind_scalar); PostgreSQL's has the number in params.num.
  for (const auto& w : f.where) {
    bool numeric = store_scalar(w.second).num.has_value();
    conds.push_back(!db_->postgres()
                        ? "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.value = ?)"
                        : numeric ? "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND p.num = ?)"
                                  : "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ? AND "
                                    "p.value = ? AND p.num IS NULL)");
  }
  for (size_t i = 0; i < conds.size(); ++i) sql += (i ? " AND " : " WHERE ") + conds[i];
  Stmt s(*db_, sql + order);
  int b = 1;
  if (!f.sweep.empty()) s.bind(b++, f.sweep);
  if (!f.status.empty()) s.bind(b++, f.status);
  for (const auto& [k, v] : f.where) {
    s.bind(b++, k);
    StoreScalar sc = store_scalar(v);
    if (!db_->postgres()) store_bind_scalar(s, b++, v);
    else if (sc.num) s.bind(b++, *sc.num);
    else s.bind(b++, v);
  }
  std::vector<RunRow> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::vector<std::pair<std::string, std::string>> Store::run_params(int64_t id) {
  Stmt s(*db_, db_->postgres() ? "SELECT key, value FROM params WHERE run_id = ? ORDER BY key"
                                : "SELECT key, CAST(value AS TEXT) FROM params WHERE run_id = ? ORDER BY key");
  s.bind(1, id);
  std::vector<std::pair<std::string, std::string>> out;
  while (s.step()) out.emplace_back(s.text(0), s.text(1));
  return out;
}

std::map<std::string, std::string> Store::run_choices(int64_t id) {
  Stmt s(*db_, "SELECT grp, option FROM run_choices WHERE run_id = ?");
  s.bind(1, id);
  std::map<std::string, std::string> out;
  while (s.step()) out[s.text(0)] = s.text(1);
  return out;
}

std::vector<MetricSummary> Store::run_metric_summary(int64_t id) {
  Stmt s(*db_,
         "SELECT key, COUNT(*), MIN(step), MAX(step), MIN(value), MAX(value), "
         "(SELECT value FROM metrics f WHERE f.run_id = m.run_id AND f.key = m.key ORDER BY step LIMIT 1), "
         "(SELECT value FROM metrics l WHERE l.run_id = m.run_id AND l.key = m.key ORDER BY step DESC LIMIT 1) "
         "FROM metrics m WHERE run_id = ? GROUP BY run_id, key ORDER BY key");
  s.bind(1, id);
  std::vector<MetricSummary> out;
  while (s.step()) {
    MetricSummary m;
    m.key = s.text(0);
    m.count = s.int64(1);
    m.first_step = s.int64(2);
    m.last_step = s.int64(3);
    m.min = s.real(4);
    m.max = s.real(5);
    m.first = s.real(6);
    m.last = s.real(7);
    out.push_back(m);
  }
  return out;
}

std::vector<std::pair<int64_t, double>> Store::run_metric_history(int64_t id, const std::string& key) {
  Stmt s(*db_, "SELECT step, value FROM metrics WHERE run_id = ? AND key = ? ORDER BY step");
  s.bind(1, id).bind(2, key);
  std::vector<std::pair<int64_t, double>> out;
  while (s.step()) out.emplace_back(s.int64(0), s.real(1));
  return out;
}

std::vector<EvalRow> Store::run_evals(int64_t id) {
  Stmt s(*db_, "SELECT suite, metric, value, stderr, n, decoding FROM evals WHERE run_id = ? "
               "ORDER BY suite, metric, decoding");
  s.bind(1, id);
  std::vector<EvalRow> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.real(2), s.opt_real(3), s.opt_int64(4), s.text(5)});
  return out;
}

std::vector<ArtifactRow> Store::run_artifacts(int64_t id) {
  Stmt s(*db_, "SELECT kind, path, COALESCE(sha256, '') FROM artifacts WHERE run_id = ? ORDER BY kind, path");
  s.bind(1, id);
  std::vector<ArtifactRow> out;
  while (s.step()) out.push_back({s.text(0), s.text(1), s.text(2)});
  return out;
}

}  // namespace swepo
