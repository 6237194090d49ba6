// swepo run: the benchmark pipeline (experiments/pipeline/pipeline.h) for one config, or for each
// job of a Hydra multirun (-m).
//
//   swepo run [overrides...] [--cfg] [--conf DIR] [--db PATH | --no-db] [--run-id ID] [-m]
//
//   swepo run loss=dpo seed=1                      # one run, recorded in ./swepo.db
//   swepo run loss=none                            # the SFT row (no preference optimisation)
//   swepo run loss=dpo --cfg                       # print the resolved config and exit
//   swepo run -m loss=dpo,swepo seed=range(3)      # six runs, one after another
// The sweep runner launches each job as `swepo run --db PATH --run-id ID [--conf DIR] overrides...`.
// A recorded run that finds <output_dir>/checkpoint/last.pt resumes from it (a requeued or
// relaunched job); SIGTERM / SIGUSR1 make it checkpoint, record the run KILLED and exit 128 + sig.
// Data-parallel: under torchrun or srun (their environment) every process is one rank; outside
// them trainer.nproc=N starts N local ranks of this same command (experiments/pipeline/launch.h).
#include <iostream>

#include <boost/program_options.hpp>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/config/conf_dir.h"
#include "core/config/emit.h"
#include "core/store/store.h"
#include "core/util/error.h"
#include "engine/distributed.h"
#include "engine/stop_signal.h"
#include "experiments/pipeline/launch.h"
#include "experiments/pipeline/pipeline.h"
#include "sweeps/sweep_process.h"

namespace swepo::cli {

int cmd_run(const Args& args) {
  namespace po = boost::program_options;
  bool show_cfg = false, no_db = false, multirun = false;
  std::string conf, db = kStoreDefaultPath;
  int64_t run_id = -1;
  std::vector<std::string> overrides;
  po::options_description opts("swepo run [overrides...] [options]\n\n"
                               "Composes experiments/conf/config.yaml with Hydra-style overrides "
                               "(key=value, group=option, +key=value, ~key), then: data (cached), SFT "
                               "(cached by fingerprint, shared by every loss and seed), preference "
                               "optimisation with loss.name (loss=none: evaluate the SFT model), the "
                               "alpaca/arena/mtbench suites, a summary table, and <output_dir>/{config.yaml,"
                               "summary.json,metrics.jsonl}.\n\noptions");
  opts.add_options()
      ("help,h", "show this help")
      ("cfg", po::bool_switch(&show_cfg), "print the resolved config as YAML and exit")
      ("conf", po::value(&conf), "config folder (default: $SWEPO_CONF, else ./experiments/conf when it "
                                 "has a config.yaml, else the source tree's)")
      ("db", po::value(&db), "results store to record the run in: a path (SQLite) or "
                             "postgresql://user@host:port/dbname (default: ./swepo.db); outputs go to "
                             "./outputs/<loss>/seed<S>/run<ID>-<store id> and caches to ./cache unless "
                             "output_dir / cache_dir say otherwise")
      ("no-db", po::bool_switch(&no_db), "do not record the run in a results store")
      ("run-id", po::value(&run_id), "record into this already registered run (the sweep runner's jobs)")
      ("multirun,m", po::bool_switch(&multirun), "expand sweep syntax (a,b  range(..)  glob(..)) and "
                                                 "run every job in turn")
      ("overrides", po::value(&overrides), "config overrides");
  po::positional_options_description pos;
  pos.add("overrides", -1);
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, &pos, "", "exit codes: 0 success, 2 config or input error, 1 internal error\n"))
    return 0;
  if (no_db && vm.count("db") && !vm["db"].defaulted())
    throw UserError("--db and --no-db contradict each other");
  if (no_db && run_id >= 0) throw UserError("--run-id needs a results store (drop --no-db)");

  pipeline::RunOptions o;
  o.conf_dir = find_conf_dir(conf);
  o.overrides = overrides;
  o.db_path = no_db ? "" : db;
  o.run_id = run_id;

  if (show_cfg) {
    if (multirun) throw UserError("--cfg prints one config; drop -m");
    auto r = pipeline::resolve_run(o.conf_dir, o.overrides);  // validated: unknown keys exit 2
    std::cout << config_to_yaml(r.composed.config);
    return 0;
  }
  // SIGTERM / SIGUSR1 (scancel, preemption, time limits): checkpoint, record KILLED, exit 128 + sig.
  install_stop_handlers();
  // trainer.nproc = N > 1 outside torchrun/srun: this command again as N local ranks.
  if (!multirun && !world_from_env().distributed()) {
    const pipeline::ResolvedRun r = pipeline::resolve_run(o.conf_dir, o.overrides);
    if (r.cfg.trainer.nproc > 1) {
      std::vector<std::string> argv = {process_self_exe(), "run"};
      argv.insert(argv.end(), args.begin(), args.end());
      return pipeline::launch_local_ranks(argv, static_cast<int>(r.cfg.trainer.nproc), r.cfg.trainer.dist_timeout_s);
    }
  }
  try {
    if (multirun) return pipeline::run_multirun(o);
    pipeline::run_pipeline(o);
  } catch (const TrainingStopped& e) {
    std::cerr << "swepo run: " << e.what() << "\n";
    return 128 + e.signal;
  }
  return 0;
}

}  // namespace swepo::cli
