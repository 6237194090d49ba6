#include "sweeps/sweep_task.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/core.h>
#include <unistd.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "core/util/cores.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "sweeps/sweep_process.h"

namespace swepo {
namespace fs = std::filesystem;

namespace {

std::string tail_of(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

double now_s() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int sweep_task_run(const SweepTaskOptions& opt) {
  std::ostream& log = opt.log ? *opt.log : std::cerr;
  Store store(opt.db);
  auto row = store.run_get(opt.run_id);
  if (!row) throw UserError("--run-id " + std::to_string(opt.run_id) + ": no such run in '" + opt.db + "'");

  ClaimOptions c;
  c.launcher = opt.launcher;
  c.pid = ::getpid();
  c.host = provenance_host();
  c.stale_after_s = opt.stale_after_s;
  c.retry_failed = opt.retry_failed;
  ClaimResult claim = run_claim(store, opt.run_id, c);
  if (claim != ClaimResult::Claimed) {
    log << fmt::format("run {} (job {}): {}; nothing to do\n", opt.run_id, row->job.value_or(-1),
                       claim_result_name(claim))
        << std::flush;
    return 0;
  }

  ProcessLaunch l;
  l.argv = opt.job_cmd.empty() ? std::vector<std::string>{process_self_exe(), "run"} : opt.job_cmd;
  for (const std::string& a : {std::string("--db"), opt.db, std::string("--run-id"), std::to_string(opt.run_id)})
    l.argv.push_back(a);
  if (!opt.conf_dir.empty()) {
    l.argv.push_back("--conf");
    l.argv.push_back(opt.conf_dir);
  }
  for (const auto& o : row->overrides) l.argv.push_back(o);
  std::string log_dir = opt.log_dir.empty() ? "." : opt.log_dir;
  make_dirs(log_dir);
  l.out_path = (fs::path(log_dir) / fmt::format("run-{}.out", opt.run_id)).string();
  l.err_path = (fs::path(log_dir) / fmt::format("run-{}.err", opt.run_id)).string();
  const char* cpus = std::getenv("SLURM_CPUS_PER_TASK");
  std::string threads = cpus && *cpus ? cpus : std::to_string(available_cores());
  l.env = {{"SWEPO_DB", opt.db},          {"SWEPO_RUN_ID", std::to_string(opt.run_id)},
           {"SWEPO_SWEEP", row->sweep},   {"SWEPO_JOB", std::to_string(row->job.value_or(-1))},
           {"SWEPO_THREADS", threads},    {"OMP_NUM_THREADS", threads},
           {"MKL_NUM_THREADS", threads}};

  ProcessSignals signals;
  pid_t pid = signals.spawn(l);
  run_set_pid(store, opt.run_id, pid);
  log << fmt::format("run {} (job {} of sweep '{}'): claimed by {}; running pid {}\n", opt.run_id,
                     row->job.value_or(-1), row->sweep, opt.launcher, pid)
      << std::flush;

  int got = 0, status = 0;
  double t_signal = 0, last_hb = now_s();
  bool killed = false;
  while (true) {
    if (int sig = signals.wait_interrupt(0.2)) {
      if (!got) {
        got = sig;
        t_signal = now_s();
        log << fmt::format("{}: forwarding it to the job (checkpoint and exit)\n", process_signal_name(sig))
            << std::flush;
      }
      process_group_signal(pid, sig == SIGUSR1 ? SIGUSR1 : SIGTERM);
    }
    if (process_reap(pid, &status)) {
      // The scheduler signals every process of the task: the job may have exited on its SIGTERM
      // before this loop took ours. Take a pending one now.
      if (int sig = signals.wait_interrupt(0.0); sig && !got) got = sig;
      break;
    }
    double t = now_s();
    if (got && !killed && t - t_signal > opt.kill_grace_s) {
      process_group_kill(pid);
      killed = true;
    }
    if (t - last_hb >= opt.heartbeat_s) {
      try {
        run_heartbeat(store, opt.run_id);
      } catch (const StoreError& e) {  // a store hiccup must not kill the job; the next beat retries
        log << "heartbeat: " << e.what() << "\n";
      }
      last_hb = t;
    }
  }
  process_group_kill(pid);  // stragglers of the job's process group
  run_add_artifacts(store, opt.run_id, {{"stdout", l.out_path, ""}, {"stderr", l.err_path, ""}});

  auto now_row = store.run_get(opt.run_id);
  std::string st = now_row ? now_row->status : "";
  std::string how = process_describe_status(status);
  int code = 0;
  if (st == kRunFinished) {
    log << fmt::format("run {} FINISHED ({})\n", opt.run_id, how);
  } else if (got || st == kRunKilled || process_killed_by(status, SIGTERM)) {
    if (!got) got = SIGTERM;
    if (st != kRunKilled)  // (else the job recorded its own stop, e.g. "checkpointed at step 7")
      run_kill(store, opt.run_id,
               fmt::format("stopped by {} from the scheduler (preempted, cancelled, requeued or at its time "
                           "limit); the job {}; resumes from its checkpoint when rerun",
                           process_signal_name(got), how));
    log << fmt::format("run {} KILLED: {} ({})\n", opt.run_id, process_signal_name(got), how);
    code = 128 + got;
    const char* job = std::getenv("SLURM_ARRAY_JOB_ID");
    const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
    if (got == SIGUSR1 && opt.requeue_on_usr1 && job && task) {
      std::string cmd = fmt::format("scontrol requeue {}_{}", job, task);
      log << "time limit: " << cmd << "\n";
      if (std::system(cmd.c_str()) != 0) log << "scontrol requeue failed; relaunch the sweep to resume\n";
    }
  } else if (process_exited_ok(status) && st == kRunRunning) {
    run_finish(store, opt.run_id, {});
    log << fmt::format("run {} FINISHED (recorded by the task)\n", opt.run_id);
  } else if (process_killed_by(status, SIGKILL)) {
    run_kill(store, opt.run_id, how + " (out of memory or killed externally); rerun on relaunch");
    log << fmt::format("run {} KILLED: {}\n", opt.run_id, how);
    code = 128 + SIGKILL;
  } else {
    std::string tail = tail_of(l.err_path);
    bool own = st == kRunFailed && now_row && !now_row->error.empty();  // the job's own run_fail message
    std::string err = own ? now_row->error + " (" + how + ")" : how;
    if (!tail.empty()) err += "\n--- stderr tail ---\n" + tail;
    run_fail(store, opt.run_id, err);
    log << fmt::format("run {} FAILED: {}\n", opt.run_id, how);
    code = 1;
  }
  log << std::flush;
  return code;
}

}  // namespace swepo
