// One job of a sweep run by a batch scheduler's task (a Slurm array task runs
// `swepo sweep-task ...`, written into the submission script by sweeps/sweep_slurm.h):
//
//   1. claim the run in the store (core/store/store_claim.h): SCHEDULED, KILLED or stale RUNNING
//      (FAILED with --retry-failed) -> RUNNING; anything else (FINISHED, RUNNING with a fresh
//      heartbeat elsewhere) -> exit 0 having run nothing, so a relaunch or a second launcher
//      never runs a job twice;
//   2. run JOB_CMD --db DB --run-id ID [--conf CONF] OVERRIDES... (the run's overrides from the
//      store) as a child in its own process group, stdout/stderr in LOG_DIR/run-ID.{out,err},
//      environment SWEPO_DB, SWEPO_RUN_ID, SWEPO_SWEEP, SWEPO_JOB, SWEPO_THREADS = OMP/MKL threads
//      = SLURM_CPUS_PER_TASK when set;
//   3. refresh the run's heartbeat every heartbeat_s while it runs (a task that dies hard stops
//      heartbeating; the launcher marks the run KILLED once it is stale_after_s old);
//   4. record the outcome as the local runner does (FINISHED by the job, or by the task on exit 0;
//      FAILED with the exit status and stderr tail; KILLED after SIGKILL).
//
// Preemption, time limits and requeue. SIGTERM (scancel, preemption, `scontrol requeue`, the
// time limit) and SIGUSR1 (`#SBATCH --signal=B:USR1@120`: two minutes before the time limit) are
// forwarded to the job's process group. The job program is expected to checkpoint and exit (the
// engine resumes step-exactly from its checkpoint); the task then marks the run KILLED (resumable:
// a claim keeps a KILLED attempt's metrics, and the resumed job drops those after its checkpoint
// with run_truncate_metrics). When Slurm requeues the task (preemption with requeue, `scontrol
// requeue`) the new task claims the KILLED run and the job resumes. After SIGUSR1 the task
// requeues itself (`scontrol requeue JOB_TASK`), since a time limit alone does not requeue.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace swepo {

struct SweepTaskOptions {
  std::string db;                    // store path or URL
  int64_t run_id = -1;
  std::vector<std::string> job_cmd;  // empty: {this executable, "run"}
  std::string conf_dir;              // passed to the job as --conf (omitted when empty)
  std::string log_dir;               // the job's stdout/stderr files
  std::string launcher = "slurm";    // recorded in runs.launcher, e.g. "slurm 1234_5"
  double heartbeat_s = 10;
  double stale_after_s = 120;
  bool retry_failed = false;
  bool requeue_on_usr1 = true;       // `scontrol requeue` this task after a SIGUSR1 stop
  double kill_grace_s = 20;          // SIGKILL to the job this long after a forwarded signal
  std::ostream* log = nullptr;       // nullptr: std::cerr
};

// Claims, runs and records the job; returns the task's exit code: 0 when the run is FINISHED or
// was not this task's to run, 1 FAILED, 128 + signal when stopped by one.
int sweep_task_run(const SweepTaskOptions& opt);

}  // namespace swepo
