// The sweep runner: runs a planned sweep's jobs in N worker processes and records them.
//
// Each job is a child process in its own process group, executing
//   JOB_CMD... --db DB --run-id ID [--conf CONF] OVERRIDES...
// (JOB_CMD defaults to this binary's `run` command: `swepo run`), with stdout/stderr in
// LOG_DIR/run-ID.{out,err} and the environment
//   SWEPO_DB, SWEPO_RUN_ID, SWEPO_SWEEP, SWEPO_JOB, SWEPO_THREADS = OMP_NUM_THREADS =
//   MKL_NUM_THREADS (the CPU threads divided among workers), CUDA_VISIBLE_DEVICES (one GPU per
//   worker when GPUs are present). The child dies with the runner (PR_SET_PDEATHSIG).
//
// Outcome of a job:  the run is FINISHED (the job called run_finish)      -> done
//                    exit 0 but not FINISHED (a job that does not record) -> FINISHED by the runner
//                    killed by SIGKILL (OOM killer, kill -9)              -> KILLED (rerun on resume)
//                    any other exit status or signal, or --job-timeout   -> FAILED with the status
//                                                                           and the stderr tail
// Resume (same command): FINISHED jobs are skipped; SCHEDULED, KILLED and stale RUNNING jobs
// (heartbeat older than stale_after_s, or their process gone on this host) run; FAILED jobs run
// with retry_failed. SIGINT/SIGTERM/SIGHUP/SIGUSR1: children get SIGTERM (SIGKILL after
// kill_grace_s or at a second signal), their runs are marked KILLED, and sweep_run returns promptly.
#pragma once
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "core/store/store.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_plan.h"

namespace swepo {

struct SweepRunOptions {
  int jobs = 1;                       // worker processes
  bool retry_failed = false;
  std::vector<std::string> job_cmd;   // empty: {this executable, "run"}
  std::string conf_dir;               // passed to the job as --conf (omitted when empty)
  std::string log_dir;                // empty: <db dir>/logs/<sweep name>
  int threads_total = 0;              // CPU threads to divide among workers; 0: all cores
  double stale_after_s = 120;         // a RUNNING run whose heartbeat is older is stale
  double heartbeat_s = 10;            // the runner refreshes its running jobs' heartbeats
  double job_timeout_s = 0;           // 0: none; else a job running longer is killed, FAILED
  double kill_grace_s = 5;            // SIGTERM -> SIGKILL delay on interrupt
  std::ostream* log = nullptr;        // progress and summary; nullptr: std::cerr
};

// What to do with a job given its run's current row.
enum class SweepAction { Run, Rerun, SkipFinished, SkipFailed, SkipRunningElsewhere };
SweepAction sweep_action(const std::optional<RunRow>& run, const SweepRunOptions& opt, double now,
                         std::string* why = nullptr);
const char* sweep_action_name(SweepAction a);

struct SweepRunSummary {
  int total = 0;             // jobs in the sweep
  int skipped_finished = 0;  // already FINISHED before this call
  int finished = 0;          // finished by this call
  int failed = 0;            // FAILED by this call, or FAILED before and not retried
  int killed = 0;            // KILLED by this call
  int elsewhere = 0;         // RUNNING in another live runner
  int interrupted_by = 0;    // the signal that stopped the runner, 0 if none
  double seconds = 0;
  bool ok() const { return failed == 0 && killed == 0 && elsewhere == 0 && interrupted_by == 0; }
  int exit_code() const { return interrupted_by ? 128 + interrupted_by : (ok() ? 0 : 1); }
};

// Registers the sweep (reporting changes since the last run) and runs the jobs that need it.
SweepRunSummary sweep_run(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs,
                          const SweepRunOptions& opt);

// Prints each job (number, status in the store if any, what a run would do, overrides) and the
// totals, without writing anything. `store` may be null (no database yet).
void sweep_dry_run(std::ostream& out, Store* store, const SweepSpec& spec,
                   const std::vector<PlannedJob>& jobs, const SweepRunOptions& opt);

// The job logs' default directory: <db dir>/logs/<sweep>, or results/logs/<sweep> (under the
// current directory) for a PostgreSQL store. Absolute.
std::string sweep_default_log_dir(const std::string& store_location, const std::string& sweep);

// Visible GPU ids: CUDA_VISIBLE_DEVICES when set, else /proc/driver/nvidia/gpus/*; empty: none.
std::vector<std::string> sweep_detect_gpus();

}  // namespace swepo
