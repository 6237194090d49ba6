// `swepo report` end to end (the built CLI binary) over the fixture store: the built-in tables,
// formats, --out, group-by, and exit code 2 naming the unknown table, key, metric or bad file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/analysis/report/report_fixture.h"

using namespace swepo;

namespace {

struct CliRun {
  int code;
  std::string out, err;
};

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

class CmdReport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing_report::fixture_dir("cmd"));
    db_ = new std::string(testing_report::fixture_db(*dir_));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete db_;
  }
  CliRun report(const std::string& args) {
    const std::string cmd = std::string(SWEPO_BIN) + " report --db " + *db_ + " " + args + " >" + *dir_ +
                            "/out.txt 2>" + *dir_ + "/err.txt";
    const int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), slurp(*dir_ + "/out.txt"), slurp(*dir_ + "/err.txt")};
  }
  static std::string tables() { return std::string(" --tables ") + SWEPO_SOURCE_DIR + "/analysis/tables"; }
  static std::string* dir_;
  static std::string* db_;
};
std::string* CmdReport::dir_ = nullptr;
std::string* CmdReport::db_ = nullptr;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

}  // namespace


TEST_F(CmdReport, KablationAllFormats) {
  // kablation (model tiny): DPO K=2 has no run (missing); DPO K=4 LC {10, 12, 17}: 13 ± √13 = 3.61,
  // WR {40, 50, 60}: 50 ± 10; Swepo K=2 LC {5, 9}: 7 ± √8 = 2.83, WR {45, 47}: 46 ± √2 = 1.41;
  // K=4 LC {20, 21, 22}: 21 ± 1, WR {55, 56, 60}: 57 ± √7 = 2.65.
  CliRun md = report("kablation" + tables());
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_HAS(md.out, "| DPO K=2 | — | — |");
  EXPECT_HAS(md.out, "| DPO K=4 | 13.00 ± 3.61 (n=3) | 50.00 ± 10.00 (n=3) |");
  EXPECT_HAS(md.out, "| Swepo-dynamic (p=1) K=2 | 7.00 ± 2.83 (n=2) | 46.00 ± 1.41 (n=2) |");
  EXPECT_HAS(md.out, "| Swepo-dynamic (p=1) K=4 | 21.00 ± 1.00 (n=3) | 57.00 ± 2.65 (n=3) |");
  CliRun csv = report("kablation --format csv" + tables());
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_HAS(csv.out, "method,Alpaca LC mean,Alpaca LC std,Alpaca LC n,Alpaca WR mean,Alpaca WR std,Alpaca WR n\n");
  EXPECT_HAS(csv.out, "\nDPO K=2,,,,,,\n");
  EXPECT_HAS(csv.out, "\nSwepo-dynamic (p=1) K=2,7.00,2.83,2,46.00,1.41,2\n");
  CliRun tex = report("kablation --format latex" + tables());
  ASSERT_EQ(tex.code, 0) << tex.err;
  EXPECT_HAS(tex.out, "DPO K=2 & -- & -- \\\\");
  CliRun js = report("kablation --format json" + tables());
  ASSERT_EQ(js.code, 0) << js.err;
  auto j = nlohmann::json::parse(js.out);
  EXPECT_TRUE(j["rows"][0]["cells"][0].is_null());
  EXPECT_NEAR(j["rows"][1]["cells"][0]["var"].get<double>(), 13, 1e-12);
  // --out writes the file and nothing to stdout.
  const std::string out = *dir_ + "/k.md";
  CliRun o = report("kablation --out " + out + tables());
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(slurp(out), md.out);
}

TEST_F(CmdReport, Table2VarianceAndTest) {
  // Table 2 over seeds (table2.yaml varies pair_seed alone, which the fixture's runs do not have:
  // an unknown key, exit 2).
  EXPECT_EQ(report("table2 --format json" + tables()).code, 2);
  CliRun r = report("table2_all_seeds --format json" + tables());
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["rows"].size(), 3u);
  // DPO (tiny, K 4) LC {10, 12, 17}: mean 13, var 13; Swepo p=1 LC {20, 21, 22}.
  EXPECT_NEAR(j["rows"][0]["cells"][0].get<double>(), 13, 1e-12);   // mean LC
  EXPECT_NEAR(j["rows"][0]["cells"][1].get<double>(), 50, 1e-12);   // mean WR
  EXPECT_NEAR(j["rows"][0]["cells"][2].get<double>(), 13, 1e-12);   // Var(LC)
  EXPECT_NEAR(j["rows"][1]["cells"][3].get<double>(), 7, 1e-12);    // Var(WR) of Swepo
  EXPECT_EQ(j["rows"][0]["cells"][4], 3);                           // n
  EXPECT_TRUE(j["rows"][0]["cells"][5].contains("lo"));             // LC 95% CI
  EXPECT_EQ(j["rows"][2]["labels"][0], "Brown-Forsythe p");
  // Worked by hand in test_report_tables.cpp (BrownForsytheTestRow): W = 5/4 for LC, p from mpmath.
  EXPECT_NEAR(j["rows"][2]["cells"][2].get<double>(), 0.326164235345060374249, 1e-12);
  EXPECT_NEAR(j["rows"][2]["cells"][3].get<double>(), 0.231053709215932821957, 1e-12);
  EXPECT_TRUE(j["rows"][2]["cells"][0].is_null());  // only under the Var columns
}

TEST_F(CmdReport, GroupBy) {
  // dpo mixes model tiny and small, swepo K = 2 and 4 (and loss.beta absent/present): exit 2 naming
  // them unless pooled.
  CliRun mixed = report("--group-by loss.name --metric alpaca.lc");
  EXPECT_EQ(mixed.code, 2);
  EXPECT_HAS(mixed.err, "group 'dpo' pools 4 finished runs of different configurations");
  EXPECT_HAS(mixed.err, "model.name = tiny (runs 1, 2, 3), small (run 7)");
  CliRun r = report("--group-by loss.name --metric alpaca.lc --format csv --precision 2 --pool model.name,data.K");
  ASSERT_EQ(r.code, 0) << r.err;
  // dpo {10, 12, 17, 30}: n 4, mean 17.25; swepo {20, 21, 22, 5, 9}: n 5, mean 15.4, min 5, max 22.
  EXPECT_HAS(r.out, "loss.name,n,mean,std,var,95% CI ci_lo,95% CI ci_hi,min,max\n");
  EXPECT_HAS(r.out, "\ndpo,4,17.25,9.00,80.92,");
  EXPECT_HAS(r.out, "\nswepo,5,15.40,");
  EXPECT_HAS(r.out, ",5.00,22.00\n");
  CliRun g = report("--group-by loss.name --metric alpaca.lc --decoding greedy --where model.name=tiny --format csv "
                    "--pool data.K");
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_HAS(g.out, "\ndpo,3,113.0000,");
}

TEST_F(CmdReport, ErrorsExit2NamingTheCulprit) {
  CliRun r = report("tabel1" + tables());
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "unknown table 'tabel1'");
  r = report("--group-by loss.nam --metric alpaca.lc");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "unknown param key 'loss.nam'");
  r = report("--group-by loss.name --metric alpaca.lx");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "unknown metric 'alpaca.lx'");
  r = report("--group-by loss.name --metric alpaca.lc --decoding t=9");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "no decoding 't=9'");
  r = report("kablation --format html" + tables());
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "html");
  // table1 asks for arena.wr, which this database has never recorded.
  r = report("table1" + tables());
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "unknown metric 'arena.wr'");
  EXPECT_HAS(r.err, "table1.yaml");
  const std::string bad = testing_report::fixture_file(*dir_, "bad.yaml",
                                                       "columns: [{metric: alpaca.lc}]\nrows: [{label: a, filter: {}}]\n");
  r = report(bad);
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "bad.yaml");
  EXPECT_HAS(r.err, "unknown key 'rows[0].filter'");
  r = report("");
  EXPECT_EQ(r.code, 2);
  const std::string cmd = std::string(SWEPO_BIN) + " report --db " + *dir_ + "/nope.db kablation >/dev/null 2>&1";
  EXPECT_EQ(WEXITSTATUS(std::system(cmd.c_str())), 2);
}
