#include "sweeps/sweep_runner.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store/store_run.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

namespace swepo {
namespace fs = std::filesystem;

// ---- decisions ----------------------------------------------------------------------------------

namespace {

// True when the run's process was on this host and no longer exists (or is a zombie).
bool process_gone_here(const RunRow& r) {
  if (!r.pid || *r.pid <= 0 || r.host != provenance_host()) return false;
  if (::kill(static_cast<pid_t>(*r.pid), 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(*r.pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close != std::string::npos && close + 2 < text.size() && text[close + 2] == 'Z';
}

}  // namespace

SweepAction sweep_action(const std::optional<RunRow>& run, const SweepRunOptions& opt, double now,
                         std::string* why) {
  auto say = [&](const std::string& s) {
    if (why) *why = s;
  };
  say("");
  if (!run) return SweepAction::Run;
  const std::string& st = run->status;
  if (st == kRunFinished) return SweepAction::SkipFinished;
  if (st == kRunFailed) {
    if (opt.retry_failed) {
      say("retrying FAILED");
      return SweepAction::Rerun;
    }
    return SweepAction::SkipFailed;
  }
  if (st == kRunKilled) {
    say("rerunning KILLED");
    return SweepAction::Rerun;
  }
  if (st == kRunRunning) {
    double age = run->heartbeat ? now - *run->heartbeat : 1e18;
    if (process_gone_here(*run)) {
      say(fmt::format("rerunning: RUNNING but its process {} is gone", *run->pid));
      return SweepAction::Rerun;
    }
    if (age > opt.stale_after_s) {
      say(fmt::format("rerunning: RUNNING but its heartbeat is {:.0f} s old (stale)", age));
      return SweepAction::Rerun;
    }
    say(fmt::format("running elsewhere (pid {} on {}, heartbeat {:.0f} s ago)", run->pid.value_or(0),
                    run->host, age));
    return SweepAction::SkipRunningElsewhere;
  }
  return SweepAction::Run;  // SCHEDULED
}

const char* sweep_action_name(SweepAction a) {
  switch (a) {
    case SweepAction::Run: return "run";
    case SweepAction::Rerun: return "rerun";
    case SweepAction::SkipFinished: return "skip (finished)";
    case SweepAction::SkipFailed: return "skip (failed; --retry-failed reruns it)";
    case SweepAction::SkipRunningElsewhere: return "skip (running elsewhere)";
  }
  return "?";
}

std::vector<std::string> sweep_detect_gpus() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES")) {
    for (auto& s : split(env, ','))
      if (!trim(s).empty() && trim(s) != "-1") out.push_back(trim(s));
    return out;
  }
  std::error_code ec;
  if (!fs::is_directory("/proc/driver/nvidia/gpus", ec)) return out;
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/driver/nvidia/gpus", ec)) {
    (void)e;
    ++n;
  }
  for (size_t i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

// ---- dry run ------------------------------------------------------------------------------------

void sweep_dry_run(std::ostream& out, Store* store, const SweepSpec& spec,
                   const std::vector<PlannedJob>& jobs, const SweepRunOptions& opt) {
  out << fmt::format("sweep '{}' ({}): {} jobs\n", spec.name, spec.file, jobs.size());
  if (!spec.description.empty()) out << "  " << spec.description << "\n";
  if (store)
    for (const auto& c : sweep_changes(*store, spec, jobs)) out << "  changed since the last run: " << c << "\n";
  out << fmt::format("{:>5}  {:<9}  {:>5}  {:<9}  {}\n", "job", "status", "run", "action", "overrides");
  std::map<std::string, int> by_status;
  int would_run = 0;
  double now = store_now();
  for (const auto& p : jobs) {
    std::optional<RunRow> r;
    if (store) r = store->run_find(p.spec.config_hash, p.spec.seed);
    SweepAction a = sweep_action(r, opt, now);
    bool runs = a == SweepAction::Run || a == SweepAction::Rerun;
    would_run += runs;
    std::string st = r ? r->status : "-";
    by_status[r ? r->status : "NEW"]++;
    out << fmt::format("{:>5}  {:<9}  {:>5}  {:<9}  {}\n", p.job.number, st, r ? std::to_string(r->id) : "-",
                       runs ? "run" : "skip", join(p.job.overrides, " "));
  }
  std::vector<std::string> parts;
  for (const char* s : {"NEW", kRunScheduled, kRunRunning, kRunFinished, kRunFailed, kRunKilled})
    if (by_status.count(s)) parts.push_back(fmt::format("{} {}", by_status[s], s == std::string("NEW") ? "new" : s));
  out << fmt::format("total: {} jobs ({}); {} would run with --jobs {}\n", jobs.size(), join(parts, ", "),
                     would_run, opt.jobs);
}

// ---- running ------------------------------------------------------------------------------------

namespace {

std::string signal_name(int sig) {
  switch (sig) {
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGHUP: return "SIGHUP";
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    default: return "signal " + std::to_string(sig);
  }
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    std::string s = "killed by signal " + std::to_string(sig) + " (" + signal_name(sig) + ")";
    if (WCOREDUMP(status)) s += ", core dumped";
    return s;
  }
  return "status " + std::to_string(status);
}

// The last `max_lines` lines of a file (at most the last 8 KiB).
std::string file_tail(const std::string& path, int max_lines = 20) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - 8192);
  in.seekg(from);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  size_t pos = text.size();
  for (int n = 0; n < max_lines && pos != std::string::npos && pos > 0; ++n) pos = text.rfind('\n', pos - 1);
  if (pos != std::string::npos && pos < text.size()) text = text.substr(text[pos] == '\n' ? pos + 1 : pos);
  return text;
}

std::string self_exe() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "/proc/self/exe" : p.string();
}

std::string hms(double s) {
  if (s < 0 || s > 1e8) return "?";
  if (s < 60) return fmt::format("{:.1f}s", s);
  long t = static_cast<long>(s + 0.5);
  if (t < 3600) return fmt::format("{}m{:02d}s", t / 60, static_cast<int>(t % 60));
  return fmt::format("{}h{:02d}m", t / 3600, static_cast<int>((t / 60) % 60));
}

struct Active {
  size_t job = 0;  // index into jobs
  int64_t run = 0;
  pid_t pid = -1;
  double started = 0;
  std::string out_path, err_path;
  bool timed_out = false;
  bool term_sent = false, kill_sent = false;
};

struct Launch {
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string out_path, err_path;
};

pid_t spawn(const Launch& l, const sigset_t& child_mask, pid_t parent) {
  std::vector<char*> argv;
  for (const auto& a : l.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid > 0) {
    ::setpgid(pid, pid);  // also done by the child: whichever runs first
    return pid;
  }
  // Child: own process group (the runner forwards signals), die with the runner.
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGPIPE}) ::signal(sig, SIG_DFL);
  ::sigprocmask(SIG_SETMASK, &child_mask, nullptr);
  int out = ::open(l.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err = ::open(l.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || err < 0) ::_exit(125);
  ::dup2(devnull, 0);
  ::dup2(out, 1);
  ::dup2(err, 2);
  for (const auto& [k, v] : l.env) ::setenv(k.c_str(), v.c_str(), 1);
  ::execvp(argv[0], argv.data());
  std::string msg = std::string("swepo sweep: cannot execute '") + argv[0] + "': " + std::strerror(errno) + "\n";
  ssize_t ignored = ::write(2, msg.data(), msg.size());
  (void)ignored;
  ::_exit(127);
}

}  // namespace

SweepRunSummary sweep_run(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs,
                          const SweepRunOptions& opt_in) {
  SweepRunOptions opt = opt_in;
  std::ostream& log = opt.log ? *opt.log : std::cerr;
  if (opt.jobs < 1) throw UserError("--jobs must be at least 1, got " + std::to_string(opt.jobs));
  if (opt.job_cmd.empty()) opt.job_cmd = {self_exe(), "run"};
  std::string db_abs = fs::absolute(store.path()).string();
  if (opt.log_dir.empty())
    opt.log_dir = (fs::path(db_abs).parent_path() / "logs" / spec.name).string();
  make_dirs(opt.log_dir);
  std::string conf_abs = opt.conf_dir.empty() ? "" : fs::absolute(opt.conf_dir).string();

  auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

  SweepRunSummary sum;
  sum.total = static_cast<int>(jobs.size());
  SweepRegistration reg = sweep_register(store, spec, jobs);
  for (const auto& c : reg.changes) log << "sweep '" << spec.name << "' changed since its last run: " << c << "\n";

  // Decide what runs.
  std::vector<size_t> queue;
  double now = store_now();
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::string why;
    SweepAction a = sweep_action(store.run_get(reg.run_ids[i]), opt, now, &why);
    switch (a) {
      case SweepAction::Run: queue.push_back(i); break;
      case SweepAction::Rerun:
        log << fmt::format("job {} (run {}): {}\n", jobs[i].job.number, reg.run_ids[i], why);
        queue.push_back(i);
        break;
      case SweepAction::SkipFinished: ++sum.skipped_finished; break;
      case SweepAction::SkipFailed:
        ++sum.failed;
        log << fmt::format("job {} (run {}): FAILED before; not rerun without --retry-failed\n",
                           jobs[i].job.number, reg.run_ids[i]);
        break;
      case SweepAction::SkipRunningElsewhere:
        ++sum.elsewhere;
        log << fmt::format("job {} (run {}): {}\n", jobs[i].job.number, reg.run_ids[i], why);
        break;
    }
  }
  const size_t to_run = queue.size();
  log << fmt::format("sweep '{}': {} jobs, {} finished before, {} to run with {} worker(s)\n", spec.name,
                     jobs.size(), sum.skipped_finished, to_run, opt.jobs);
  // Resources per worker slot.
  int workers = static_cast<int>(std::max<size_t>(1, std::min<size_t>(opt.jobs, to_run)));
  int threads_total = opt.threads_total > 0 ? opt.threads_total
                                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int threads = std::max(1, threads_total / workers);
  std::vector<std::string> gpus = sweep_detect_gpus();
  if (!gpus.empty() && workers > static_cast<int>(gpus.size()))
    log << fmt::format("note: {} workers share {} GPU(s)\n", workers, gpus.size());
  Provenance prov = provenance_collect();  // before any child exists (it may run git)

  // Signals: block them and wait synchronously (sigtimedwait), restore on return.
  sigset_t mask, old_mask;
  sigemptyset(&mask);
  for (int sig : {SIGCHLD, SIGINT, SIGTERM, SIGHUP}) sigaddset(&mask, sig);
  ::sigprocmask(SIG_BLOCK, &mask, &old_mask);
  struct RestoreMask {
    sigset_t m;
    ~RestoreMask() { ::sigprocmask(SIG_SETMASK, &m, nullptr); }
  } restore{old_mask};

  std::vector<std::optional<Active>> slots(workers);
  size_t next = 0, completed = 0;
  double last_heartbeat = elapsed();
  const pid_t self = ::getpid();

  auto progress = [&](const std::string& line) {
    size_t running = 0;
    for (const auto& s : slots) running += s.has_value();
    double el = elapsed();
    size_t left = to_run - completed;
    std::string eta = completed ? hms(el / completed * left) : "?";
    log << fmt::format("[{}/{}] {} | done {}, failed {}, killed {}, running {}, queued {} | elapsed {}, ETA {}\n",
                       completed, to_run, line, sum.finished, sum.failed, sum.killed, running,
                       to_run - next, hms(el), eta)
        << std::flush;
  };

  auto launch = [&](int slot, size_t i) {
    const PlannedJob& p = jobs[i];
    int64_t run = reg.run_ids[i];
    Launch l;
    l.argv = opt.job_cmd;
    for (const char* a : {"--db"}) l.argv.push_back(a);
    l.argv.push_back(db_abs);
    l.argv.push_back("--run-id");
    l.argv.push_back(std::to_string(run));
    if (!conf_abs.empty()) {
      l.argv.push_back("--conf");
      l.argv.push_back(conf_abs);
    }
    for (const auto& o : p.job.overrides) l.argv.push_back(o);
    l.out_path = (fs::path(opt.log_dir) / fmt::format("run-{}.out", run)).string();
    l.err_path = (fs::path(opt.log_dir) / fmt::format("run-{}.err", run)).string();
    std::string t = std::to_string(threads);
    l.env = {{"SWEPO_DB", db_abs},          {"SWEPO_RUN_ID", std::to_string(run)},
             {"SWEPO_SWEEP", spec.name},    {"SWEPO_JOB", std::to_string(p.job.number)},
             {"SWEPO_THREADS", t},          {"OMP_NUM_THREADS", t},
             {"MKL_NUM_THREADS", t}};
    std::string device = "cpu";
    if (!gpus.empty()) {
      const std::string& g = gpus[slot % gpus.size()];
      l.env.push_back({"CUDA_VISIBLE_DEVICES", g});
      device = "gpu " + g;
    }
    // RUNNING before the child exists, so the child never races the runner's bookkeeping.
    try {
      run_launch(store, run, 0, device, prov);
    } catch (const StoreError& e) {  // e.g. another runner finished it meanwhile
      log << fmt::format("job {} (run {}): not started: {}\n", p.job.number, run, e.what());
      ++completed;
      ++sum.elsewhere;
      return;
    }
    pid_t pid = spawn(l, old_mask, self);
    {
      Stmt u(store.db(), "UPDATE runs SET pid = ? WHERE id = ?");
      u.bind(1, static_cast<int64_t>(pid)).bind(2, run).run();
    }
    slots[slot] = Active{i, run, pid, elapsed(), l.out_path, l.err_path};
  };

  int interrupted = 0;
  double interrupt_time = 0;

  auto finish_job = [&](int slot, int status) {
    Active a = *slots[slot];
    slots[slot].reset();
    ::kill(-a.pid, SIGKILL);  // stragglers of the job's process group
    ++completed;
    const PlannedJob& p = jobs[a.job];
    auto row = store.run_get(a.run);
    std::string st = row ? row->status : "";
    std::string how = describe_status(status);
    double secs = elapsed() - a.started;
    std::string line;
    if (st == kRunFinished) {
      ++sum.finished;
      line = fmt::format("job {} FINISHED in {} (run {})", p.job.number, hms(secs), a.run);
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) line += " [then " + how + "]";
    } else if (interrupted) {
      run_kill(store, a.run, "interrupted by " + signal_name(interrupted) + " (" + how + ")");
      ++sum.killed;
      line = fmt::format("job {} KILLED (run {}): interrupted", p.job.number, a.run);
    } else if (a.timed_out) {
      std::string tail = file_tail(a.err_path);
      run_fail(store, a.run, fmt::format("timed out after {:.0f} s (job timeout); {}{}", opt.job_timeout_s, how,
                                         tail.empty() ? "" : "\n--- stderr tail ---\n" + tail));
      ++sum.failed;
      line = fmt::format("job {} FAILED (run {}): timed out after {}", p.job.number, a.run, hms(secs));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && st == kRunRunning) {
      run_finish(store, a.run, {});
      ++sum.finished;
      line = fmt::format("job {} FINISHED in {} (run {}; recorded by the runner)", p.job.number, hms(secs), a.run);
    } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
      run_kill(store, a.run, how + " (out of memory or killed externally); rerun on resume");
      ++sum.killed;
      line = fmt::format("job {} KILLED (run {}): {}", p.job.number, a.run, how);
    } else {
      std::string tail = file_tail(a.err_path);
      std::string err = (st == kRunFailed && row && !row->error.empty()) ? row->error + " (" + how + ")" : how;
      if (!tail.empty()) err += "\n--- stderr tail ---\n" + tail;
      run_fail(store, a.run, err);
      ++sum.failed;
      std::string first = tail.empty() ? "" : ": " + trim(tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1));
      line = fmt::format("job {} FAILED (run {}): {}{}", p.job.number, a.run, how, first);
    }
    run_add_artifacts(store, a.run, {{"stdout", a.out_path, ""}, {"stderr", a.err_path, ""}});
    progress(line);
  };

  while (true) {
    if (!interrupted)
      for (int s = 0; s < workers && next < queue.size(); ++s)
        if (!slots[s]) launch(s, queue[next++]);
    bool any = std::any_of(slots.begin(), slots.end(), [](const auto& s) { return s.has_value(); });
    if (!any) break;

    timespec ts{0, 100 * 1000 * 1000};
    siginfo_t info;
    int sig = ::sigtimedwait(&mask, &info, &ts);
    if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
      if (!interrupted) {
        interrupted = sig;
        interrupt_time = elapsed();
        log << fmt::format("{}: stopping {} running job(s) (again to kill at once)\n", signal_name(sig),
                           std::count_if(slots.begin(), slots.end(), [](const auto& s) { return s.has_value(); }))
            << std::flush;
        for (auto& s : slots)
          if (s) {
            ::kill(-s->pid, SIGTERM);
            s->term_sent = true;
          }
      } else {
        for (auto& s : slots)
          if (s && !s->kill_sent) {
            ::kill(-s->pid, SIGKILL);
            s->kill_sent = true;
          }
      }
    }
    // Reap whatever exited (only our own children, by pid).
    for (int s = 0; s < workers; ++s) {
      if (!slots[s]) continue;
      int status = 0;
      pid_t r = ::waitpid(slots[s]->pid, &status, WNOHANG);
      if (r == slots[s]->pid) finish_job(s, status);
    }
    double el = elapsed();
    for (auto& s : slots) {
      if (!s) continue;
      if (opt.job_timeout_s > 0 && !s->timed_out && el - s->started > opt.job_timeout_s) {
        s->timed_out = true;
        ::kill(-s->pid, SIGKILL);
        s->kill_sent = true;
      }
      if (interrupted && !s->kill_sent && el - interrupt_time > opt.kill_grace_s) {
        ::kill(-s->pid, SIGKILL);
        s->kill_sent = true;
      }
    }
    if (el - last_heartbeat >= opt.heartbeat_s) {
      std::vector<int64_t> ids;
      for (const auto& s : slots)
        if (s) ids.push_back(s->run);
      run_heartbeat_many(store, ids);
      last_heartbeat = el;
    }
  }
  sum.interrupted_by = interrupted;
  sum.seconds = elapsed();
  log << fmt::format("sweep '{}' {}: {} jobs: {} finished ({} before, {} now), {} failed, {} killed{} in {}\n",
                     spec.name, interrupted ? "interrupted" : "done", sum.total, sum.skipped_finished + sum.finished,
                     sum.skipped_finished, sum.finished, sum.failed, sum.killed,
                     sum.elsewhere ? fmt::format(", {} running elsewhere", sum.elsewhere) : "", hms(sum.seconds));
  if (sum.failed) log << "failed jobs: see `swepo runs --db " << store.path() << " --sweep " << spec.name
                      << " --status FAILED`; rerun them with --retry-failed\n";
  if (sum.killed && !interrupted) log << "killed jobs rerun when the same command is run again\n";
  return sum;
}

}  // namespace swepo
