// `swepo show --history` and `swepo runs --where` (through sweep_test_cli) over the report fixture
// store (tests/analysis/report/report_fixture.h): an unknown metric or param key is exit 2 with the
// valid names; a key other runs logged prints an empty history; --db takes a PostgreSQL URL too.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/analysis/report/report_fixture.h"
#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

class ShowRunsCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing_report::fixture_dir("showruns"));
    db_ = new std::string(testing_report::fixture_db(*dir_));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete db_;
  }
  static test::Proc cli(const std::string& args) { return test::sh(test::kCli + " " + args + " --db " + *db_); }
  static std::string* dir_;
  static std::string* db_;
};
std::string* ShowRunsCli::dir_ = nullptr;
std::string* ShowRunsCli::db_ = nullptr;

TEST_F(ShowRunsCli, HistoryOfAnUnknownMetricIsExit2ListingTheKeys) {
  // The fixture logs one key, pref/loss; "loss" is its last part.
  test::Proc p = cli("show 1 --history loss");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_HAS(p.out, "--history: unknown metric key 'loss' (did you mean 'pref/loss'?)");
  EXPECT_HAS(p.out, "metric keys in the database: pref/loss");
  EXPECT_EQ(p.out.find("status FINISHED"), std::string::npos) << "nothing printed before the error: " << p.out;
  p = cli("show 1 --history train/loss");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_HAS(p.out, "metric keys in the database: pref/loss");
}

TEST_F(ShowRunsCli, HistoryOfAKnownMetric) {
  test::Proc p = cli("show 1 --history pref/loss");  // dpo tiny seed 0: 0.7, 0.5 at steps 1, 2
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_HAS(p.out, "\npref/loss:\n        1 0.7\n        2 0.5\n");
  p = cli("show 7 --history pref/loss");  // dpo small logged nothing
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_HAS(p.out, "\npref/loss:\n  (run 7 has logged no pref/loss)\n");
}

TEST_F(ShowRunsCli, RunsWhereAnUnknownKeyIsExit2ListingTheKeys) {
  test::Proc p = cli("runs --where loss.nme=dpo");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_HAS(p.out, "--where 'loss.nme=dpo': unknown param key 'loss.nme' (did you mean 'loss.name'?)");
  EXPECT_HAS(p.out, "param keys in the database: data.K, loss.alpha, loss.beta, loss.name, loss.p, model.name, seed");
  p = cli("runs --where name=dpo");
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_HAS(p.out, "(did you mean 'loss.name' or 'model.name'?)");
  // dpo: tiny seeds 0, 1, 2 and small seed 0.
  p = cli("runs --where loss.name=dpo");
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_HAS(p.out, "4 run(s)");
  p = cli("runs --where loss.name=dpo data.K=2");  // a known key matching no run: no runs, no error
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_HAS(p.out, "0 run(s)");
}

TEST_F(ShowRunsCli, DbHelpNamesBothBackends) {
  for (const char* cmd : {"show", "runs"}) {
    test::Proc p = test::sh(test::kCli + " " + cmd + " --help");
    EXPECT_EQ(p.code, 0) << p.out;
    EXPECT_HAS(p.out, "an SQLite path or a postgresql:// URL");
  }
}

}  // namespace
}  // namespace swepo
