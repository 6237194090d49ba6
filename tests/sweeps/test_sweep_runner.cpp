// The runner end to end with sweep_test_job standing in for `swepo run`: parallel jobs, crashes,
// resume, --retry-failed, SIGKILL (of a job and of the runner), Ctrl-C, timeouts.
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "core/store/store_run.h"
#include "core/util/cores.h"
#include "core/util/error.h"
#include "sweeps/sweep_runner.h"
#include "sweep_test_util.h"

namespace swepo {
namespace {

using test::TempDir;

struct Sweep {
  SweepSpec spec;
  std::vector<PlannedJob> jobs;
};

Sweep plan(const std::string& text) {
  Sweep s;
  s.spec = sweep_parse(text, "test.yaml", test::kConf);
  s.jobs = sweep_plan(s.spec, sweep_expand(s.spec), sweep_composer(test::kConf));
  return s;
}

SweepRunOptions options(std::ostream& log, int jobs = 2) {
  SweepRunOptions o;
  o.jobs = jobs;
  o.job_cmd = {test::kJob};
  o.conf_dir = test::kConf;
  o.threads_total = 4;
  o.log = &log;
  return o;
}

std::map<int64_t, RunRow> runs_by_job(Store& store, const std::string& sweep) {
  std::map<int64_t, RunRow> out;
  RunFilter f;
  f.sweep = sweep;
  for (auto& r : store.runs_list(f)) out[*r.job] = r;
  return out;
}

TEST(SweepRunner, RunsEveryJobOnceAndAResumeDoesNothing) {
  TempDir dir("once");
  std::string count = dir / "count";
  Sweep s = plan("name: once\noverrides: [job.count_file=" + count + "]\ngrid:\n  loss: dpo,ipo\nseeds: range(2)\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  SweepRunSummary a = sweep_run(store, s.spec, s.jobs, options(log));
  EXPECT_EQ(a.exit_code(), 0) << log.str();
  EXPECT_EQ(a.finished, 4);
  EXPECT_EQ(test::count_lines(count), 4);
  auto runs = runs_by_job(store, "once");
  ASSERT_EQ(runs.size(), 4u);
  for (auto& [job, r] : runs) {
    EXPECT_EQ(r.status, kRunFinished);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(r.seed, job % 2);  // seeds vary fastest: jobs 0..3 have seeds 0,1,0,1
    // The job logs loss = 1/(s+1) for s = 0, 1, 2 and score = 10 * seed + 3 steps.
    auto ms = store.run_metric_summary(r.id);
    ASSERT_EQ(ms.size(), 2u);
    EXPECT_EQ(ms[0].key, "loss");
    EXPECT_EQ(ms[0].count, 3);
    EXPECT_DOUBLE_EQ(ms[0].first, 1.0);
    EXPECT_DOUBLE_EQ(ms[0].last, 1.0 / 3);
    EXPECT_EQ(ms[1].key, "threads");
    EXPECT_DOUBLE_EQ(ms[1].max, 2.0);  // 4 threads / 2 workers
    auto ev = store.run_evals(r.id);
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_DOUBLE_EQ(ev[0].value, 10.0 * r.seed + 3);
    EXPECT_EQ(r.torch_version, "none");
    EXPECT_EQ(store.run_choices(r.id).at("loss"), job < 2 ? "dpo" : "ipo");
  }
  // Same command again: nothing runs, nothing changes.
  std::ostringstream log2;
  SweepRunSummary b = sweep_run(store, s.spec, s.jobs, options(log2));
  EXPECT_EQ(b.exit_code(), 0);
  EXPECT_EQ(b.finished, 0);
  EXPECT_EQ(b.skipped_finished, 4);
  EXPECT_EQ(test::count_lines(count), 4);
  for (auto& [job, r] : runs_by_job(store, "once")) EXPECT_EQ(r.attempts, 1);
}

// Threads per worker by default: max(1, cores this process may use / workers), printed at the
// start. The cores are the affinity mask's (and a cgroup quota's), not every online CPU: pinned to
// one CPU, one worker gets 1 thread although std::thread::hardware_concurrency() says more.
TEST(SweepRunner, WorkersShareTheAvailableCoresByDefault) {
  TempDir dir("threads");
  cpu_set_t all;
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  int first = 0;
  while (!CPU_ISSET(first, &all)) ++first;
  struct Case {
    bool pinned;
    int jobs;
  };
  for (const Case c : {Case{false, 1}, Case{false, 2}, Case{true, 1}}) {
    const std::string name = "threads" + std::to_string(c.pinned) + std::to_string(c.jobs);
    Sweep s = plan("name: " + name + "\ngrid:\n  loss: dpo,ipo\n");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    if (c.pinned) ASSERT_EQ(sched_setaffinity(0, sizeof one, &one), 0);
    const int cores = available_cores();
    Store store(dir / (name + ".db"));
    std::ostringstream log;
    SweepRunOptions o = options(log, c.jobs);
    o.threads_total = 0;  // the default
    SweepRunSummary sum = sweep_run(store, s.spec, s.jobs, o);
    sched_setaffinity(0, sizeof all, &all);
    EXPECT_EQ(sum.exit_code(), 0) << log.str();
    const int expect = std::max(1, cores / c.jobs);
    if (c.pinned) EXPECT_EQ(cores, 1);
    EXPECT_NE(log.str().find("sweep: " + std::to_string(c.jobs) + " worker(s) x " + std::to_string(expect) +
                             " thread(s) each (" + std::to_string(cores) + " cores available"),
              std::string::npos)
        << log.str();
    for (const auto& [job, r] : runs_by_job(store, name)) {
      auto ms = store.run_metric_summary(r.id);
      ASSERT_EQ(ms.size(), 2u);
      EXPECT_DOUBLE_EQ(ms[1].max, expect) << name << " job " << job;
    }
  }
}

TEST(SweepRunner, CrashesAreFailedWithTheirCauseAndTheSweepGoesOn) {
  TempDir dir("crash");
  std::string count = dir / "count";
  Sweep s = plan("name: crash\noverrides: [job.count_file=" + count +
                 "]\ngrid:\n  job.mode: ok,crash,abort,exit3,fail,segv\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  SweepRunSummary a = sweep_run(store, s.spec, s.jobs, options(log, 3));
  EXPECT_EQ(a.exit_code(), 1);
  EXPECT_EQ(a.finished, 1);
  EXPECT_EQ(a.failed, 5);
  auto runs = runs_by_job(store, "crash");
  EXPECT_EQ(runs[0].status, kRunFinished);
  for (int j = 1; j < 6; ++j) EXPECT_EQ(runs[j].status, kRunFailed) << j;
  auto has = [](const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; };
  EXPECT_TRUE(has(runs[1].error, "SIGABRT")) << runs[1].error;
  EXPECT_TRUE(has(runs[1].error, "deliberate crash in step 1")) << runs[1].error;  // stderr tail
  EXPECT_TRUE(has(runs[2].error, "SIGABRT")) << runs[2].error;
  EXPECT_TRUE(has(runs[3].error, "exit code 3")) << runs[3].error;
  EXPECT_TRUE(has(runs[3].error, "exiting with code 3 on purpose")) << runs[3].error;
  EXPECT_TRUE(has(runs[4].error, "deliberate failure (job.mode=fail) (exit code 1)")) << runs[4].error;
  EXPECT_TRUE(has(runs[5].error, "SIGSEGV")) << runs[5].error;
  EXPECT_TRUE(store.run_evals(runs[1].id).empty());  // no half-written results
  // A resume without --retry-failed reruns nothing and still reports the failures.
  std::ostringstream log2;
  SweepRunSummary b = sweep_run(store, s.spec, s.jobs, options(log2));
  EXPECT_EQ(b.failed, 5);
  EXPECT_EQ(b.exit_code(), 1);
  EXPECT_EQ(test::count_lines(count), 6);
}

TEST(SweepRunner, RetryFailedRerunsOnlyTheFailedJobs) {
  TempDir dir("retry");
  // Only job 1 has a marker: it fails the first time, then succeeds.
  Sweep s = plan("name: retry\nruns:\n  - [job.mode=ok]\n  - [job.mode=fail_first, job.marker=" + (dir / "m") + "]\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  EXPECT_EQ(sweep_run(store, s.spec, s.jobs, options(log)).exit_code(), 1);
  SweepRunOptions o = options(log);
  o.retry_failed = true;
  SweepRunSummary b = sweep_run(store, s.spec, s.jobs, o);
  EXPECT_EQ(b.exit_code(), 0) << log.str();
  EXPECT_EQ(b.finished, 1);
  auto runs = runs_by_job(store, "retry");
  EXPECT_EQ(runs[0].attempts, 1);
  EXPECT_EQ(runs[1].attempts, 2);
  EXPECT_EQ(runs[1].status, kRunFinished);
  EXPECT_EQ(runs[1].error, "");
  EXPECT_EQ(store.run_metric_summary(runs[1].id)[0].count, 3);  // only the last attempt's history
}

TEST(SweepRunner, JobKilledBySigkillIsRerunOnResume) {
  TempDir dir("sigkill");
  Sweep s = plan("name: k\noverrides: [job.mode=sigkill_first, job.marker=" + (dir / "m") + "]\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  SweepRunSummary a = sweep_run(store, s.spec, s.jobs, options(log));
  EXPECT_EQ(a.killed, 1);
  EXPECT_NE(a.exit_code(), 0);
  auto r = runs_by_job(store, "k")[0];
  EXPECT_EQ(r.status, kRunKilled);
  EXPECT_NE(r.error.find("SIGKILL"), std::string::npos) << r.error;
  SweepRunSummary b = sweep_run(store, s.spec, s.jobs, options(log));
  EXPECT_EQ(b.exit_code(), 0) << log.str();
  r = runs_by_job(store, "k")[0];
  EXPECT_EQ(r.status, kRunFinished);
  EXPECT_EQ(r.attempts, 2);
}

// Runs sweep_run in a forked runner process; returns its pid.
pid_t fork_runner(const Sweep& s, const std::string& db, const std::string& log_path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::ofstream log(log_path);
    int code = 1;
    try {
      Store store(db);
      code = sweep_run(store, s.spec, s.jobs, options(log)).exit_code();
    } catch (const std::exception& e) {
      log << "runner error: " << e.what() << "\n";
    }
    log.flush();
    ::_exit(code);
  }
  return pid;
}

// Gone or a zombie (orphans may wait a while for init to reap them).
bool process_gone(int64_t pid) {
  if (::kill(static_cast<pid_t>(pid), 0) != 0) return true;
  std::string text = test::slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  return close == std::string::npos || (close + 2 < text.size() && text[close + 2] == 'Z');
}

int count_status(Store& store, const std::string& sweep, const std::string& status) {
  int n = 0;
  for (auto& [j, r] : runs_by_job(store, sweep)) n += r.status == status && r.pid && *r.pid > 0;
  return n;
}

TEST(SweepRunner, RunnerKilledMidRunIsDetectedAndRerunOnResume) {
  TempDir dir("runnerkill");
  // 2 jobs of 4 steps x 150 ms; the runner is SIGKILLed while both run.
  Sweep s = plan("name: rk\noverrides: [job.steps=4, job.sleep_ms=150]\nseeds: 0,1\n");
  std::string db = dir / "r.db";
  { Store init(db); }
  pid_t runner = fork_runner(s, db, dir / "runner.log");
  Store store(db);
  ASSERT_TRUE(test::wait_for([&] { return count_status(store, "rk", kRunRunning) == 2; }, 10))
      << test::slurp(dir / "runner.log");
  ::kill(runner, SIGKILL);
  int st = 0;
  ::waitpid(runner, &st, 0);
  // The jobs die with their runner (PR_SET_PDEATHSIG); the runs stay RUNNING.
  auto runs = runs_by_job(store, "rk");
  for (auto& [j, r] : runs) {
    ASSERT_TRUE(test::wait_for([&] { return process_gone(*r.pid); }, 5));
    EXPECT_EQ(r.status, kRunRunning);
  }
  std::ostringstream log;
  SweepRunSummary b = sweep_run(store, s.spec, s.jobs, options(log));
  EXPECT_EQ(b.exit_code(), 0) << log.str();
  EXPECT_EQ(b.finished, 2);
  EXPECT_NE(log.str().find("is gone"), std::string::npos) << log.str();
  for (auto& [j, r] : runs_by_job(store, "rk")) {
    EXPECT_EQ(r.status, kRunFinished);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(store.run_metric_summary(r.id)[0].count, 4);
  }
}

TEST(SweepRunner, SigintMarksRunningJobsKilledAndExitsPromptly) {
  TempDir dir("sigint");
  Sweep s = plan("name: int\noverrides: [job.mode=hang]\nseeds: 0,1,2\n");
  std::string db = dir / "r.db";
  { Store init(db); }
  pid_t runner = fork_runner(s, db, dir / "runner.log");
  Store store(db);
  ASSERT_TRUE(test::wait_for([&] { return count_status(store, "int", kRunRunning) == 2; }, 10));
  auto t0 = std::chrono::steady_clock::now();
  ::kill(runner, SIGINT);
  int st = 0;
  ::waitpid(runner, &st, 0);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 3.0);
  ASSERT_TRUE(WIFEXITED(st));
  EXPECT_EQ(WEXITSTATUS(st), 128 + SIGINT) << test::slurp(dir / "runner.log");
  auto runs = runs_by_job(store, "int");
  EXPECT_EQ(runs[0].status, kRunKilled);
  EXPECT_EQ(runs[1].status, kRunKilled);
  EXPECT_NE(runs[0].error.find("interrupted by SIGINT"), std::string::npos) << runs[0].error;
  EXPECT_EQ(runs[2].status, kRunScheduled);  // never started
}

TEST(SweepRunner, JobTimeoutFailsAHangingJob) {
  TempDir dir("timeout");
  Sweep s = plan("name: to\noverrides: [job.mode=hang]\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  SweepRunOptions o = options(log);
  o.job_timeout_s = 0.3;
  EXPECT_EQ(sweep_run(store, s.spec, s.jobs, o).failed, 1);
  auto r = runs_by_job(store, "to")[0];
  EXPECT_EQ(r.status, kRunFailed);
  EXPECT_NE(r.error.find("timed out"), std::string::npos) << r.error;
}

TEST(SweepRunner, ActionsFollowStatusAndHeartbeat) {
  SweepRunOptions o;
  o.stale_after_s = 60;
  double now = 1000000;
  RunRow r;
  EXPECT_EQ(sweep_action(std::nullopt, o, now), SweepAction::Run);
  r.status = kRunScheduled;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::Run);
  r.status = kRunFinished;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::SkipFinished);
  r.status = kRunKilled;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::Rerun);
  r.status = kRunFailed;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::SkipFailed);
  o.retry_failed = true;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::Rerun);
  // RUNNING on another host: judged by its heartbeat alone.
  r.status = kRunRunning;
  r.host = "some-other-host";
  r.pid = 1;
  r.heartbeat = now - 10;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::SkipRunningElsewhere);
  r.heartbeat = now - 61;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::Rerun);
  // RUNNING on this host with a fresh heartbeat but a process that no longer exists.
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  r.host = provenance_host();
  r.pid = dead;
  r.heartbeat = now - 1;
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::Rerun);
  r.pid = ::getpid();  // alive
  EXPECT_EQ(sweep_action(r, o, now), SweepAction::SkipRunningElsewhere);
}

TEST(SweepRunner, OneGpuPerWorker) {
  const char* saved = std::getenv("CUDA_VISIBLE_DEVICES");
  std::string keep = saved ? saved : "";
  ::setenv("CUDA_VISIBLE_DEVICES", "3,5", 1);
  EXPECT_EQ(sweep_detect_gpus(), (std::vector<std::string>{"3", "5"}));
  TempDir dir("gpu");
  // Two workers, two jobs long enough to overlap: worker 0 gets GPU 3, worker 1 GPU 5.
  Sweep s = plan("name: gpu\noverrides: [job.log_gpu=true, job.steps=2, job.sleep_ms=100]\nseeds: 0,1\n");
  Store store(dir / "r.db");
  std::ostringstream log;
  SweepRunSummary r = sweep_run(store, s.spec, s.jobs, options(log));
  EXPECT_EQ(r.exit_code(), 0) << log.str();
  std::set<double> seen;
  for (auto& [j, run] : runs_by_job(store, "gpu"))
    for (auto& m : store.run_metric_summary(run.id))
      if (m.key == "gpu") seen.insert(m.max);
  EXPECT_EQ(seen, (std::set<double>{3.0, 5.0}));
  ::setenv("CUDA_VISIBLE_DEVICES", "", 1);
  EXPECT_TRUE(sweep_detect_gpus().empty());
  ::setenv("CUDA_VISIBLE_DEVICES", "-1", 1);
  EXPECT_TRUE(sweep_detect_gpus().empty());
  if (saved) ::setenv("CUDA_VISIBLE_DEVICES", keep.c_str(), 1);
  else ::unsetenv("CUDA_VISIBLE_DEVICES");
}

TEST(SweepRunner, ChangedSweepFileIsReportedOnResume) {
  TempDir dir("changed");
  Store store(dir / "r.db");
  std::ostringstream log;
  Sweep a = plan("name: ch\nseeds: [0]\n");
  sweep_run(store, a.spec, a.jobs, options(log));
  Sweep b = plan("name: ch\nseeds: [0, 1]\n");
  std::ostringstream log2;
  SweepRunSummary r = sweep_run(store, b.spec, b.jobs, options(log2));
  EXPECT_EQ(r.finished, 1);
  EXPECT_EQ(r.skipped_finished, 1);
  EXPECT_NE(log2.str().find("changed since its last run: 1 new job(s): 1"), std::string::npos) << log2.str();
}

TEST(SweepRunner, InvalidJobStopsThePlanNamingJobAndKey) {
  try {
    plan("name: bad\ngrid:\n  loss: dpo,ipo\n  loss.beta: 0.5\n");  // ipo has no beta
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("job 1 (loss=ipo loss.beta=0.5)"), std::string::npos) << m;
    EXPECT_NE(m.find("loss.beta"), std::string::npos) << m;
  }
  try {
    plan("name: dup\ngrid:\n  trainer.lr: 0.001,1e-3\n");  // the same value twice
    ADD_FAILURE() << "no error";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("jobs 0 and 1 resolve to the same config"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swepo
