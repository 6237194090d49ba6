// The Slurm launcher: a sweep's pending jobs as `sbatch` job arrays, recorded in the store.
//
// sweep_submit_slurm() registers the sweep (as the local runner does), decides per job with
// sweep_action() (FINISHED skipped, FAILED only with --retry-failed, RUNNING with a fresh
// heartbeat left to its task; a stale RUNNING run is marked KILLED first), groups the jobs to run
// by their resolved `trainer.nproc` (1 when the config has no such key), and submits each group as
// one array whose task index is the job number. Each submission script is written to
// LOG_DIR/submit-N.sbatch (N counts the sweep's submissions in the store), next to the job logs;
// its Slurm job id is recorded in the store's `submissions` table. Every task runs
// `SELF sweep-task --db DB --run-id ID ... -- JOB_CMD` (sweeps/sweep_task.h), which claims the run
// atomically, so a relaunch or a concurrent launcher never runs a job twice.
//
// With `wait` it then polls the store every poll_s seconds, printing progress when it changes,
// marks RUNNING runs whose heartbeat is stale KILLED, and returns when no task of its arrays is
// left in `squeue` (pending, running or requeued). Without `wait` it returns after submitting.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "core/store/store.h"
#include "sweeps/sweep_plan.h"
#include "sweeps/sweep_runner.h"

namespace swepo {

struct SlurmOptions {
  std::string partition;      // --partition (omitted when empty)
  std::string time;           // --time, e.g. "4:00:00"; also adds --signal=B:USR1@120
  int gpus_per_job = 0;       // --gpus (nproc 1) or --gpus-per-task (nproc > 1); 0: none
  int array_parallelism = 0;  // the array's %N: at most N tasks at once; 0: no limit
  std::string extra;          // more sbatch options, whitespace-separated, one #SBATCH line each
  bool wait = false;
  double poll_s = 5;
  std::string sbatch = "sbatch";  // the programs (SWEPO_SBATCH / SWEPO_SQUEUE override them)
  std::string squeue = "squeue";
  std::string self_exe;           // the CLI whose `sweep-task` the tasks run; "": this executable
};

// What one array script contains (slurm_script() writes it; tested as text).
struct SlurmScriptSpec {
  std::string sweep, file;
  std::string db;                                   // absolute path or URL
  std::vector<std::pair<int64_t, int64_t>> jobs;   // (job number, run id), by job number
  int nproc = 1;
  std::string log_dir, self_exe, conf_dir;
  std::vector<std::string> job_cmd;                 // empty: the task's default (`swepo run`)
  double stale_after_s = 120, heartbeat_s = 10;
  bool retry_failed = false;
};

std::string slurm_script(const SlurmScriptSpec& spec, const SlurmOptions& opt);
std::string shell_quote(const std::string& s);  // '...' for bash, ' as '\''

// The job's `trainer.nproc` param (1 when absent or not a positive integer).
int sweep_job_nproc(const PlannedJob& job);

SweepRunSummary sweep_submit_slurm(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs,
                                   const SweepRunOptions& opt, const SlurmOptions& slurm);

}  // namespace swepo
