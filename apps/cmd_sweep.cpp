// swepo sweep: run a sweep file's jobs in worker processes (--launcher local) or as Slurm job
// arrays (--launcher slurm), recorded in the results store (sweeps/: file, plan, runner, Slurm).
// Tensor-free; the pipeline's validation is passed in (cmd_sweep.h).
#include "apps/cmd_sweep.h"

#include <filesystem>
#include <iostream>

#include "apps/cli_args.h"
#include "core/config/conf_dir.h"
#include "core/store/store.h"
#include "core/store/store_url.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_runner.h"
#include "sweeps/sweep_slurm.h"

namespace swepo::cli {
namespace {

// FILE as given when it exists; else a shipped sweep of the source tree: FILE, sweeps/FILE or
// sweeps/FILE.yaml under it (so `swepo sweep quickstart` works from any directory).
std::string sweep_file_path(const std::string& file) {
  namespace fs = std::filesystem;
  if (fs::exists(file) || fs::path(file).is_absolute()) return file;
  const fs::path src = swepo_source_dir();
  for (const fs::path& p : {src / file, src / "sweeps" / file, src / "sweeps" / (file + ".yaml")})
    if (fs::is_regular_file(p)) return p.string();
  return file;  // sweep_load names it in its error
}

}  // namespace

int cmd_sweep_with(const Args& args, const SweepComposerFor& composer) {
  std::string file, db = kStoreDefaultPath, conf, job_cmd, log_dir, launcher = "local";
  SweepRunOptions opt;
  SlurmOptions slurm;
  std::vector<std::string> only, set;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("file", po::value(&file)->required(), "the sweep file (YAML), or the name of a shipped one "
                                             "(quickstart = the source tree's sweeps/quickstart.yaml)")
      ("only", po::value(&only)->multitoken(), "run only the jobs whose resolved param KEY equals VALUE "
                                               "(KEY=VALUE ..., e.g. model.name=tiny); the others are "
                                               "neither registered nor run this time")
      ("set", po::value(&set)->multitoken(), "more base overrides of every job (KEY=VALUE ..., after the "
                                             "file's `overrides`), e.g. model.path=/models/zephyr-sft")
      ("db", po::value(&db)->default_value(db), "results database: a path (SQLite) or "
                                                "postgresql://user@host:port/dbname; jobs write to "
                                                "./outputs and ./cache unless their config says otherwise")
      ("launcher", po::value(&launcher)->default_value(launcher),
       "local: worker processes here; slurm: sbatch job arrays (README: Running on a cluster)")
      ("slurm.partition", po::value(&slurm.partition), "sbatch --partition")
      ("slurm.gpus_per_job", po::value(&slurm.gpus_per_job)->default_value(0), "GPUs per job (per task when "
                                                                                 "trainer.nproc > 1)")
      ("slurm.time", po::value(&slurm.time), "sbatch --time (e.g. 4:00:00); the task gets SIGUSR1 2 min before")
      ("slurm.array_parallelism", po::value(&slurm.array_parallelism)->default_value(0),
       "at most N array tasks at once (0: no limit)")
      ("slurm.extra", po::value(&slurm.extra), "more sbatch options, e.g. '--mem=16G --qos=high'")
      ("wait", "with --launcher slurm: wait until the arrays are done, showing progress from the store")
      ("slurm.poll", po::value(&slurm.poll_s)->default_value(slurm.poll_s), "--wait: seconds between polls")
      ("jobs,j", po::value(&opt.jobs)->default_value(1), "worker processes")
      ("dry-run", "print the jobs and their status in the database; run nothing")
      ("retry-failed", "rerun FAILED jobs too")
      ("conf", po::value(&conf), "config directory (config.yaml + groups; default: $SWEPO_CONF, else "
                                 "./experiments/conf when it has a config.yaml, else the source tree's)")
      ("job-cmd", po::value(&job_cmd), "command run per job, before its --db/--run-id/--conf/overrides "
                                       "(default: this swepo's `run`)")
      ("job-timeout", po::value(&opt.job_timeout_s)->default_value(0), "seconds before a job is killed "
                                                                         "and FAILED (0: none)")
      ("stale-after", po::value(&opt.stale_after_s)->default_value(opt.stale_after_s),
       "seconds without heartbeat after which a RUNNING run counts as dead")
      ("threads", po::value(&opt.threads_total)->default_value(0), "CPU threads to divide among workers: "
                                                                    "each gets max(1, N / jobs) (0: N = the "
                                                                    "cores this process may use)")
      ("log-dir", po::value(&log_dir), "job logs (default: <db dir>/logs/<sweep>)");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "usage: swepo sweep FILE [options]")) return 0;
  opt.retry_failed = vm.count("retry-failed") > 0;
  conf = find_conf_dir(conf);
  file = sweep_file_path(file);
  opt.conf_dir = conf;
  opt.log_dir = log_dir;
  for (auto& w : split(trim(job_cmd), ' '))
    if (!w.empty()) opt.job_cmd.push_back(w);
  if (opt.jobs < 1) throw UserError("--jobs must be at least 1, got " + std::to_string(opt.jobs));
  if (launcher != "local" && launcher != "slurm")
    throw UserError("--launcher '" + launcher + "': unknown" + did_you_mean(launcher, {"local", "slurm"}) +
                    "; valid: local, slurm");
  slurm.wait = vm.count("wait") > 0;
  if (launcher == "local")
    for (const char* o : {"slurm.partition", "slurm.time", "slurm.extra", "wait"})
      if (vm.count(o)) throw UserError(std::string("--") + o + " needs --launcher slurm");

  // Parse, expand, compose and validate everything before touching the database.
  SweepSpec spec = sweep_load(file, conf);
  spec.overrides.insert(spec.overrides.end(), set.begin(), set.end());
  std::vector<SweepJob> jobs = sweep_expand(spec);
  std::vector<PlannedJob> planned = sweep_plan(spec, jobs, composer ? composer(conf) : sweep_composer(conf));
  if (!only.empty()) planned = sweep_select(planned, only, file);

  if (vm.count("dry-run")) {
    if (store_is_url(db) || std::filesystem::exists(db)) {
      Store store = Store::open_read_only(db);
      sweep_dry_run(std::cout, &store, spec, planned, opt);
    } else {
      sweep_dry_run(std::cout, nullptr, spec, planned, opt);
    }
    return 0;
  }
  Store store(db);
  if (launcher == "slurm") {
    if (!store.postgres())
      std::cerr << "note: an SQLite store on a shared filesystem is unsafe for tasks on several nodes "
                   "(file locks over NFS); use --db postgresql://...\n";
    return sweep_submit_slurm(store, spec, planned, opt, slurm).exit_code();
  }
  SweepRunSummary s = sweep_run(store, spec, planned, opt);
  return s.exit_code();
}

}  // namespace swepo::cli
