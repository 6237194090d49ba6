// swepo sweep-task: one job of a sweep inside a Slurm array task (sweeps/sweep_task.h): claim the
// run, run the job with heartbeats, forward SIGTERM/SIGUSR1, record the outcome. The submission
// script written by `swepo sweep --launcher slurm` runs it; nobody types it.
#include <iostream>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "sweeps/sweep_task.h"

namespace swepo::cli {

int cmd_sweep_task(const Args& args) {
  SweepTaskOptions opt;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("db", po::value(&opt.db)->required(), "results database (path or postgresql:// URL)")
      ("run-id", po::value(&opt.run_id)->required(), "the run to claim and run")
      ("launcher", po::value(&opt.launcher)->default_value(opt.launcher), "recorded as the run's launcher")
      ("log-dir", po::value(&opt.log_dir), "the job's run-ID.out/.err (default: .)")
      ("conf", po::value(&opt.conf_dir), "config directory passed to the job")
      ("stale-after", po::value(&opt.stale_after_s)->default_value(opt.stale_after_s),
       "a RUNNING run with an older heartbeat may be claimed")
      ("heartbeat", po::value(&opt.heartbeat_s)->default_value(opt.heartbeat_s), "seconds between heartbeats")
      ("retry-failed", "claim a FAILED run too")
      ("no-requeue", "do not `scontrol requeue` the task after a SIGUSR1 stop")
      ("job-cmd", po::value(&opt.job_cmd)->multitoken(), "after --: the job command (default: swepo run)");
  po::positional_options_description pos;
  pos.add("job-cmd", -1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo sweep-task --db DB --run-id ID [options] [-- JOB_CMD...]"))
    return 0;
  opt.retry_failed = vm.count("retry-failed") > 0;
  opt.requeue_on_usr1 = vm.count("no-requeue") == 0;
  return sweep_task_run(opt);
}

}  // namespace swepo::cli
