#include "sweeps/sweep_cli.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <boost/program_options.hpp>
#include <fmt/core.h>

#include "core/store/store.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_plan.h"
#include "sweeps/sweep_runner.h"

namespace swepo {
namespace po = boost::program_options;

namespace {

// Parses `args`; returns false (after printing help) when --help was given.
bool parse_args(const std::vector<std::string>& args, const po::options_description& opts,
                const po::positional_options_description& pos, po::variables_map& vm,
                const std::string& usage) {
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  if (vm.count("help")) {
    std::cout << usage << "\n" << opts << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

std::string when(const std::optional<double>& t) {
  if (!t) return "-";
  time_t s = static_cast<time_t>(*t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::gmtime(&s));
  return buf;
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

int sweep_cmd_sweep(const std::vector<std::string>& args, SweepValidateFn validate) {
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
  if (!parse_args(args, opts, pos, vm, "usage: swepo sweep FILE [options]")) return 0;
  opt.retry_failed = vm.count("retry-failed") > 0;
  opt.conf_dir = conf;
  opt.log_dir = log_dir;
  for (auto& w : split(trim(job_cmd), ' '))
    if (!w.empty()) opt.job_cmd.push_back(w);
  if (opt.jobs < 1) throw UserError("--jobs must be at least 1, got " + std::to_string(opt.jobs));

  // Parse, expand, compose and validate everything before touching the database.
  SweepSpec spec = sweep_load(file, conf);
  std::vector<SweepJob> jobs = sweep_expand(spec);
  std::vector<PlannedJob> planned = sweep_plan(spec, jobs, sweep_composer(conf, validate));
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

int sweep_cmd_runs(const std::vector<std::string>& args) {
  std::string db = kStoreDefaultPath;
  RunFilter f;
  std::vector<std::string> where;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("db", po::value(&db)->default_value(db), "results database")
      ("sweep", po::value(&f.sweep), "only the jobs of this sweep (in job order)")
      ("status", po::value(&f.status), "only runs with this status (SCHEDULED, RUNNING, FINISHED, FAILED, KILLED)")
      ("where", po::value(&where)->multitoken(), "only runs whose param KEY equals VALUE (KEY=VALUE ...)");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args(args, opts, pos, vm, "usage: swepo runs [options]")) return 0;
  if (!f.status.empty()) {
    std::vector<std::string> valid = {kRunScheduled, kRunRunning, kRunFinished, kRunFailed, kRunKilled};
    if (std::find(valid.begin(), valid.end(), f.status) == valid.end())
      throw UserError("--status '" + f.status + "': unknown" + did_you_mean(f.status, valid) + "; valid: " +
                      join(valid, ", "));
  }
  for (const auto& w : where) {
    auto eq = w.find('=');
    if (eq == std::string::npos || eq == 0) throw UserError("--where '" + w + "': expected KEY=VALUE");
    f.where.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  Store store = Store::open_read_only(db);
  if (!f.sweep.empty() && !store.sweep_find(f.sweep)) {
    std::vector<std::string> names;
    Stmt s(store.db(), "SELECT name FROM sweeps ORDER BY name");
    while (s.step()) names.push_back(s.text(0));
    throw UserError("--sweep '" + f.sweep + "': no such sweep in '" + db + "'" + did_you_mean(f.sweep, names) +
                    (names.empty() ? "" : "; sweeps: " + join(names, ", ")));
  }
  auto rows = store.runs_list(f);
  std::cout << fmt::format("{:>5}  {:<16} {:>4}  {:<9} {:>6} {:>8}  {}\n", "run", "sweep", "job", "status", "seed",
                           "seconds", "overrides");
  for (const auto& r : rows) {
    std::string secs = r.started && r.ended ? fmt::format("{:.1f}", *r.ended - *r.started) : "-";
    std::cout << fmt::format("{:>5}  {:<16} {:>4}  {:<9} {:>6} {:>8}  {}", r.id, r.sweep.empty() ? "-" : r.sweep,
                             r.job ? std::to_string(*r.job) : "-", r.status, r.seed, secs, join(r.overrides, " "));
    if (!r.error.empty()) std::cout << "  [" << first_line(r.error) << "]";
    std::cout << "\n";
  }
  std::cout << rows.size() << " run(s)\n";
  return 0;
}

int sweep_cmd_show(const std::vector<std::string>& args) {
  std::string db = kStoreDefaultPath, history;
  int64_t id = 0;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("run", po::value(&id)->required(), "run id (see swepo runs)")
      ("db", po::value(&db)->default_value(db), "results database")
      ("history", po::value(&history), "also print every logged value of this metric");
  po::positional_options_description pos;
  pos.add("run", 1);
  po::variables_map vm;
  if (!parse_args(args, opts, pos, vm, "usage: swepo show RUN [options]")) return 0;
  Store store = Store::open_read_only(db);
  auto r = store.run_get(id);
  if (!r) throw UserError("run " + std::to_string(id) + ": no such run in '" + db + "'");
  std::cout << fmt::format("run {}  status {}  seed {}  attempts {}\n", r->id, r->status, r->seed, r->attempts);
  if (!r->sweep.empty()) std::cout << fmt::format("sweep {}  job {}\n", r->sweep, r->job.value_or(-1));
  std::cout << "overrides: " << join(r->overrides, " ") << "\n";
  std::cout << "config hash (without seed): " << r->config_hash << "\n";
  std::cout << fmt::format("created {}  started {}  ended {}  heartbeat {} (UTC)\n", when(r->created), when(r->started),
                           when(r->ended), when(r->heartbeat));
  std::cout << fmt::format("git {}{}  host {}  device {}  libtorch {}\n", r->git_commit.empty() ? "-" : r->git_commit,
                           !r->git_dirty ? " (dirty: unknown)" : (*r->git_dirty ? " (dirty)" : " (clean)"),
                           r->host.empty() ? "-" : r->host, r->device.empty() ? "-" : r->device,
                           r->torch_version.empty() ? "-" : r->torch_version);
  if (!r->error.empty()) std::cout << "error: " << r->error << "\n";
  auto choices = store.run_choices(id);
  if (!choices.empty()) {
    std::vector<std::string> c;
    for (const auto& [g, o] : choices) c.push_back(g + "=" + o);
    std::cout << "groups: " << join(c, " ") << "\n";
  }
  std::cout << "\nconfig:\n";
  std::istringstream cfg(r->config_yaml);
  for (std::string line; std::getline(cfg, line);) std::cout << "  " << line << "\n";
  auto ms = store.run_metric_summary(id);
  std::cout << "\nhistory (" << ms.size() << " metric(s)):\n";
  if (!ms.empty())
    std::cout << fmt::format("  {:<24} {:>6} {:>7} {:>7} {:>12} {:>12} {:>12} {:>12}\n", "key", "n", "step0",
                             "stepN", "first", "last", "min", "max");
  for (const auto& m : ms)
    std::cout << fmt::format("  {:<24} {:>6} {:>7} {:>7} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g}\n", m.key, m.count,
                             m.first_step, m.last_step, m.first, m.last, m.min, m.max);
  if (!history.empty()) {
    std::cout << "\n" << history << ":\n";
    for (const auto& [step, v] : store.run_metric_history(id, history))
      std::cout << fmt::format("  {:>7} {:.9g}\n", step, v);
  }
  auto ev = store.run_evals(id);
  std::cout << "\nevals (" << ev.size() << "):\n";
  for (const auto& e : ev)
    std::cout << fmt::format("  {:<16} {:<20} {:<14} {:>12.6g}{}{}\n", e.suite, e.metric,
                             e.decoding.empty() ? "-" : e.decoding, e.value,
                             e.stderr_ ? fmt::format(" ± {:.4g}", *e.stderr_) : "",
                             e.n ? fmt::format("  (n={})", *e.n) : "");
  auto arts = store.run_artifacts(id);
  if (!arts.empty()) {
    std::cout << "\nartifacts:\n";
    for (const auto& a : arts)
      std::cout << fmt::format("  {:<10} {}{}\n", a.kind, a.path, a.sha256.empty() ? "" : "  sha256 " + a.sha256);
  }
  return 0;
}

}  // namespace swepo
