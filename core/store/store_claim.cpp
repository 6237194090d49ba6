#include "core/store/store_claim.h"

#include <nlohmann/json.hpp>

namespace swepo {

const char* claim_result_name(ClaimResult r) {
  switch (r) {
    case ClaimResult::Claimed: return "claimed";
    case ClaimResult::Finished: return "already FINISHED";
    case ClaimResult::RunningElsewhere: return "RUNNING elsewhere (fresh heartbeat)";
    case ClaimResult::Failed: return "FAILED (not retried without --retry-failed)";
    case ClaimResult::Missing: return "no such run";
  }
  return "?";
}

namespace {

// The decision and the update, inside the caller's write transaction with the row locked.
ClaimResult claim_locked(Db& db, int64_t id, const ClaimOptions& opt, double now) {
  Stmt s(db, std::string("SELECT status, heartbeat FROM runs WHERE id = ?") + store_lock_clause(db));
  s.bind(1, id);
  if (!s.step()) return ClaimResult::Missing;
  std::string st = s.text(0);
  std::optional<double> hb = s.opt_real(1);
  bool keep_metrics = st == kRunKilled;
  if (st == kRunFinished) return ClaimResult::Finished;
  if (st == kRunFailed && !opt.retry_failed) return ClaimResult::Failed;
  if (st == kRunRunning) {
    if (hb && now - *hb <= opt.stale_after_s) return ClaimResult::RunningElsewhere;
    keep_metrics = true;  // the attempt died: resume from where it got
  }
  if (st != kRunScheduled)  // (a SCHEDULED run never started: nothing to clear)
    for (const char* table : keep_metrics ? std::vector<const char*>{"evals"}
                                          : std::vector<const char*>{"metrics", "evals"}) {
      Stmt d(db, std::string("DELETE FROM ") + table + " WHERE run_id = ?");
      d.bind(1, id).run();
    }
  Stmt u(db,
         "UPDATE runs SET status = 'RUNNING', started = ?, heartbeat = ?, ended = NULL, error = NULL, "
         "attempts = attempts + 1, launcher = ?, pid = ?, host = COALESCE(NULLIF(?, ''), host) WHERE id = ?");
  u.bind(1, now).bind(2, now).bind(3, opt.launcher);
  if (opt.pid) u.bind(4, opt.pid); else u.bind_null(4);
  u.bind(5, opt.host).bind(6, id).run();
  return ClaimResult::Claimed;
}

}  // namespace

ClaimResult run_claim(Store& store, int64_t id, const ClaimOptions& opt) {
  Db& db = store.db();
  WriteTxn txn(db);
  ClaimResult r = claim_locked(db, id, opt, store_now());
  if (r == ClaimResult::Claimed) txn.commit();
  return r;
}

std::optional<int64_t> run_claim_next(Store& store, int64_t sweep_id, const ClaimOptions& opt) {
  Db& db = store.db();
  WriteTxn txn(db);
  Stmt s(db, std::string("SELECT r.id FROM runs r JOIN sweep_jobs j ON j.run_id = r.id WHERE j.sweep_id = ? AND "
                         "r.status IN ('SCHEDULED', 'KILLED') ORDER BY j.job LIMIT 1") +
                 (db.postgres() ? " FOR UPDATE OF r SKIP LOCKED" : ""));
  s.bind(1, sweep_id);
  if (!s.step()) return std::nullopt;
  int64_t id = s.int64(0);
  if (claim_locked(db, id, opt, store_now()) != ClaimResult::Claimed) return std::nullopt;
  txn.commit();
  return id;
}

std::vector<int64_t> run_mark_stale_killed(Store& store, const std::vector<int64_t>& ids, double stale_after_s,
                                           double now) {
  std::vector<int64_t> out;
  Db& db = store.db();
  Stmt u(db,
         "UPDATE runs SET status = 'KILLED', ended = ?, error = ? WHERE id = ? AND status = 'RUNNING' AND "
         "(heartbeat IS NULL OR heartbeat < ?)");
  for (int64_t id : ids) {
    u.reset();
    u.bind(1, now).bind(2, "no heartbeat for more than " + std::to_string(static_cast<long>(stale_after_s)) +
                               " s: the process died (killed, node lost); rerun on relaunch");
    u.bind(3, id).bind(4, now - stale_after_s).run();
    if (db.changes() == 1) out.push_back(id);
  }
  return out;
}

void run_truncate_metrics(Store& store, int64_t id, int64_t from_step, const std::string& key_prefix) {
  if (key_prefix.empty()) {
    Stmt d(store.db(), "DELETE FROM metrics WHERE run_id = ? AND step >= ?");
    d.bind(1, id).bind(2, from_step).run();
    return;
  }
  Stmt d(store.db(), "DELETE FROM metrics WHERE run_id = ? AND step >= ? AND substr(key, 1, CAST(? AS INTEGER)) = ?");
  d.bind(1, id).bind(2, from_step).bind(3, static_cast<int64_t>(key_prefix.size())).bind(4, key_prefix).run();
}

int64_t submission_add(Store& store, const SubmissionRow& row) {
  Db& db = store.db();
  WriteTxn txn(db);
  Stmt ins(db, "INSERT INTO submissions (sweep_id, launcher, external_id, script, jobs, created) "
               "VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, row.sweep_id).bind(2, row.launcher).bind(3, row.external_id).bind(4, row.script);
  ins.bind(5, nlohmann::json(row.jobs).dump()).bind(6, row.created ? row.created : store_now()).run();
  int64_t id = db.last_insert_id();
  txn.commit();
  return id;
}

std::vector<SubmissionRow> submissions_list(Store& store, int64_t sweep_id) {
  Stmt s(store.db(), "SELECT id, sweep_id, launcher, external_id, script, jobs, created FROM submissions "
                     "WHERE sweep_id = ? ORDER BY id");
  s.bind(1, sweep_id);
  std::vector<SubmissionRow> out;
  while (s.step()) {
    SubmissionRow r{s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4), {}, s.real(6)};
    for (const auto& j : nlohmann::json::parse(s.text(5))) r.jobs.push_back(j.get<int64_t>());
    out.push_back(r);
  }
  return out;
}

}  // namespace swepo
