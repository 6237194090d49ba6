// `swepo report` end to end (the built CLI binary) over the fixture store: the built-in tables,
// formats, --out, group-by, and exit code 2 naming the unknown table, key, metric or bad file.
#include <gtest/gtest.h>

#include <cmath>
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
  CliRun report(const std::string& args) { return report_on(*db_, args); }
  CliRun report_on(const std::string& db, const std::string& args) {
    const std::string cmd = std::string(SWEPO_BIN) + " report --db " + db + " " + args + " >" + *dir_ +
                            "/out.txt 2>" + *dir_ + "/err.txt";
    const int status = std::system(cmd.c_str());
    return {WEXITSTATUS(status), slurp(*dir_ + "/out.txt"), slurp(*dir_ + "/err.txt")};
  }
  static std::string tables() { return std::string(" --tables ") + SWEPO_SOURCE_DIR + "/analysis/tables"; }
  // The first reproduction's specs (results/archive/table_specs): their filters are the fixture's keys
  // (today's built-ins also ask for sft.max_steps, which the fixture's runs do not have).
  static std::string archived_tables() {
    return std::string(" --tables ") + SWEPO_SOURCE_DIR + "/results/archive/table_specs";
  }
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
  CliRun md = report("kablation" + archived_tables());
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_HAS(md.out, "| DPO K=2 | — | — |");
  EXPECT_HAS(md.out, "| DPO K=4 | 13.00 ± 3.61 (n=3) | 50.00 ± 10.00 (n=3) |");
  EXPECT_HAS(md.out, "| Swepo-dynamic (p=1) K=2 | 7.00 ± 2.83 (n=2) | 46.00 ± 1.41 (n=2) |");
  EXPECT_HAS(md.out, "| Swepo-dynamic (p=1) K=4 | 21.00 ± 1.00 (n=3) | 57.00 ± 2.65 (n=3) |");
  CliRun csv = report("kablation --format csv" + archived_tables());
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_HAS(csv.out, "method,Alpaca LC mean,Alpaca LC std,Alpaca LC n,Alpaca WR mean,Alpaca WR std,Alpaca WR n\n");
  EXPECT_HAS(csv.out, "\nDPO K=2,,,,,,\n");
  EXPECT_HAS(csv.out, "\nSwepo-dynamic (p=1) K=2,7.00,2.83,2,46.00,1.41,2\n");
  CliRun tex = report("kablation --format latex" + archived_tables());
  ASSERT_EQ(tex.code, 0) << tex.err;
  EXPECT_HAS(tex.out, "DPO K=2 & -- & -- \\\\");
  CliRun js = report("kablation --format json" + archived_tables());
  ASSERT_EQ(js.code, 0) << js.err;
  auto j = nlohmann::json::parse(js.out);
  EXPECT_TRUE(j["rows"][0]["cells"][0].is_null());
  EXPECT_NEAR(j["rows"][1]["cells"][0]["var"].get<double>(), 13, 1e-12);
  // --out writes the file and nothing to stdout.
  const std::string out = *dir_ + "/k.md";
  CliRun o = report("kablation --out " + out + archived_tables());
  ASSERT_EQ(o.code, 0) << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(slurp(out), md.out);
}

TEST_F(CmdReport, Table2VarianceAndTest) {
  // Table 2 over seeds (table2.yaml varies pair_seed alone, which the fixture's runs do not have:
  // an unknown key, exit 2).
  EXPECT_EQ(report("table2 --format json" + archived_tables()).code, 2);
  CliRun r = report("table2_all_seeds --format json" + archived_tables());
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
  r = report("table1" + archived_tables());
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

TEST_F(CmdReport, UnknownMetricsAndKeysListTheValidOnes) {
  CliRun r = report("--group-by loss.name --metric pref/los");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--metric: unknown metric 'pref/los' (did you mean 'pref/loss'?)");
  EXPECT_HAS(r.err, "eval metrics (SUITE.METRIC) in the database: alpaca.lc, alpaca.wr");
  EXPECT_HAS(r.err, "training metrics (KEY with a '/') in the database: pref/loss");
  r = report("--group-by loss.name --metric loss");  // neither kind: the valid names say which is meant
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "unknown metric 'loss' (did you mean 'pref/loss'?)");
  r = report("--group-by loss.name --metric alpaca.lx");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "eval metrics (SUITE.METRIC) in the database: alpaca.lc, alpaca.wr");
  const std::string keys = "param keys in the database: data.K, loss.alpha, loss.beta, loss.name, loss.p, model.name, seed";
  r = report("--group-by loss.nam --metric alpaca.lc");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--group-by: unknown param key 'loss.nam' (did you mean 'loss.name'?)");
  EXPECT_HAS(r.err, keys);
  r = report("--group-by loss.name --metric alpaca.lc --where loss.nme=dpo");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--where: unknown param key 'loss.nme'");
  EXPECT_HAS(r.err, keys);
  r = report("--group-by loss.name --metric alpaca.lc --pool model.nme");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--pool: unknown param key 'model.nme' (did you mean 'model.name'?)");
  EXPECT_HAS(r.err, keys);
  // 'K=~' on a key no run has still matches every run (a store older than the key).
  r = report("--group-by loss.name --metric alpaca.lc --pool model.name,data.K --where model.arch=~ --format csv");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "\ndpo,4,17.2500,");
  // Options of the other kind of metric.
  r = report("--group-by loss.name --metric alpaca.lc --reduce min");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "applies to training metrics");
  r = report("--group-by loss.name --metric pref/loss --decoding greedy");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--decoding applies to eval metrics");
  r = report("--group-by loss.name --metric pref/loss --reduce mean_last:0");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "mean_last:N must be an integer >= 1");
  r = report("--group-by loss.name --metric pref/loss --reduce median");
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "valid: final | min | max | mean_last:N");
  r = report("kablation --reduce min" + tables());
  EXPECT_EQ(r.code, 2);
  EXPECT_HAS(r.err, "--reduce goes with --group-by/--metric");
}

TEST_F(CmdReport, TrainingMetricOverSeeds) {
  // A store of its own: pref/loss at steps 1, 2, 3 (ipo's step 2 is NaN: not a logged value).
  //   dpo    seed 0 {0.9, 0.4, 0.6}, seed 1 {0.8, 0.5, 0.2}, seed 2 {1.0, 0.3, 0.4}
  //   swepo  seed 0 {0.7, 0.1},      seed 1 {0.5, 0.3}
  //   ipo    seed 0 {0.5, NaN}
  const std::string db = *dir_ + "/train.db";
  {
    Store store(db);
    using P = std::vector<std::pair<std::string, std::string>>;
    const P dpo = {{"loss.name", "dpo"}}, swepo = {{"loss.name", "swepo"}}, ipo = {{"loss.name", "ipo"}};
    testing_report::fixture_add(store, {dpo, 0, 10, 40, {0.9, 0.4, 0.6}});
    testing_report::fixture_add(store, {dpo, 1, 12, 50, {0.8, 0.5, 0.2}});
    testing_report::fixture_add(store, {dpo, 2, 17, 60, {1.0, 0.3, 0.4}});
    testing_report::fixture_add(store, {swepo, 0, 20, 55, {0.7, 0.1}});
    testing_report::fixture_add(store, {swepo, 1, 22, 57, {0.5, 0.3}});
    testing_report::fixture_add(store, {ipo, 0, 5, 45, {0.5, std::nan("")}});
  }
  auto run = [&](const std::string& args) {
    return report_on(db, "--group-by loss.name --metric pref/loss --bootstrap 0 --format csv " + args);
  };
  // final (the default): dpo {0.6, 0.2, 0.4}: mean 0.4, deviations 0.2, -0.2, 0 -> var 0.08 / 2 = 0.04,
  // std 0.2; ipo {0.5} (n = 1: no std); swepo {0.1, 0.3}: mean 0.2, var 0.02, std 0.1414.
  CliRun r = run("");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "loss.name,n,mean,std,var,95% CI ci_lo,95% CI ci_hi,min,max\n"
            "dpo,3,0.4000,0.2000,0.0400,0.4000,0.4000,0.2000,0.6000\n"
            "ipo,1,0.5000,,,0.5000,0.5000,0.5000,0.5000\n"
            "swepo,2,0.2000,0.1414,0.0200,0.2000,0.2000,0.1000,0.3000\n");
  EXPECT_EQ(run("--reduce final").out, r.out);
  // min: dpo {0.4, 0.2, 0.3}: mean 0.3, var 0.02 / 2 = 0.01.
  r = run("--reduce min");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "\ndpo,3,0.3000,0.1000,0.0100,0.3000,0.3000,0.2000,0.4000\n");
  // max: dpo {0.9, 0.8, 1.0}: mean 0.9, var 0.01; swepo {0.7, 0.5}: mean 0.6, var 0.02.
  r = run("--reduce max");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "\ndpo,3,0.9000,0.1000,0.0100,0.9000,0.9000,0.8000,1.0000\n");
  EXPECT_HAS(r.out, "\nswepo,2,0.6000,0.1414,0.0200,");
  // mean_last:2: dpo {(0.4 + 0.6) / 2, (0.5 + 0.2) / 2, (0.3 + 0.4) / 2} = {0.5, 0.35, 0.35}: mean 0.4,
  // deviations 0.1, -0.05, -0.05 -> var 0.015 / 2 = 0.0075, std 0.0866; swepo {0.4, 0.4}: std 0
  // (up to rounding: the var column shows a tiny number in %.2g).
  r = run("--reduce mean_last:2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "\ndpo,3,0.4000,0.0866,0.0075,0.4000,0.4000,0.3500,0.5000\n");
  EXPECT_HAS(r.out, "\nswepo,2,0.4000,0.0000,");
  // mean_last:9, past the logged steps: every step; dpo {1.9 / 3, 1.5 / 3, 1.7 / 3}: mean 5.1 / 9.
  r = run("--reduce mean_last:9 --precision 6");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "\ndpo,3,0.566667,");
  r = report_on(db, "--group-by loss.name --metric pref/loss --reduce min");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_HAS(r.out, "### pref/loss (min) by loss.name\n");
  // A table file's training columns, beside an eval column.
  const std::string table = testing_report::fixture_file(
      *dir_, "train_table.yaml",
      "columns:\n"
      "  - {label: final loss, metric: pref/loss}\n"
      "  - {label: min loss, metric: pref/loss, reduce: min}\n"
      "  - {label: LC, metric: alpaca.lc}\n"
      "rows:\n"
      "  - {label: DPO, where: {loss.name: dpo}}\n"
      "  - {label: Swepo, where: {loss.name: swepo}}\n");
  r = report_on(db, table);
  ASSERT_EQ(r.code, 0) << r.err;
  // LC: dpo {10, 12, 17}: 13 ± √13 = 3.61; swepo {20, 22}: 21 ± √2 = 1.41.
  EXPECT_HAS(r.out, "| DPO | 0.40 ± 0.20 (n=3) | 0.30 ± 0.10 (n=3) | 13.00 ± 3.61 (n=3) |");
  EXPECT_HAS(r.out, "| Swepo | 0.20 ± 0.14 (n=2) | 0.20 ± 0.14 (n=2) | 21.00 ± 1.41 (n=2) |");
}

TEST_F(CmdReport, AbsentParamInLatexIsADash) {
  // loss.p: the dpo runs have none ("~"): {10, 12, 17, 30}, n 4, mean 17.25.
  const std::string args = "--group-by loss.p --metric alpaca.lc --pool model.name,data.K --format ";
  CliRun tex = report(args + "latex");
  ASSERT_EQ(tex.code, 0) << tex.err;
  EXPECT_HAS(tex.out, "\n-- & 4 & 17.2500 & ");
  EXPECT_EQ(tex.out.find("textasciitilde"), std::string::npos) << tex.out;
  CliRun md = report(args + "md");
  ASSERT_EQ(md.code, 0) << md.err;
  EXPECT_HAS(md.out, "\n| ~ | 4 | 17.2500 | ");
}

TEST_F(CmdReport, DbHelpNamesBothBackends) {
  for (const char* cmd : {"report", "plot"}) {
    const std::string c = std::string(SWEPO_BIN) + " " + cmd + " --help >" + *dir_ + "/help.txt 2>&1";
    EXPECT_EQ(WEXITSTATUS(std::system(c.c_str())), 0);
    EXPECT_HAS(slurp(*dir_ + "/help.txt"), "results store: an SQLite path or a postgresql://");  // (wrapped)
  }
}
