// Claiming runs for launchers that do not fork the job themselves (a Slurm array task, a pull
// worker), stale-heartbeat detection, and the record of batch submissions.
//
// A claim is atomic on both backends: one write transaction reads the run's status with its row
// locked (PostgreSQL SELECT ... FOR UPDATE; SQLite BEGIN IMMEDIATE) and moves it to RUNNING only
// when it may run, so two launchers (or a relaunch racing a requeued task) never run one job
// twice. run_claim_next() takes any claimable job of a sweep (FOR UPDATE SKIP LOCKED on
// PostgreSQL: concurrent claimers skip each other's rows instead of queueing on them).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store.h"

namespace swepo {

struct ClaimOptions {
  std::string launcher;        // recorded in runs.launcher, e.g. "slurm 1234_5"
  int64_t pid = 0;             // the process that runs the attempt (0: unknown)
  std::string host;            // "" leaves the stored host unchanged
  double stale_after_s = 120;  // a RUNNING run whose heartbeat is older may be claimed
  bool retry_failed = false;   // FAILED runs may be claimed
};

enum class ClaimResult {
  Claimed,           // RUNNING now, attempts + 1: this caller runs it
  Finished,          // already FINISHED: nothing to do
  RunningElsewhere,  // RUNNING with a fresh heartbeat: someone else runs it
  Failed,            // FAILED and retry_failed is off
  Missing,           // no such run
};
const char* claim_result_name(ClaimResult r);

// SCHEDULED, KILLED, stale RUNNING (and FAILED with retry_failed) -> RUNNING. A KILLED or stale
// attempt keeps its metrics (a job resuming from its checkpoint keeps its history and drops what
// it redoes with run_truncate_metrics); a SCHEDULED or FAILED one starts clean. Evals are cleared.
ClaimResult run_claim(Store& store, int64_t id, const ClaimOptions& opt);

// Claims the claimable (SCHEDULED or KILLED) job of `sweep_id` with the lowest job number that no
// concurrent claimer holds; returns its run id, nullopt when none is left.
std::optional<int64_t> run_claim_next(Store& store, int64_t sweep_id, const ClaimOptions& opt);

// Marks each RUNNING run among `ids` whose heartbeat is older than `stale_after_s` (or missing)
// KILLED with a note; returns the runs it marked. One conditional UPDATE per run, so a run that
// heartbeats meanwhile is left alone.
std::vector<int64_t> run_mark_stale_killed(Store& store, const std::vector<int64_t>& ids, double stale_after_s,
                                           double now);

// Drops the run's metrics at steps >= `from_step` (a job resuming from its checkpoint at that step),
// only those whose key starts with `key_prefix` when it is not empty (e.g. "pref/": one phase).
void run_truncate_metrics(Store& store, int64_t id, int64_t from_step, const std::string& key_prefix = "");

struct SubmissionRow {
  int64_t id = 0;
  int64_t sweep_id = 0;
  std::string launcher;     // "slurm"
  std::string external_id;  // the Slurm job id of the array
  std::string script;       // the submission script's path
  std::vector<int64_t> jobs;  // the job numbers submitted
  double created = 0;
};

int64_t submission_add(Store& store, const SubmissionRow& row);  // returns its id
std::vector<SubmissionRow> submissions_list(Store& store, int64_t sweep_id);  // oldest first

}  // namespace swepo
