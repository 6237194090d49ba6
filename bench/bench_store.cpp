// The results store and the sweep runner: metric inserts per second (batched vs one transaction
// per row), the runner's overhead per job with a no-op job (/bin/true, and the test job that
// records a run through the store like `swepo run` when it was built), and jobs claimed per
// second by 4 concurrent launcher processes (run_claim_next) with the duplicates counted, on
// SQLite and, when SWEPO_TEST_PG_URL names a server, PostgreSQL (a fresh database, dropped after).
// Run: build/bench/bench_store   (the database lives in $TMPDIR; figures go in sweeps/README.md).
#include <chrono>
#include <filesystem>
#include <map>
#include <sstream>

#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "core/store/store_url.h"
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

// 4 processes claim the jobs of one 2000-job sweep through run_claim_next until none is left;
// items = jobs claimed; counters: jobs/s over the whole drain, and duplicates (a job claimed by
// more than one process: must be 0).
void claim_race(benchmark::State& state, bool pg) {
  constexpr int kProcs = 4, kJobs = 2000;
  const char* server = std::getenv("SWEPO_TEST_PG_URL");
  if (pg && !server) {
    state.SkipWithError("SWEPO_TEST_PG_URL is not set (eval \"$(scripts/servers.sh start)\")");
    for (auto _ : state) {
    }
    return;
  }
  BenchDir d;
  double jobs_per_s = 0, dups = 0;
  int iteration = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string url = d.db() + std::to_string(iteration), dbname = "swepo_bench_" + std::to_string(::getpid()) +
                                                                   "_" + std::to_string(iteration);
    if (pg) {
      swepo::Db admin(server);
      admin.exec("CREATE DATABASE " + dbname);
      url = swepo::store_url_with_dbname(server, dbname);
    }
    int64_t sweep = 0;
    {
      swepo::Store store(url);
      sweep = store.sweep_upsert("race", "", "name: race");
      std::vector<std::pair<int64_t, int64_t>> jobs;
      swepo::Db& db = store.db();
      swepo::WriteTxn txn(db);  // one transaction: registration is not what is measured
      swepo::Stmt ins(db, "INSERT INTO runs (config, overrides, config_hash, seed, status, created) "
                          "VALUES ('{}', '[]', 'race', ?, 'SCHEDULED', 0)");
      for (int j = 0; j < kJobs; ++j) {
        ins.reset();
        ins.bind(1, static_cast<int64_t>(j)).run();
        jobs.emplace_back(j, db.last_insert_id());
      }
      txn.commit();
      store.sweep_set_jobs(sweep, jobs);
    }
    int out[2];
    if (::pipe(out) != 0) state.SkipWithError("pipe");
    state.ResumeTiming();
    auto t0 = std::chrono::steady_clock::now();
    std::vector<pid_t> pids;
    for (int p = 0; p < kProcs; ++p) {
      pid_t pid = ::fork();
      if (pid == 0) {
        ::close(out[0]);
        std::string got;
        try {
          swepo::Store store(url);
          swepo::ClaimOptions opt;
          opt.launcher = "bench " + std::to_string(p);
          while (auto id = swepo::run_claim_next(store, sweep, opt)) got += std::to_string(*id) + "\n";
        } catch (const std::exception& e) {
          ::_exit(1);
        }
        for (size_t off = 0; off < got.size();) {
          ssize_t w = ::write(out[1], got.data() + off, got.size() - off);
          if (w <= 0) break;
          off += static_cast<size_t>(w);
        }
        ::_exit(0);
      }
      pids.push_back(pid);
    }
    ::close(out[1]);
    std::string all;
    char buf[65536];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) all.append(buf, static_cast<size_t>(n));
    ::close(out[0]);
    bool ok = true;
    for (pid_t pid : pids) {
      int st = 0;
      ::waitpid(pid, &st, 0);
      ok = ok && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.PauseTiming();
    std::map<int64_t, int> times;
    std::istringstream in(all);
    for (int64_t id; in >> id;) ++times[id];
    int64_t claimed = 0, dup = 0;
    for (const auto& [id, n] : times) {
      claimed += n;
      dup += n - 1;
    }
    if (!ok || static_cast<int>(times.size()) != kJobs) state.SkipWithError("a claimer failed or jobs were left");
    jobs_per_s += claimed / secs;
    dups += static_cast<double>(dup);
    if (pg) {
      swepo::Db admin(server);
      admin.exec("DROP DATABASE IF EXISTS " + dbname + " WITH (FORCE)");
    }
    ++iteration;
    state.ResumeTiming();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kJobs);
  state.counters["jobs_per_s"] = jobs_per_s / std::max(1, iteration);
  state.counters["duplicates"] = dups;
}

void BM_Claim4LaunchersSqlite(benchmark::State& state) { claim_race(state, false); }
BENCHMARK(BM_Claim4LaunchersSqlite)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Claim4LaunchersPostgres(benchmark::State& state) { claim_race(state, true); }
BENCHMARK(BM_Claim4LaunchersPostgres)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
