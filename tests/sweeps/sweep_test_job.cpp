// A stand-in for `swepo run` used by the sweep tests and bench_store: records a run through the
// store API exactly as the real job does, and misbehaves on request (config key job.mode).
//
//   sweep_test_job --db DB --run-id ID [--conf DIR] key=value...
//
// With job.checkpoint_dir=DIR it follows the preemption protocol of sweeps/sweep_task.h: on
// SIGTERM or SIGUSR1 it finishes the current step, writes DIR/run-ID.ckpt (the next step), marks
// the run KILLED and exits 128 + signal; started again it resumes at the checkpoint's step (and
// drops metrics logged after it). Each step logs `pid` (its process id), so a test can tell
// which attempt logged which step. job.count_file lines: "run ID pid PID start STEP".
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>
#include <unistd.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "tests/sweeps/job_args.h"

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int sig) { g_stop = sig; }

}  // namespace

int main(int argc, char** argv) {
  rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);  // the crash modes must not leave core files behind
  swepo::test::JobArgs args = swepo::test::parse_job_args(
      argc, argv, {{"job.mode", "ok"}, {"job.steps", "3"}, {"job.sleep_ms", "0"}, {"seed", "0"}});
  const std::string db = args.db;
  const int64_t run = args.run;
  auto& ov = args.overrides;
  const std::string mode = ov["job.mode"];
  const std::string ckpt_dir = ov.count("job.checkpoint_dir") ? ov["job.checkpoint_dir"] : "";
  const std::string ckpt = ckpt_dir.empty() ? "" : ckpt_dir + "/run-" + std::to_string(run) + ".ckpt";
  int start = 0;
  if (!ckpt.empty()) {
    std::signal(SIGTERM, on_stop);
    std::signal(SIGUSR1, on_stop);
    std::ifstream in(ckpt);
    if (!(in >> start)) start = 0;
  }
  if (ov.count("job.count_file") && !ov["job.count_file"].empty()) {
    std::ofstream(ov["job.count_file"], std::ios::app) << "run " << run << " pid " << ::getpid() << " start "
                                                       << start << "\n";
  }
  if (mode == "noop") return 0;
  if (mode == "exit3") {
    std::cerr << "exiting with code 3 on purpose\n";
    return 3;
  }
  std::string marker = ov.count("job.marker") ? ov["job.marker"] : "";
  bool first_time = !marker.empty() && !std::ifstream(marker).good();
  if (first_time) std::ofstream(marker) << "seen\n";

  swepo::Store store(db);
  swepo::run_start(store, run, swepo::provenance_collect("cpu", "none"));
  try {
    int steps = std::stoi(ov["job.steps"]);
    int sleep_ms = std::stoi(ov["job.sleep_ms"]);
    const char* threads = std::getenv("SWEPO_THREADS");
    if (start > 0) swepo::run_truncate_metrics(store, run, start);  // redo what came after the checkpoint
    swepo::MetricsWriter w(store, run, 64, 1.0);
    for (int s = start; s < steps; ++s) {
      // loss = 1 / (s + 1): 1, 0.5, 0.333..., so first 1, last 1/steps, min 1/steps, max 1.
      w.log(s, {{"loss", 1.0 / (s + 1)}, {"threads", threads ? std::atof(threads) : -1.0}});
      if (!ckpt.empty()) w.log(s, "pid", static_cast<double>(::getpid()));
      if (ov["job.log_gpu"] == "true") {
        const char* gpu = std::getenv("CUDA_VISIBLE_DEVICES");
        w.log(s, "gpu", gpu ? std::atof(gpu) : -1.0);
      }
      if (sleep_ms) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
      if (g_stop) {  // preempted: checkpoint (the next step) and stop
        int sig = g_stop;
        std::ofstream(ckpt) << s + 1 << "\n";
        w.flush();
        swepo::run_kill(store, run, (sig == SIGUSR1 ? "SIGUSR1" : "SIGTERM") + std::string(": checkpointed at step ") +
                                        std::to_string(s + 1) + "; a rerun resumes there");
        std::cerr << "stopped by signal " << sig << " after step " << s << "\n";
        return 128 + sig;
      }
      if (s == steps / 2) {
        if (mode == "sigkill" || (mode == "sigkill_first" && first_time)) {
          w.flush();
          std::raise(SIGKILL);
        }
        if (mode == "crash") throw std::logic_error("deliberate crash in step " + std::to_string(s));
        if (mode == "abort") std::abort();
        if (mode == "segv") std::raise(SIGSEGV);
      }
    }
    w.flush();
    if (mode == "hang" || (mode == "hang_first" && first_time))
      while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
    if (mode == "fail" || (mode == "fail_first" && first_time))
      throw std::runtime_error("deliberate failure (job.mode=" + mode + ")");
    // score = 10 * seed + steps, so tests can tell the runs apart.
    double score = 10.0 * std::stod(ov["seed"]) + steps;
    swepo::run_finish(store, run, {{"test", "score", score, 0.5, 100, "greedy"}},
                      {{"checkpoint", "/dev/null", ""}});
  } catch (const std::runtime_error& e) {  // what `swepo run` does with an error
    std::cerr << "error: " << e.what() << "\n";
    swepo::run_fail(store, run, e.what());
    return 1;
  }
  return 0;
}
