// swepo sweep: run a sweep file's jobs in worker processes, recorded in the results store
// (sweeps/: file, plan, runner). Tensor-free; the pipeline's validation is passed in (cmd_sweep.h).
#include "apps/cmd_sweep.h"

#include <filesystem>
#include <iostream>

#include "apps/cli_args.h"
#include "core/store/store.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_runner.h"

namespace swepo::cli {

int cmd_sweep_with(const Args& args, const SweepValidateFn& validate, const ConfigSchemaFn& schema) {
  std::string file, db = kStoreDefaultPath, conf = "experiments/conf", job_cmd, log_dir;
  SweepRunOptions opt;
  std::vector<std::string> only;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("file", po::value(&file)->required(), "the sweep file (YAML, see sweeps/)")
      ("only", po::value(&only)->multitoken(), "run only the jobs whose resolved param KEY equals VALUE "
                                               "(KEY=VALUE ..., e.g. model.name=tiny); the others are "
                                               "neither registered nor run this time")
      ("db", po::value(&db)->default_value(db), "results database")
      ("jobs,j", po::value(&opt.jobs)->default_value(1), "worker processes")
      ("dry-run", "print the jobs and their status in the database; run nothing")
      ("retry-failed", "rerun FAILED jobs too")
      ("conf", po::value(&conf)->default_value(conf), "config directory (config.yaml + groups)")
      ("job-cmd", po::value(&job_cmd), "command run per job, before its --db/--run-id/--conf/overrides "
                                       "(default: this swepo's `run`)")
      ("job-timeout", po::value(&opt.job_timeout_s)->default_value(0), "seconds before a job is killed "
                                                                         "and FAILED (0: none)")
      ("stale-after", po::value(&opt.stale_after_s)->default_value(opt.stale_after_s),
       "seconds without heartbeat after which a RUNNING run counts as dead")
      ("threads", po::value(&opt.threads_total)->default_value(0), "CPU threads to divide among workers "
                                                                    "(0: all cores)")
      ("log-dir", po::value(&log_dir), "job logs (default: <db dir>/logs/<sweep>)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo sweep FILE [options]")) return 0;
  opt.retry_failed = vm.count("retry-failed") > 0;
  opt.conf_dir = conf;
  opt.log_dir = log_dir;
  for (auto& w : split(trim(job_cmd), ' '))
    if (!w.empty()) opt.job_cmd.push_back(w);
  if (opt.jobs < 1) throw UserError("--jobs must be at least 1, got " + std::to_string(opt.jobs));

  // Parse, expand, compose and validate everything before touching the database.
  SweepSpec spec = sweep_load(file, conf);
  std::vector<SweepJob> jobs = sweep_expand(spec);
  std::vector<PlannedJob> planned = sweep_plan(spec, jobs, sweep_composer(conf, validate, schema));
  if (!only.empty()) planned = sweep_select(planned, only, file);

  if (vm.count("dry-run")) {
    if (std::filesystem::exists(db)) {
      Store store = Store::open_read_only(db);
      sweep_dry_run(std::cout, &store, spec, planned, opt);
    } else {
      sweep_dry_run(std::cout, nullptr, spec, planned, opt);
    }
    return 0;
  }
  Store store(db);
  SweepRunSummary s = sweep_run(store, spec, planned, opt);
  return s.exit_code();
}

}  // namespace swepo::cli
