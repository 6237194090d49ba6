// Several processes writing one database at once lose nothing and never see "database is locked".
#include <gtest/gtest.h>

#include <iostream>

#include <sys/wait.h>
#include <unistd.h>

#include "core/store/store_run.h"
#include "store_test_util.h"

namespace swepo {
namespace {

TEST(StoreConcurrency, ParallelWritersLoseNothing) {
  test::TempDb t("concurrent");
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
