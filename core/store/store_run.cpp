#include "core/store/store_run.h"

#include <unistd.h>

#include <algorithm>
#include <optional>

#include <nlohmann/json.hpp>

namespace swepo {
namespace {

// The run's status, its row locked until the transaction ends (PostgreSQL; SQLite's write
// transaction holds the database's lock), so the caller's decision and update are atomic.
std::string status_of(Db& db, int64_t id) {
  Stmt s(db, std::string("SELECT status FROM runs WHERE id = ?") + store_lock_clause(db));
  s.bind(1, id);
  if (!s.step()) throw StoreError("no run with id " + std::to_string(id) + " in '" + db.path() + "'");
  return s.text(0);
}

const char* kArtifactUpsert =
    "INSERT INTO artifacts (run_id, kind, path, sha256) VALUES (?, ?, ?, NULLIF(?, '')) "
    "ON CONFLICT (run_id, kind, path) DO UPDATE SET sha256 = excluded.sha256";

// Upserts eval rows on the evals table's key (run_id, suite, metric, decoding), inside the caller's
// transaction: run_finish and run_put_evals.
void put_evals(Db& db, int64_t id, const std::vector<EvalRow>& evals) {
  Stmt e(db, "INSERT INTO evals (run_id, suite, metric, value, stderr, n, decoding) "
             "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, suite, metric, decoding) DO UPDATE SET "
             "value = excluded.value, stderr = excluded.stderr, n = excluded.n");
  for (const auto& r : evals) {
    e.reset();
    e.bind(1, id).bind(2, r.suite).bind(3, r.metric).bind(4, r.value).bind(5, r.stderr_);
    e.bind(6, r.n).bind(7, r.decoding).run();
  }
}

void clear_results(Db& db, int64_t id, bool keep_metrics = false) {
  for (const char* table : {"metrics", "evals", "artifacts"}) {
    if (keep_metrics && std::string(table) == "metrics") continue;
    Stmt d(db, std::string("DELETE FROM ") + table + " WHERE run_id = ?");
    d.bind(1, id).run();
  }
}

// Provenance columns: empty strings leave the stored value unchanged.
void set_provenance(Db& db, int64_t id, const Provenance& p) {
  Stmt u(db,
         "UPDATE runs SET git_commit = COALESCE(NULLIF(?, ''), git_commit), git_dirty = ?, "
         "host = COALESCE(NULLIF(?, ''), host), device = COALESCE(NULLIF(?, ''), device), "
         "torch_version = COALESCE(NULLIF(?, ''), torch_version) WHERE id = ?");
  u.bind(1, p.git_commit);
  if (p.git_dirty) u.bind(2, int64_t(*p.git_dirty ? 1 : 0)); else u.bind_null(2);
  u.bind(3, p.host).bind(4, p.device).bind(5, p.torch_version).bind(6, id).run();
}

}  // namespace

int64_t run_register(Store& store, const RunSpec& spec) {
  Db& db = store.db();
  auto find_id = [&]() -> std::optional<int64_t> {
    Stmt find(db, "SELECT id FROM runs WHERE config_hash = ? AND seed = ?");
    find.bind(1, spec.config_hash).bind(2, spec.seed);
    if (find.step()) return find.int64(0);
    return std::nullopt;
  };
  if (auto id = find_id()) return *id;  // the common case on a resume: no write at all
  WriteTxn txn(db);
  // ON CONFLICT DO NOTHING: a concurrent registration of the same identity wins, this one writes
  // nothing and returns that run (PostgreSQL waits for the other transaction to commit first).
  Stmt ins(db,
           "INSERT INTO runs (sweep_id, job, config, overrides, config_hash, seed, status, created) "
           "VALUES (?, ?, ?, ?, ?, ?, 'SCHEDULED', ?) ON CONFLICT (config_hash, seed) DO NOTHING");
  ins.bind(1, spec.sweep_id).bind(2, spec.job).bind(3, spec.config_yaml);
  ins.bind(4, nlohmann::json(spec.overrides).dump()).bind(5, spec.config_hash).bind(6, spec.seed);
  ins.bind(7, store_now()).run();
  bool inserted = db.changes() == 1;
  int64_t id = find_id().value_or(0);
  if (!inserted) return id;  // rolled back: nothing was written
  Stmt p(db, db.postgres() ? "INSERT INTO params (run_id, key, value, num) VALUES (?, ?, ?, ?)"
                           : "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)");
  for (const auto& [k, v] : spec.params) {
    p.reset();
    p.bind(1, id).bind(2, k);
    if (db.postgres()) {
      StoreScalar sc = store_scalar(v);
      p.bind(3, sc.text).bind(4, sc.num);
    } else {
      store_bind_scalar(p, 3, v);
    }
    p.run();
  }
  Stmt c(db, "INSERT INTO run_choices (run_id, grp, option) VALUES (?, ?, ?)");
  for (const auto& [g, o] : spec.choices) {
    c.reset();
    c.bind(1, id).bind(2, g).bind(3, o).run();
  }
  txn.commit();
  return id;
}

void run_launch(Store& store, int64_t id, int64_t pid, const std::string& device, const Provenance& prov) {
  Db& db = store.db();
  WriteTxn txn(db);
  std::string st = status_of(db, id);
  if (st == kRunFinished) throw StoreError("run " + std::to_string(id) + " is already FINISHED");
  // As run_claim: a KILLED or stale RUNNING attempt keeps its metric history (the relaunch resumes
  // from its checkpoint and drops only what it redoes); a SCHEDULED or FAILED one starts clean.
  // (Clearing it here lost the steps before the checkpoint; found by tests/apps/test_chaos.cpp.)
  clear_results(db, id, /*keep_metrics=*/st == kRunKilled || st == kRunRunning);
  double now = store_now();
  Stmt u(db,
         "UPDATE runs SET status = 'RUNNING', started = ?, heartbeat = ?, ended = NULL, error = NULL, "
         "pid = ?, attempts = attempts + 1, launcher = 'local' WHERE id = ?");
  u.bind(1, now).bind(2, now).bind(3, pid).bind(4, id).run();
  Provenance p = prov;
  if (!device.empty()) p.device = device;
  set_provenance(db, id, p);
  txn.commit();
}

void run_set_pid(Store& store, int64_t id, int64_t pid) {
  Stmt u(store.db(), "UPDATE runs SET pid = ? WHERE id = ?");
  u.bind(1, pid).bind(2, id).run();
}

void run_start(Store& store, int64_t id, const Provenance& prov) {
  Db& db = store.db();
  WriteTxn txn(db);
  std::string st = status_of(db, id);
  if (st == kRunFinished) throw StoreError("run " + std::to_string(id) + " is already FINISHED");
  double now = store_now();
  if (st != kRunRunning) {  // not launched by a runner: this process is the attempt
    // A KILLED attempt keeps its metric history: the relaunch resumes from its checkpoint and
    // drops only what it redoes (run_truncate_metrics), or restarts and overwrites every step.
    clear_results(db, id, /*keep_metrics=*/st == kRunKilled);
    Stmt u(db,
           "UPDATE runs SET status = 'RUNNING', started = ?, ended = NULL, error = NULL, "
           "attempts = attempts + 1 WHERE id = ?");
    u.bind(1, now).bind(2, id).run();
  }
  Stmt h(db, "UPDATE runs SET heartbeat = ?, pid = ? WHERE id = ?");
  h.bind(1, now).bind(2, static_cast<int64_t>(::getpid())).bind(3, id).run();
  set_provenance(db, id, prov);
  txn.commit();
}

void run_heartbeat(Store& store, int64_t id) { run_heartbeat_many(store, {id}); }

void run_heartbeat_many(Store& store, const std::vector<int64_t>& ids) {
  if (ids.empty()) return;
  Db& db = store.db();
  std::vector<int64_t> sorted = ids;  // one lock order for every writer (PostgreSQL row locks)
  std::sort(sorted.begin(), sorted.end());
  WriteTxn txn(db);
  Stmt u(db, "UPDATE runs SET heartbeat = ? WHERE id = ? AND status = 'RUNNING'");
  double now = store_now();
  for (int64_t id : sorted) {
    u.reset();
    u.bind(1, now).bind(2, id).run();
  }
  txn.commit();
}

void run_log_metrics(Store& store, int64_t id, int64_t step, const std::map<std::string, double>& values) {
  MetricsWriter w(store, id, values.size() + 1, 1e9);
  w.log(step, values);
  w.flush();
}

MetricsWriter::MetricsWriter(Store& store, int64_t run_id, size_t batch_rows, double flush_seconds)
    : store_(store), run_(run_id), batch_rows_(batch_rows ? batch_rows : 1),
      flush_seconds_(flush_seconds), last_flush_(store_now()) {}

MetricsWriter::~MetricsWriter() {
  try {
    flush();
  } catch (...) {  // never throw from a destructor; an explicit flush() reports errors
  }
}

void MetricsWriter::log(int64_t step, const std::string& key, double value) {
  rows_.push_back({step, key, value, store_now()});
  maybe_flush();
}

void MetricsWriter::log(int64_t step, const std::map<std::string, double>& values) {
  double now = store_now();
  for (const auto& [k, v] : values) rows_.push_back({step, k, v, now});
  maybe_flush();
}

void MetricsWriter::maybe_flush() {
  if (rows_.size() >= batch_rows_ || store_now() - last_flush_ >= flush_seconds_) flush();
}

void MetricsWriter::flush() {
  last_flush_ = store_now();
  if (rows_.empty()) return;
  Db& db = store_.db();
  WriteTxn txn(db);
  Stmt ins(db, "INSERT INTO metrics (run_id, key, step, value, time) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (run_id, key, step) DO UPDATE SET value = excluded.value, time = excluded.time");
  for (const auto& r : rows_) {
    ins.reset();
    ins.bind(1, run_).bind(2, r.key).bind(3, r.step).bind(4, r.value).bind(5, r.time).run();
  }
  Stmt h(db, "UPDATE runs SET heartbeat = ? WHERE id = ? AND status = 'RUNNING'");
  h.bind(1, last_flush_).bind(2, run_).run();
  txn.commit();
  rows_.clear();
}

void run_finish(Store& store, int64_t id, const std::vector<EvalRow>& evals,
                const std::vector<ArtifactRow>& artifacts) {
  Db& db = store.db();
  WriteTxn txn(db);
  std::string st = status_of(db, id);
  if (st != kRunRunning)
    throw StoreError("cannot finish run " + std::to_string(id) + ": its status is " + st +
                     ", not RUNNING");
  put_evals(db, id, evals);
  Stmt a(db, kArtifactUpsert);
  for (const auto& r : artifacts) {
    a.reset();
    a.bind(1, id).bind(2, r.kind).bind(3, r.path).bind(4, r.sha256).run();
  }
  double now = store_now();
  Stmt u(db, "UPDATE runs SET status = 'FINISHED', ended = ?, heartbeat = ?, error = NULL WHERE id = ?");
  u.bind(1, now).bind(2, now).bind(3, id).run();
  txn.commit();
}

namespace {

bool set_final(Store& store, int64_t id, const char* status, const std::string& error,
               std::initializer_list<const char*> keep) {
  Db& db = store.db();
  WriteTxn txn(db);
  std::string st = status_of(db, id);
  for (const char* k : keep)
    if (st == k) return false;
  Stmt u(db, "UPDATE runs SET status = ?, ended = ?, error = ? WHERE id = ?");
  u.bind(1, status).bind(2, store_now()).bind(3, error).bind(4, id).run();
  txn.commit();
  return true;
}

}  // namespace

bool run_fail(Store& store, int64_t id, const std::string& error) {
  return set_final(store, id, kRunFailed, error, {kRunFinished});
}

bool run_kill(Store& store, int64_t id, const std::string& reason) {
  return set_final(store, id, kRunKilled, reason, {kRunFinished, kRunFailed});
}

void run_add_artifacts(Store& store, int64_t id, const std::vector<ArtifactRow>& artifacts) {
  Db& db = store.db();
  WriteTxn txn(db);
  Stmt a(db, kArtifactUpsert);
  for (const auto& r : artifacts) {
    a.reset();
    a.bind(1, id).bind(2, r.kind).bind(3, r.path).bind(4, r.sha256).run();
  }
  txn.commit();
}

void run_put_evals(Store& store, int64_t id, const std::vector<EvalRow>& evals) {
  Db& db = store.db();
  WriteTxn txn(db);
  status_of(db, id);  // StoreError naming an unknown run; any status is fine
  put_evals(db, id, evals);
  txn.commit();
}

}  // namespace swepo
