// One configuration per cell (analysis/report/report_pool.h): a table row or ad-hoc group whose
// finished runs differ in a key other than the seed and bookkeeping keys is an error naming the
// row, the keys and their values, unless the row pools them; numbers compare as numbers; a key one
// run lacks counts as the value "~".
#include <gtest/gtest.h>

#include <functional>

#include "analysis/report/report_build.h"
#include "analysis/report/report_pool.h"
#include "core/util/error.h"
#include "tests/analysis/report/report_fixture.h"

using namespace swepo;
using namespace swepo::report;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(ReportPool, SeedAndBookkeepingKeys) {
  for (const char* k : {"seed", "trainer.seed", "sft.seed", "data.data_seed", "pair_seed", "eval_seed",
                        "eval.bootstrap_seed", "output_dir", "cache_dir", "device", "sft.device",
                        "trainer.device", "sft.ref_cache_dir", "trainer.ref_cache_dir", "data.cache_dir"})
    EXPECT_TRUE(report_key_may_differ(k)) << k;
  for (const char* k : {"loss.alpha", "loss.p", "model.name", "data.K", "trainer.lr", "seeds", "data.seedling",
                        "trainer.output_dir_x", "sft_data.path"})
    EXPECT_FALSE(report_key_may_differ(k)) << k;
}

TEST(ReportPool, DifferencesByKey) {
  ReportRun a{1, 0, "FINISHED", {{"loss.p", "1"}, {"loss.alpha", "1"}, {"seed", "0"}, {"output_dir", "o/0"}}};
  ReportRun b{2, 1, "FINISHED", {{"loss.p", "1.0"}, {"loss.alpha", "0.1"}, {"seed", "1"}, {"output_dir", "o/1"}}};
  ReportRun c{3, 2, "FINISHED", {{"loss.p", "1e0"}, {"seed", "2"}, {"output_dir", "o/2"}}};
  // loss.p: 1 = 1.0 = 1e0; seed and output_dir may differ; loss.alpha: 1 (run 1), 0.1 (run 2), ~ (run 3).
  auto d = report_config_differences({&a, &b, &c}, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].key, "loss.alpha");
  ASSERT_EQ(d[0].values.size(), 3u);
  EXPECT_EQ(d[0].values[0].first, "1");
  EXPECT_EQ(d[0].values[0].second, (std::vector<int64_t>{1}));
  EXPECT_EQ(d[0].values[2].first, "~");
  EXPECT_TRUE(report_config_differences({&a, &b, &c}, {"loss.alpha"}).empty());
  EXPECT_TRUE(report_config_differences({&a, &b}, {"loss.alpha"}).empty());
  const std::string m = error_of([&] { report_check_one_config({&a, &b, &c}, {}, "row 'X'", "rows[0].pool"); });
  EXPECT_NE(m.find("row 'X' pools 3 finished runs of different configurations"), std::string::npos) << m;
  EXPECT_NE(m.find("loss.alpha = 1 (run 1), 0.1 (run 2), ~ (run 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("'rows[0].pool: [loss.alpha]'"), std::string::npos) << m;
  const std::string cli = error_of([&] { report_check_one_config({&a, &b}, {}, "group", "--pool"); });
  EXPECT_NE(cli.find("'--pool loss.alpha'"), std::string::npos) << cli;
}

TEST(ReportPool, NullIsAbsent) {
  // A key added later with a null default (a run recorded before it lacks it) is one configuration.
  ReportRun a{1, 0, "FINISHED", {{"loss.p", "1"}, {"seed", "0"}}};
  ReportRun b{2, 1, "FINISHED", {{"loss.p", "1"}, {"model.path", "null"}, {"seed", "1"}}};
  ReportRun c{3, 2, "FINISHED", {{"loss.p", "1"}, {"model.path", "m/"}, {"seed", "2"}}};
  EXPECT_TRUE(report_config_differences({&a, &b}, {}).empty());
  auto d = report_config_differences({&a, &b, &c}, {});
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].values[0].first, "~");
  EXPECT_EQ(d[0].values[0].second, (std::vector<int64_t>{1, 2}));
}

class ReportPoolStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing_report::fixture_dir("pool");
    db_ = dir_ + "/swepo.db";
    Store store(db_);
    using P = std::vector<std::pair<std::string, std::string>>;
    // Swepo p = 1 at alpha 1 (seeds 0, 1: LC 20, 22) and alpha 0.1 (seed 0: LC 30), one DPO run.
    const P a1 = {{"loss.name", "swepo"}, {"loss.p", "1"}, {"loss.alpha", "1"}, {"output_dir", "x"}};
    const P a1b = {{"loss.name", "swepo"}, {"loss.p", "1"}, {"loss.alpha", "1"}, {"output_dir", "y"}};
    const P a01 = {{"loss.name", "swepo"}, {"loss.p", "1"}, {"loss.alpha", "0.1"}, {"output_dir", "z"}};
    testing_report::fixture_add(store, {a1, 0, 20, 50, {}});
    testing_report::fixture_add(store, {a1b, 1, 22, 52, {}});
    testing_report::fixture_add(store, {a01, 0, 30, 60, {}});
    testing_report::fixture_add(store, {{{"loss.name", "dpo"}}, 0, 10, 40, {}});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, db_;
};

TEST_F(ReportPoolStore, TableRowMixingAlphaIsAnErrorUnlessPooled) {
  Store store(db_);
  ReportData data(store);
  const std::string head = "columns: [{label: LC, metric: alpaca.lc}]\nrows:\n";
  TableSpec mixed = table_spec_parse(head + "  - {label: Swepo p=1, where: {loss.name: swepo, loss.p: 1}}\n", "t.yaml");
  const std::string m = error_of([&] { report_build_table(mixed, data); });
  EXPECT_NE(m.find("table file t.yaml: row 'Swepo p=1' pools 3 finished runs"), std::string::npos) << m;
  EXPECT_NE(m.find("loss.alpha = 1 (runs 1, 2), 0.1 (run 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("rows[0].pool: [loss.alpha]"), std::string::npos) << m;
  // One alpha: mean of {20, 22} = 21 over 2 seeds (output_dir differs, allowed).
  TableSpec one = table_spec_parse(
      head + "  - {label: Swepo p=1, where: {loss.name: swepo, loss.p: 1, loss.alpha: 1}}\n", "t.yaml");
  ReportTable t = report_build_table(one, data);
  EXPECT_DOUBLE_EQ(t.cells[0][0].stats.mean, 21);
  EXPECT_EQ(t.cells[0][0].stats.n, 2);
  // Pooled on purpose: {20, 22, 30}, mean 24.
  TableSpec pooled = table_spec_parse(
      head + "  - {label: all alpha, where: {loss.name: swepo}, pool: [loss.alpha]}\n", "t.yaml");
  t = report_build_table(pooled, data);
  EXPECT_DOUBLE_EQ(t.cells[0][0].stats.mean, 24);
  EXPECT_EQ(t.cells[0][0].stats.n, 3);
  // A pool key no run has is an unknown key.
  TableSpec bad = table_spec_parse(head + "  - {label: a, where: {loss.name: dpo}, pool: [loss.alfa]}\n", "t.yaml");
  EXPECT_NE(error_of([&] { report_build_table(bad, data); }).find("unknown param key 'loss.alfa'"), std::string::npos);
  // A row over every run mixes loss.name, loss.p (absent for dpo) and loss.alpha.
  TableSpec all = table_spec_parse(head + "  - {label: everything}\n", "t.yaml");
  const std::string e = error_of([&] { report_build_table(all, data); });
  EXPECT_NE(e.find("loss.name = swepo (runs 1, 2, 3), dpo (run 4)"), std::string::npos) << e;
  EXPECT_NE(e.find("loss.p = 1 (runs 1, 2, 3), ~ (run 4)"), std::string::npos) << e;
}

TEST_F(ReportPoolStore, GroupByMixingIsAnErrorUnlessPooled) {
  Store store(db_);
  ReportData data(store);
  GroupByQuery q;
  q.keys = {"loss.name"};
  q.metric = "alpaca.lc";
  const std::string m = error_of([&] { report_group_by(q, data); });
  EXPECT_NE(m.find("--group-by loss.name: group 'swepo' pools 3 finished runs"), std::string::npos) << m;
  EXPECT_NE(m.find("'--pool loss.alpha'"), std::string::npos) << m;
  q.keys = {"loss.name", "loss.alpha"};
  ReportTable t = report_group_by(q, data);
  ASSERT_EQ(t.cells.size(), 3u);  // (dpo, ~), (swepo, 0.1), (swepo, 1)
  q.keys = {"loss.name"};
  q.pool = {"loss.alpha"};
  t = report_group_by(q, data);
  ASSERT_EQ(t.cells.size(), 2u);
  EXPECT_DOUBLE_EQ(t.cells[1][1].stats.mean, 24);  // swepo {20, 22, 30}
}

TEST_F(ReportPoolStore, TildeMatchesAbsentAndNull) {
  {
    Store store(db_);
    testing_report::fixture_add(store, {{{"loss.name", "swepo"}, {"loss.p", "2"}, {"loss.alpha", "null"}}, 5, 40, 70, {}});
  }
  Store store(db_);
  ReportData data(store);
  // loss.alpha: ~ matches the null-valued run (LC 40) and the DPO run, which lacks the key (LC 10).
  TableSpec t = table_spec_parse("columns: [{label: LC, metric: alpaca.lc}]\nrows:\n"
                                 "  - {label: swepo null alpha, where: {loss.name: swepo, loss.alpha: ~}}\n"
                                 "  - {label: dpo, where: {loss.name: dpo, loss.alpha: ~}}\n",
                                 "t.yaml");
  ReportTable r = report_build_table(t, data);
  EXPECT_EQ(r.cells[0][0].stats.n, 1);
  EXPECT_DOUBLE_EQ(r.cells[0][0].stats.mean, 40);
  EXPECT_DOUBLE_EQ(r.cells[1][0].stats.mean, 10);
  // `~` on a key no run has (a store older than the key) matches every run; a value on it is an
  // unknown key.
  TableSpec older = table_spec_parse("columns: [{label: LC, metric: alpaca.lc}]\nrows:\n"
                                     "  - {label: dpo, where: {loss.name: dpo, model.arch: ~}}\n",
                                     "t.yaml");
  EXPECT_DOUBLE_EQ(report_build_table(older, data).cells[0][0].stats.mean, 10);
  TableSpec valued = table_spec_parse("columns: [{label: LC, metric: alpaca.lc}]\nrows:\n"
                                      "  - {label: dpo, where: {loss.name: dpo, model.arch: llama}}\n",
                                      "t.yaml");
  EXPECT_NE(error_of([&] { report_build_table(valued, data); }).find("unknown param key 'model.arch'"),
            std::string::npos);
}

}  // namespace
