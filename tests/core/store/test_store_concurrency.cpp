// Several processes writing one database at once lose nothing and never see "database is locked"
// (SQLite) or a serialisation error (PostgreSQL); claims are exclusive.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include "core/store/store_claim.h"
#include "core/store/store_run.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

class StoreConcurrency : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreConcurrency);

TEST_P(StoreConcurrency, ParallelWritersLoseNothing) {
  test::TempStore t(GetParam(), "concurrent");
  constexpr int kProcs = 4, kBatches = 40, kPerBatch = 25;  // 1000 metric rows per process
  std::vector<int64_t> runs;
  {
    Store store(t.path);
    for (int p = 0; p < kProcs; ++p) {
      RunSpec s;
      s.config_yaml = "{}";
      s.config_hash = "h" + std::to_string(p);
      runs.push_back(run_register(store, s));
    }
  }
  int gate[2];
  ASSERT_EQ(::pipe(gate), 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(gate[1]);
      char c;
      ssize_t ignored = ::read(gate[0], &c, 1);  // returns when the parent closes its end
      (void)ignored;
      try {
        Store store(t.path);  // each process opens its own connection (and races the migration check)
        run_start(store, runs[p], provenance_collect("cpu", ""));
        MetricsWriter w(store, runs[p], kPerBatch, 1e9);
        for (int b = 0; b < kBatches; ++b) {
          for (int i = 0; i < kPerBatch; ++i) w.log(b * kPerBatch + i, "loss", p + i * 1e-3);
          run_heartbeat(store, runs[p]);
          // Every process also registers runs of its own and of the others (same identities).
          RunSpec s;
          s.config_yaml = "{}";
          s.config_hash = "shared";
          s.seed = b;
          run_register(store, s);
        }
        w.flush();
        run_finish(store, runs[p], {{"suite", "m", double(p), std::nullopt, std::nullopt, ""}});
      } catch (const std::exception& e) {
        std::cerr << "writer " << p << ": " << e.what() << "\n";
        ::_exit(1);
      }
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(gate[1]);  // go
  for (pid_t pid : pids) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "a writer failed (see its message above)";
  }
  Store store(t.path);
  Stmt m(store.db(), "SELECT COUNT(*) FROM metrics");
  m.step();
  EXPECT_EQ(m.int64(0), kProcs * kBatches * kPerBatch);  // 4 x 40 x 25 = 4000
  Stmt r(store.db(), "SELECT COUNT(*) FROM runs WHERE config_hash = 'shared'");
  r.step();
  EXPECT_EQ(r.int64(0), kBatches);  // 40 shared identities, each registered once by 4 processes
  for (int64_t id : runs) {
    EXPECT_EQ(store.run_get(id)->status, kRunFinished);
    EXPECT_EQ(store.run_evals(id).size(), 1u);
  }
}

}  // namespace
}  // namespace swepo

namespace swepo {
namespace {

// 4 processes claim the same 60 jobs at once: each through run_claim on every run (so all four
// race on each one) and then run_claim_next; every job is claimed exactly once in all.
TEST_P(StoreConcurrency, ConcurrentClaimsNeverRunAJobTwice) {
  test::TempStore t(GetParam(), "claims");
  constexpr int kProcs = 4, kJobs = 60;
  int64_t sweep = 0;
  {
    Store store(t.path);
    sweep = store.sweep_upsert("c", "", "name: c");
    std::vector<std::pair<int64_t, int64_t>> jobs;
    for (int j = 0; j < kJobs; ++j) {
      RunSpec s;
      s.config_yaml = "{}";
      s.config_hash = "c";
      s.seed = j;
      jobs.emplace_back(j, run_register(store, s));
    }
    store.sweep_set_jobs(sweep, jobs);
  }
  int gate[2], out[2];
  ASSERT_EQ(::pipe(gate), 0);
  ASSERT_EQ(::pipe(out), 0);
  std::vector<pid_t> pids;
  for (int p = 0; p < kProcs; ++p) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::close(gate[1]);
      ::close(out[0]);
      char c;
      ssize_t ignored = ::read(gate[0], &c, 1);
      (void)ignored;
      try {
        Store store(t.path);
        ClaimOptions opt;
        opt.launcher = "proc " + std::to_string(p);
        std::string claimed;
        // Even jobs by id (everyone tries each), odd ones through the queue.
        for (const auto& [job, run] : store.sweep_jobs(sweep))
          if (job % 2 == 0 && run_claim(store, run, opt) == ClaimResult::Claimed) claimed += std::to_string(run) + " ";
        while (auto id = run_claim_next(store, sweep, opt)) claimed += std::to_string(*id) + " ";
        claimed += "\n";
        ssize_t w = ::write(out[1], claimed.data(), claimed.size());
        (void)w;
      } catch (const std::exception& e) {
        std::cerr << "claimer " << p << ": " << e.what() << "\n";
        ::_exit(1);
      }
      ::_exit(0);
    }
    pids.push_back(pid);
  }
  ::close(gate[0]);
  ::close(out[1]);
  ::close(gate[1]);
  std::string all;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) all.append(buf, n);
  ::close(out[0]);
  for (pid_t pid : pids) {
    int st = 0;
    ::waitpid(pid, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "a claimer failed (see its message above)";
  }
  std::map<int64_t, int> times;
  std::istringstream in(all);
  for (int64_t id; in >> id;) ++times[id];
  EXPECT_EQ(times.size(), static_cast<size_t>(kJobs));
  for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << "run " << id << " claimed " << n << " times";
  Store store(t.path);
  for (const auto& r : store.runs_list()) {
    EXPECT_EQ(r.status, kRunRunning);
    EXPECT_EQ(r.attempts, 1);
  }
}

}  // namespace
}  // namespace swepo
