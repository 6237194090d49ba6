// The results store and the sweep runner: metric inserts per second (batched vs one transaction
// per row) and the runner's overhead per job with a no-op job (/bin/true, and the test job that
// records a run through the store like `swepo run` when it was built).
// Run: build/bench/bench_store   (the database lives in $TMPDIR; figures go in sweeps/README.md).
#include <filesystem>
#include <sstream>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include "core/store/store_run.h"
#include "sweeps/sweep_runner.h"

namespace {

namespace fs = std::filesystem;

struct BenchDir {
  fs::path dir;
  BenchDir() {
    dir = fs::temp_directory_path() / ("swepo-bench-store-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~BenchDir() { fs::remove_all(dir); }
  std::string db() const { return (dir / "bench.db").string(); }
};

int64_t new_run(swepo::Store& store, const std::string& tag) {
  static int n = 0;
  swepo::RunSpec s;
  s.config_yaml = "{}";
  s.config_hash = tag + std::to_string(n++);
  int64_t id = swepo::run_register(store, s);
  swepo::run_start(store, id, {});
  return id;
}

// One metric row per iteration through MetricsWriter with `batch_rows` rows per transaction.
void BM_MetricsBatched(benchmark::State& state) {
  BenchDir d;
  swepo::Store store(d.db());
  int64_t run = new_run(store, "batched");
  int64_t step = 0;
  {
    swepo::MetricsWriter w(store, run, static_cast<size_t>(state.range(0)), 1e9);
    for (auto _ : state) w.log(step++, "loss", 0.5);
    w.flush();
  }
  state.SetItemsProcessed(step);
}
BENCHMARK(BM_MetricsBatched)->Arg(1)->Arg(16)->Arg(256)->Arg(4096)->Unit(benchmark::kMicrosecond);

// run_log_metrics: one transaction per call, one row per call (the unbatched API).
void BM_MetricsSingleCall(benchmark::State& state) {
  BenchDir d;
  swepo::Store store(d.db());
  int64_t run = new_run(store, "single");
  int64_t step = 0;
  for (auto _ : state) swepo::run_log_metrics(store, run, step++, {{"loss", 0.5}});
  state.SetItemsProcessed(step);
}
BENCHMARK(BM_MetricsSingleCall)->Unit(benchmark::kMicrosecond);

// A sweep of 16 jobs of `cmd` per iteration with range(0) workers; items = jobs.
void runner_overhead(benchmark::State& state, const std::vector<std::string>& cmd) {
  BenchDir d;
  swepo::Store store(d.db());
  constexpr int kJobs = 16;
  int iteration = 0;
  for (auto _ : state) {
    swepo::SweepSpec spec;
    spec.name = "bench" + std::to_string(iteration);
    spec.file = "bench";
    std::vector<swepo::PlannedJob> jobs;
    for (int j = 0; j < kJobs; ++j) {
      swepo::PlannedJob p;
      p.job.number = j;
      p.job.overrides = {"seed=" + std::to_string(j)};
      p.spec.config_yaml = "seed: " + std::to_string(j) + "\n";
      p.spec.overrides = p.job.overrides;
      p.spec.config_hash = "bench-" + std::to_string(iteration);
      p.spec.seed = j;
      p.spec.params = {{"seed", std::to_string(j)}};
      jobs.push_back(p);
    }
    std::ostringstream log;
    swepo::SweepRunOptions opt;
    opt.jobs = static_cast<int>(state.range(0));
    opt.job_cmd = cmd;
    opt.log = &log;
    auto s = swepo::sweep_run(store, spec, jobs, opt);
    if (s.finished != kJobs) state.SkipWithError(("jobs did not finish:\n" + log.str()).c_str());
    ++iteration;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kJobs);
}

void BM_RunnerNoopJob(benchmark::State& state) { runner_overhead(state, {"/bin/true"}); }
BENCHMARK(BM_RunnerNoopJob)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

#ifdef SWEEP_TEST_JOB
// The test job with job.mode=ok and 3 steps: run_start, 6 metric rows, run_finish with one eval.
void BM_RunnerRecordingJob(benchmark::State& state) { runner_overhead(state, {SWEEP_TEST_JOB}); }
BENCHMARK(BM_RunnerRecordingJob)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace

BENCHMARK_MAIN();
