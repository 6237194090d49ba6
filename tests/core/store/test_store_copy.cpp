// store_copy between backends: every row arrives (counts worked out below), typed params stay
// typed (1e-3 compares as 0.001 after the copy), ids continue after the copied ones, the checksum
// sees a changed value, and a non-empty destination is refused.
#include <gtest/gtest.h>

#include "core/store/store_claim.h"
#include "core/store/store_copy.h"
#include "core/store/store_run.h"
#include "core/util/error.h"
#include "tests/core/store/store_test_util.h"

namespace swepo {
namespace {

class StoreCopy : public test::StoreTest {};
INSTANTIATE_STORE_TESTS(StoreCopy);

// 1 sweep, 2 runs (one FINISHED), 6 params each, 2 choices each, 2 sweep jobs, 3 metrics on the
// first run, 2 evals, 1 artifact, 1 submission.
void fill(Store& store) {
  int64_t sweep = store.sweep_upsert("copy", "a sweep", "name: copy\n");
  std::vector<std::pair<int64_t, int64_t>> jobs;
  for (int seed = 0; seed < 2; ++seed) {
    RunSpec s;
    s.sweep_id = sweep;
    s.job = seed;
    s.config_yaml = "seed: " + std::to_string(seed) + "\n";
    s.overrides = {"seed=" + std::to_string(seed), "loss=dpo"};
    s.config_hash = "hash";
    s.seed = seed;
    s.params = {{"loss.beta", "1e-3"}, {"tiny", "1e-10"}, {"steps", "100"}, {"ratio", "1.0"},
                {"loss.name", "dpo"},  {"pi", "3.14159265358979"}};
    s.choices = {{"loss", "dpo"}, {"model", "tiny"}};
    jobs.emplace_back(seed, run_register(store, s));
  }
  store.sweep_set_jobs(sweep, jobs);
  int64_t a = jobs[0].second;
  run_start(store, a, provenance_collect("cpu", "1.13.1"));
  for (int st = 0; st < 3; ++st) run_log_metrics(store, a, st, {{"loss", 1.0 / 3 + st}});
  run_finish(store, a,
             {{"alpaca", "lc_wr", 21.5, 1.25, 805, "greedy"}, {"alpaca", "wr", 0.1, std::nullopt, std::nullopt, ""}},
             {{"checkpoint", "/tmp/x.pt", "abc"}});
  submission_add(store, {0, sweep, "slurm", "77", "/x/submit.sbatch", {0, 1}, 0});
}

int64_t rows(const StoreCopyReport& r, const std::string& table) {
  for (const auto& t : r.tables)
    if (t.table == table) return t.rows_to;
  return -1;
}

void check_copy(const std::string& from, const std::string& to) {
  StoreCopyReport rep = store_copy(from, to);
  EXPECT_TRUE(rep.ok());
  EXPECT_EQ(rows(rep, "sweeps"), 1);
  EXPECT_EQ(rows(rep, "runs"), 2);
  EXPECT_EQ(rows(rep, "params"), 12);
  EXPECT_EQ(rows(rep, "run_choices"), 4);
  EXPECT_EQ(rows(rep, "sweep_jobs"), 2);
  EXPECT_EQ(rows(rep, "metrics"), 3);
  EXPECT_EQ(rows(rep, "evals"), 2);
  EXPECT_EQ(rows(rep, "artifacts"), 1);
  EXPECT_EQ(rows(rep, "submissions"), 1);
  Store src = Store::open_read_only(from), dst = Store::open_read_only(to);
  auto a = src.run_get(1), b = dst.run_get(1);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->status, kRunFinished);
  EXPECT_EQ(b->overrides, a->overrides);
  EXPECT_EQ(b->started, a->started);  // reals exactly
  EXPECT_EQ(b->torch_version, "1.13.1");
  EXPECT_EQ(dst.run_params(1), src.run_params(1));
  EXPECT_EQ(dst.run_params(1)[0], (std::pair<std::string, std::string>{"loss.beta", "0.001"}));
  RunFilter f;
  f.where = {{"loss.beta", "0.001"}, {"steps", "100"}, {"tiny", "1e-10"}, {"loss.name", "dpo"}};
  EXPECT_EQ(dst.runs_list(f).size(), 2u);
  f.sweep = "copy";
  EXPECT_EQ(dst.runs_list(f).size(), 2u);
  auto ev = dst.run_evals(1);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_DOUBLE_EQ(*ev[0].stderr_, 1.25);
  EXPECT_FALSE(ev[1].stderr_);
  EXPECT_DOUBLE_EQ(dst.run_metric_history(1, "loss").at(0).second, 1.0 / 3);
  // New ids continue after the copied ones.
  Store w(to);
  RunSpec s;
  s.config_yaml = "{}";
  s.config_hash = "new";
  EXPECT_EQ(run_register(w, s), 3);
}

TEST_P(StoreCopy, CopiesEveryRowToBothBackendsAndBack) {
  test::TempStore src(GetParam(), "copy_src");
  {
    Store store(src.path);
    fill(store);
  }
  test::TempStore to_sqlite(test::Backend::Sqlite, "copy_dst");
  check_copy(src.path, to_sqlite.path);
  if (!test::pg_server_url().empty()) {
    test::TempStore to_pg(test::Backend::Postgres, "copy_dst");
    check_copy(src.path, to_pg.path);
    test::TempStore back(test::Backend::Sqlite, "copy_back");
    StoreCopyReport rep = store_copy(to_pg.path, back.path);  // (with the extra run 3)
    EXPECT_TRUE(rep.ok());
    EXPECT_EQ(rows(rep, "runs"), 3);
  }
}

TEST_P(StoreCopy, ChecksumSeesAChangeAndACopyNeedsAnEmptyDestination) {
  test::TempStore src(GetParam(), "sum_src");
  {
    Store store(src.path);
    fill(store);
  }
  auto before = store_checksums(src.path);
  {
    Store store(src.path);
    store.db().exec("UPDATE metrics SET value = 2.5000000000000004 WHERE step = 2");  // was 2.333...
  }
  auto after = store_checksums(src.path);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < before.size(); ++i) {
    EXPECT_EQ(before[i].rows_from, after[i].rows_from);
    if (before[i].table == "metrics") EXPECT_NE(before[i].checksum_from, after[i].checksum_from);
    else EXPECT_EQ(before[i].checksum_from, after[i].checksum_from) << before[i].table;
  }
  test::TempStore dst(test::Backend::Sqlite, "sum_dst");
  store_copy(src.path, dst.path);
  try {
    store_copy(src.path, dst.path);
    ADD_FAILURE() << "copied into a non-empty database";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("already holds sweeps or runs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swepo
