#include "sweeps/sweep_runner.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>
#include <utility>

#include <unistd.h>

#include <fmt/core.h>

#include "core/store/store_run.h"
#include "core/store/store_url.h"
#include "core/util/cores.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"
#include "sweeps/sweep_process.h"

namespace swepo {
namespace fs = std::filesystem;

// ---- decisions ----------------------------------------------------------------------------------

namespace {

// True when the run's process was on this host and no longer exists (or is a zombie).
bool process_gone_here(const RunRow& r) {
  if (!r.pid || *r.pid <= 0 || r.host != provenance_host()) return false;
  return process_gone(*r.pid);
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

std::string sweep_default_log_dir(const std::string& store_location, const std::string& sweep) {
  fs::path base = store_is_url(store_location) ? fs::absolute(kStoreDefaultPath).parent_path()
                                               : fs::absolute(store_location).parent_path();
  return (base / "logs" / sweep).string();
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
//
// sweep_run() reads top to bottom: register, decide what runs, share out the machine, then loop:
// launch into free slots, wait for a signal or a child (100 ms), finish what exited, enforce the
// time limits, refresh heartbeats. Process plumbing is in sweep_process.h.

namespace {

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

std::string hms(double s) {
  if (s < 0 || s > 1e8) return "?";
  if (s < 60) return fmt::format("{:.1f}s", s);
  long t = static_cast<long>(s + 0.5);
  if (t < 3600) return fmt::format("{}m{:02d}s", t / 60, static_cast<int>(t % 60));
  return fmt::format("{}h{:02d}m", t / 3600, static_cast<int>((t / 60) % 60));
}

// A job running in a worker slot.
struct Active {
  size_t job = 0;  // index into jobs
  int64_t run = 0;
  pid_t pid = -1;
  double started = 0;
  std::string out_path, err_path;
  bool timed_out = false;
  bool term_sent = false, kill_sent = false;
};

// What one sweep_run() call shares among its steps.
struct SweepRun {
  SweepRun(Store& store_, const SweepSpec& spec_, const std::vector<PlannedJob>& jobs_, SweepRunOptions opt_,
           std::ostream& log_)
      : store(store_), spec(spec_), jobs(jobs_), opt(std::move(opt_)), log(log_),
        db_abs(store_location_absolute(store.path())),
        conf_abs(opt.conf_dir.empty() ? "" : fs::absolute(opt.conf_dir).string()) {}

  Store& store;
  const SweepSpec& spec;
  const std::vector<PlannedJob>& jobs;
  SweepRunOptions opt;       // resolved: job_cmd and log_dir filled in
  std::ostream& log;
  std::string db_abs, conf_abs;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

  SweepRegistration reg;
  std::vector<size_t> queue;  // indices into jobs, in launch order
  size_t next = 0, completed = 0;
  int threads = 1;            // CPU threads per job
  std::vector<std::string> gpus;
  Provenance prov;
  std::vector<std::optional<Active>> slots;  // one per worker
  SweepRunSummary sum;
  int interrupted = 0;        // the first SIGINT/SIGTERM/SIGHUP/SIGUSR1, 0 if none
  double interrupt_time = 0;

  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
  size_t running() const {
    return static_cast<size_t>(std::count_if(slots.begin(), slots.end(), [](const auto& s) { return s.has_value(); }));
  }
};

SweepRunOptions resolve_options(const SweepRunOptions& in, Store& store, const SweepSpec& spec) {
  SweepRunOptions opt = in;
  if (opt.jobs < 1) throw UserError("--jobs must be at least 1, got " + std::to_string(opt.jobs));
  if (opt.job_cmd.empty()) opt.job_cmd = {process_self_exe(), "run"};
  if (opt.log_dir.empty())
    opt.log_dir = sweep_default_log_dir(store.path(), spec.name);
  make_dirs(opt.log_dir);
  return opt;
}

// Decide: the jobs that run now, in order; counts and reports the ones skipped.
std::vector<size_t> jobs_decide(SweepRun& r) {
  std::vector<size_t> queue;
  double now = store_now();
  for (size_t i = 0; i < r.jobs.size(); ++i) {
    std::string why;
    const int64_t run = r.reg.run_ids[i];
    const int64_t number = r.jobs[i].job.number;
    switch (sweep_action(r.store.run_get(run), r.opt, now, &why)) {
      case SweepAction::Run: queue.push_back(i); break;
      case SweepAction::Rerun:
        r.log << fmt::format("job {} (run {}): {}\n", number, run, why);
        queue.push_back(i);
        break;
      case SweepAction::SkipFinished: ++r.sum.skipped_finished; break;
      case SweepAction::SkipFailed:
        ++r.sum.failed;
        r.log << fmt::format("job {} (run {}): FAILED before; not rerun without --retry-failed\n", number, run);
        break;
      case SweepAction::SkipRunningElsewhere:
        ++r.sum.elsewhere;
        r.log << fmt::format("job {} (run {}): {}\n", number, run, why);
        break;
    }
  }
  return queue;
}

// Resources per worker slot: the slots themselves, CPU threads each, the GPUs to share out.
void workers_setup(SweepRun& r) {
  const size_t to_run = r.queue.size();
  int workers = static_cast<int>(std::max<size_t>(1, std::min<size_t>(r.opt.jobs, to_run)));
  const int threads_total = r.opt.threads_total > 0 ? r.opt.threads_total : available_cores();
  r.threads = std::max(1, threads_total / workers);
  r.log << fmt::format("sweep: {} worker(s) x {} thread(s) each ({} {}; --threads N to change)\n", workers,
                       r.threads, threads_total, r.opt.threads_total > 0 ? "threads from --threads" : "cores available")
        << std::flush;
  r.gpus = sweep_detect_gpus();
  if (!r.gpus.empty() && workers > static_cast<int>(r.gpus.size()))
    r.log << fmt::format("note: {} workers share {} GPU(s)\n", workers, r.gpus.size());
  r.slots.resize(workers);
}

void progress(SweepRun& r, const std::string& line) {
  const size_t to_run = r.queue.size();
  double el = r.elapsed();
  size_t left = to_run - r.completed;
  std::string eta = r.completed ? hms(el / r.completed * left) : "?";
  r.log << fmt::format("[{}/{}] {} | done {}, failed {}, killed {}, running {}, queued {} | elapsed {}, ETA {}\n",
                       r.completed, to_run, line, r.sum.finished, r.sum.failed, r.sum.killed, r.running(),
                       to_run - r.next, hms(el), eta)
        << std::flush;
}

// The job's command line, environment and log files (see sweep_runner.h).
ProcessLaunch job_command(const SweepRun& r, int slot, const PlannedJob& p, int64_t run, std::string* device) {
  ProcessLaunch l;
  l.argv = r.opt.job_cmd;
  l.argv.push_back("--db");
  l.argv.push_back(r.db_abs);
  l.argv.push_back("--run-id");
  l.argv.push_back(std::to_string(run));
  if (!r.conf_abs.empty()) {
    l.argv.push_back("--conf");
    l.argv.push_back(r.conf_abs);
  }
  for (const auto& o : p.job.overrides) l.argv.push_back(o);
  l.out_path = (fs::path(r.opt.log_dir) / fmt::format("run-{}.out", run)).string();
  l.err_path = (fs::path(r.opt.log_dir) / fmt::format("run-{}.err", run)).string();
  std::string t = std::to_string(r.threads);
  l.env = {{"SWEPO_DB", r.db_abs},       {"SWEPO_RUN_ID", std::to_string(run)},
           {"SWEPO_SWEEP", r.spec.name}, {"SWEPO_JOB", std::to_string(p.job.number)},
           {"SWEPO_THREADS", t},         {"OMP_NUM_THREADS", t},
           {"MKL_NUM_THREADS", t}};
  *device = "cpu";
  if (!r.gpus.empty()) {
    const std::string& g = r.gpus[slot % r.gpus.size()];
    l.env.push_back({"CUDA_VISIBLE_DEVICES", g});
    *device = "gpu " + g;
  }
  return l;
}

// Launch: jobs[i] into the free `slot`, RUNNING in the store before its process exists (so the
// child never races the runner's bookkeeping).
void job_launch(SweepRun& r, const ProcessSignals& signals, int slot, size_t i) {
  const PlannedJob& p = r.jobs[i];
  const int64_t run = r.reg.run_ids[i];
  std::string device;
  ProcessLaunch l = job_command(r, slot, p, run, &device);
  try {
    // Until the child's pid is recorded the row carries the runner's own: a runner killed in
    // between leaves a run whose process is gone (rerun at once by the next resume), not one that
    // looks alive until its heartbeat goes stale (found by tests/apps/test_chaos.cpp).
    run_launch(r.store, run, static_cast<int64_t>(::getpid()), device, r.prov);
  } catch (const StoreError& e) {  // e.g. another runner finished it meanwhile
    r.log << fmt::format("job {} (run {}): not started: {}\n", p.job.number, run, e.what());
    ++r.completed;
    ++r.sum.elsewhere;
    return;
  }
  pid_t pid = signals.spawn(l);
  run_set_pid(r.store, run, pid);
  r.slots[slot] = Active{i, run, pid, r.elapsed(), l.out_path, l.err_path};
}

// Records how the job ended in the store and the summary; returns its progress line.
std::string job_record_outcome(SweepRun& r, const Active& a, int status) {
  const PlannedJob& p = r.jobs[a.job];
  auto row = r.store.run_get(a.run);
  std::string st = row ? row->status : "";
  std::string how = process_describe_status(status);
  double secs = r.elapsed() - a.started;
  if (st == kRunFinished) {
    ++r.sum.finished;
    std::string line = fmt::format("job {} FINISHED in {} (run {})", p.job.number, hms(secs), a.run);
    if (!process_exited_ok(status)) line += " [then " + how + "]";
    return line;
  }
  if (r.interrupted) {
    run_kill(r.store, a.run, "interrupted by " + process_signal_name(r.interrupted) + " (" + how + ")");
    ++r.sum.killed;
    return fmt::format("job {} KILLED (run {}): interrupted", p.job.number, a.run);
  }
  if (a.timed_out) {
    std::string tail = file_tail(a.err_path);
    run_fail(r.store, a.run, fmt::format("timed out after {:.0f} s (job timeout); {}{}", r.opt.job_timeout_s, how,
                                         tail.empty() ? "" : "\n--- stderr tail ---\n" + tail));
    ++r.sum.failed;
    return fmt::format("job {} FAILED (run {}): timed out after {}", p.job.number, a.run, hms(secs));
  }
  if (process_exited_ok(status) && st == kRunRunning) {
    run_finish(r.store, a.run, {});
    ++r.sum.finished;
    return fmt::format("job {} FINISHED in {} (run {}; recorded by the runner)", p.job.number, hms(secs), a.run);
  }
  if (process_killed_by(status, SIGKILL)) {
    run_kill(r.store, a.run, how + " (out of memory or killed externally); rerun on resume");
    ++r.sum.killed;
    return fmt::format("job {} KILLED (run {}): {}", p.job.number, a.run, how);
  }
  std::string tail = file_tail(a.err_path);
  std::string err = (st == kRunFailed && row && !row->error.empty()) ? row->error + " (" + how + ")" : how;
  if (!tail.empty()) err += "\n--- stderr tail ---\n" + tail;
  run_fail(r.store, a.run, err);
  ++r.sum.failed;
  std::string first =
      tail.empty() ? "" : ": " + trim(tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1));
  return fmt::format("job {} FAILED (run {}): {}{}", p.job.number, a.run, how, first);
}

// Finish: the job in `slot` exited with `status`; free the slot, record the outcome and logs.
void job_finish(SweepRun& r, int slot, int status) {
  Active a = *r.slots[slot];
  r.slots[slot].reset();
  process_group_kill(a.pid);  // stragglers of the job's process group
  ++r.completed;
  std::string line = job_record_outcome(r, a, status);
  run_add_artifacts(r.store, a.run, {{"stdout", a.out_path, ""}, {"stderr", a.err_path, ""}});
  progress(r, line);
}

// SIGINT/SIGTERM/SIGHUP/SIGUSR1: the first stops launching and sends SIGTERM, the next SIGKILL.
void jobs_interrupt(SweepRun& r, int sig) {
  if (!r.interrupted) {
    r.interrupted = sig;
    r.interrupt_time = r.elapsed();
    r.log << fmt::format("{}: stopping {} running job(s) (again to kill at once)\n", process_signal_name(sig),
                         r.running())
          << std::flush;
    for (auto& s : r.slots)
      if (s) {
        process_group_terminate(s->pid);
        s->term_sent = true;
      }
    return;
  }
  for (auto& s : r.slots)
    if (s && !s->kill_sent) {
      process_group_kill(s->pid);
      s->kill_sent = true;
    }
}

// Reaps whatever exited (only our own children, by pid).
void jobs_reap(SweepRun& r) {
  for (int s = 0; s < static_cast<int>(r.slots.size()); ++s) {
    if (!r.slots[s]) continue;
    int status = 0;
    if (process_reap(r.slots[s]->pid, &status)) job_finish(r, s, status);
  }
}

// SIGKILL for a job past --job-timeout, and for every job kill_grace_s after an interrupt.
void jobs_enforce_limits(SweepRun& r, double el) {
  for (auto& s : r.slots) {
    if (!s) continue;
    if (r.opt.job_timeout_s > 0 && !s->timed_out && el - s->started > r.opt.job_timeout_s) {
      s->timed_out = true;
      process_group_kill(s->pid);
      s->kill_sent = true;
    }
    if (r.interrupted && !s->kill_sent && el - r.interrupt_time > r.opt.kill_grace_s) {
      process_group_kill(s->pid);
      s->kill_sent = true;
    }
  }
}

void jobs_heartbeat(SweepRun& r) {
  std::vector<int64_t> ids;
  for (const auto& s : r.slots)
    if (s) ids.push_back(s->run);
  run_heartbeat_many(r.store, ids);
}

void log_summary(SweepRun& r) {
  const SweepRunSummary& sum = r.sum;
  r.log << fmt::format("sweep '{}' {}: {} jobs: {} finished ({} before, {} now), {} failed, {} killed{} in {}\n",
                       r.spec.name, r.interrupted ? "interrupted" : "done", sum.total,
                       sum.skipped_finished + sum.finished, sum.skipped_finished, sum.finished, sum.failed,
                       sum.killed, sum.elsewhere ? fmt::format(", {} running elsewhere", sum.elsewhere) : "",
                       hms(sum.seconds));
  if (sum.failed) r.log << "failed jobs: see `swepo runs --db " << r.store.path() << " --sweep " << r.spec.name
                        << " --status FAILED`; rerun them with --retry-failed\n";
  if (sum.killed && !r.interrupted) r.log << "killed jobs rerun when the same command is run again\n";
}

}  // namespace

SweepRunSummary sweep_run(Store& store, const SweepSpec& spec, const std::vector<PlannedJob>& jobs,
                          const SweepRunOptions& opt_in) {
  SweepRun r(store, spec, jobs, resolve_options(opt_in, store, spec), opt_in.log ? *opt_in.log : std::cerr);
  r.sum.total = static_cast<int>(jobs.size());

  r.reg = sweep_register(store, spec, jobs);
  for (const auto& c : r.reg.changes) r.log << "sweep '" << spec.name << "' changed since its last run: " << c << "\n";
  r.queue = jobs_decide(r);
  r.log << fmt::format("sweep '{}': {} jobs, {} finished before, {} to run with {} worker(s)\n", spec.name,
                       jobs.size(), r.sum.skipped_finished, r.queue.size(), r.opt.jobs);
  workers_setup(r);
  r.prov = provenance_collect();  // before any child exists (it may run git)

  ProcessSignals signals;  // blocked from here on, taken synchronously below; restored on return
  double last_heartbeat = r.elapsed();
  while (true) {
    if (!r.interrupted)
      for (int s = 0; s < static_cast<int>(r.slots.size()) && r.next < r.queue.size(); ++s)
        if (!r.slots[s]) job_launch(r, signals, s, r.queue[r.next++]);
    if (r.running() == 0) break;

    if (int sig = signals.wait_interrupt(0.1)) jobs_interrupt(r, sig);
    jobs_reap(r);
    double el = r.elapsed();
    jobs_enforce_limits(r, el);
    if (el - last_heartbeat >= r.opt.heartbeat_s) {
      jobs_heartbeat(r);
      last_heartbeat = el;
    }
  }
  r.sum.interrupted_by = r.interrupted;
  r.sum.seconds = r.elapsed();
  log_summary(r);
  return r.sum;
}

}  // namespace swepo
