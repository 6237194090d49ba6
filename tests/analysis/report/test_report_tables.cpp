// Tables over the fixture store (report_fixture.h): cells, missing rows, decodings, test rows,
// group-by, and each output format, with values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "analysis/report/report_build.h"
#include "analysis/report/report_data.h"
#include "analysis/report/report_spec.h"
#include "analysis/report/report_table.h"
#include "core/util/error.h"
#include "tests/analysis/report/report_fixture.h"

using namespace swepo;
using namespace swepo::report;

namespace {

class ReportTables : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing_report::fixture_dir("tables"));
    db_ = new std::string(testing_report::fixture_db(*dir_));
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
    delete db_;
  }
  ReportTable build(const std::string& yaml) {
    Store store(*db_);
    ReportData data(store);
    return report_build_table(table_spec_parse(yaml, "t.yaml"), data);
  }
  static std::string* dir_;
  static std::string* db_;
};
std::string* ReportTables::dir_ = nullptr;
std::string* ReportTables::db_ = nullptr;

const char* kSmall = R"(
title: T
columns:
  - {label: LC, metric: alpaca.lc}
  - {label: WR, metric: alpaca.wr}
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo p=1, where: {loss.name: swepo, loss.p: 1, model.name: tiny, data.K: 4}}
  - {label: DPOx3, where: {loss.name: dpo_best_vs_rest}}
)";

}  // namespace

TEST_F(ReportTables, CellsAreMeanStdOverFinishedSeeds) {
  ReportTable t = build(kSmall);
  ASSERT_EQ(t.cells.size(), 3u);
  // DPO LC {10, 12, 17}: mean 13, deviations −3, −1, 4 -> Σ² = 26, var = 26/2 = 13.
  const auto& lc = t.cells[0][0].stats;
  EXPECT_EQ(t.cells[0][0].kind, Cell::kStats);
  EXPECT_EQ(lc.n, 3);
  EXPECT_DOUBLE_EQ(lc.mean, 13);
  EXPECT_DOUBLE_EQ(lc.var, 13);
  EXPECT_DOUBLE_EQ(lc.std, std::sqrt(13.0));
  EXPECT_EQ(lc.min, 10);
  EXPECT_EQ(lc.max, 17);
  // DPO WR {40, 50, 60}: mean 50, var (100 + 0 + 100)/2 = 100.
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.mean, 50);
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.var, 100);
  // Swepo p=1 (seed 2 stored p = 1.0 as REAL; 1 = 1.0 numerically): LC {20, 21, 22} mean 21 var 1;
  // the FAILED seed 3 with an LC of 1000 and the RUNNING p=2 run are not counted.
  EXPECT_EQ(t.cells[1][0].stats.n, 3);
  EXPECT_DOUBLE_EQ(t.cells[1][0].stats.mean, 21);
  EXPECT_DOUBLE_EQ(t.cells[1][0].stats.var, 1);
  // WR {55, 56, 60}: mean 57, deviations −2, −1, 3 -> var 14/2 = 7.
  EXPECT_DOUBLE_EQ(t.cells[1][1].stats.mean, 57);
  EXPECT_DOUBLE_EQ(t.cells[1][1].stats.var, 7);
  // No DPOx3 run: missing, never zero.
  EXPECT_EQ(t.cells[2][0].kind, Cell::kMissing);
  EXPECT_EQ(t.cells[2][1].kind, Cell::kMissing);
}

TEST_F(ReportTables, BootstrapIntervalByHand) {
  // Swepo K=2 LC {5, 9}: a bootstrap mean is 5, 7 or 9 with probabilities 1/4, 1/2, 1/4; with 1000
  // resamples both 5 and 9 occur far more than 25 times, so the 2.5% and 97.5% percentiles are 5 and 9.
  ReportTable t = build(R"(
columns: [{label: LC, metric: alpaca.lc, stat: mean_ci}]
rows: [{label: K2, where: {data.K: 2}}, {label: small, where: {model.name: small}}]
)");
  const auto& s = t.cells[0][0].stats;
  EXPECT_EQ(s.n, 2);
  EXPECT_DOUBLE_EQ(s.mean, 7);
  EXPECT_DOUBLE_EQ(s.var, 8);  // (4 + 4) / 1
  EXPECT_DOUBLE_EQ(s.ci_lo, 5);
  EXPECT_DOUBLE_EQ(s.ci_hi, 9);
  // One seed: the interval is the value itself.
  EXPECT_DOUBLE_EQ(t.cells[1][0].stats.ci_lo, 30);
  EXPECT_DOUBLE_EQ(t.cells[1][0].stats.ci_hi, 30);
  // Seeded: the same table twice gives the same interval; it lies within [min, max] around the mean.
  ReportTable u = build(kSmall);
  ReportTable v = build(kSmall);
  const auto& a = u.cells[0][0].stats;
  EXPECT_EQ(a.ci_lo, v.cells[0][0].stats.ci_lo);
  EXPECT_EQ(a.ci_hi, v.cells[0][0].stats.ci_hi);
  EXPECT_LE(a.min, a.ci_lo);
  EXPECT_LT(a.ci_lo, a.mean);
  EXPECT_LT(a.mean, a.ci_hi);
  EXPECT_LE(a.ci_hi, a.max);
}

TEST_F(ReportTables, ColumnGroupsAddTheirFilter) {
  ReportTable t = build(R"(
groups: [{label: tiny, where: {model.name: tiny}}, {label: small, where: {model.name: small}}]
columns: [{label: LC, metric: alpaca.lc}]
rows: [{label: DPO, where: {loss.name: dpo}}, {label: Swepo, where: {loss.name: swepo, data.K: 4}}]
)");
  ASSERT_EQ(t.columns.size(), 2u);
  EXPECT_EQ(t.columns[0].group, "tiny");
  EXPECT_EQ(t.columns[1].group, "small");
  EXPECT_DOUBLE_EQ(t.cells[0][0].stats.mean, 13);  // DPO tiny
  EXPECT_EQ(t.cells[0][1].stats.n, 1);             // DPO small: one seed, LC 30
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.mean, 30);
  EXPECT_EQ(t.cells[1][1].kind, Cell::kMissing);   // no swepo run on small
  const std::string md = render_markdown(t);
  EXPECT_NE(md.find("| method | tiny: LC | small: LC |"), std::string::npos) << md;
  EXPECT_NE(md.find("| DPO | 13.00 ± 3.61 (n=3) | 30.00 (n=1) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| Swepo | 21.00 ± 1.00 (n=3) | — |"), std::string::npos) << md;
  const std::string tex = render_latex(t);
  EXPECT_NE(tex.find("& \\multicolumn{1}{c}{tiny} & \\multicolumn{1}{c}{small} \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\cmidrule(lr){2-2}\\cmidrule(lr){3-3}"), std::string::npos) << tex;
}

TEST_F(ReportTables, DecodingSelection) {
  // The fixture's greedy rows are the avg rows + 100.
  ReportTable t = build(R"(
decoding: greedy
columns: [{label: LC greedy, metric: alpaca.lc}, {label: LC avg, metric: alpaca.lc, decoding: avg},
          {label: LC auto, metric: alpaca.lc, decoding: auto}]
rows: [{label: DPO, where: {loss.name: dpo, model.name: tiny}}]
)");
  EXPECT_DOUBLE_EQ(t.cells[0][0].stats.mean, 113);
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.mean, 13);
  EXPECT_DOUBLE_EQ(t.cells[0][2].stats.mean, 13);  // auto picks 'avg'
  try {
    build("decoding: t=0.7\ncolumns: [{metric: alpaca.lc}]\nrows: [{label: a}]\n");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("t.yaml"), std::string::npos) << m;
    EXPECT_NE(m.find("no decoding 't=0.7'"), std::string::npos) << m;
    EXPECT_NE(m.find("'avg', 'greedy'"), std::string::npos) << m;
  }
}

TEST_F(ReportTables, BrownForsytheTestRow) {
  ReportTable t = build(R"(
columns:
  - {label: Var(LC), metric: alpaca.lc, stat: var}
  - {label: Var(WR), metric: alpaca.wr, stat: var}
  - {label: n, metric: alpaca.lc, stat: n}
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo, where: {loss.name: swepo, loss.p: 1, data.K: 4}}
tests:
  - {label: BF p, rows: [DPO, Swepo], columns: [Var(LC), Var(WR)]}
)");
  ASSERT_EQ(t.cells.size(), 3u);
  EXPECT_EQ(t.row_labels[2][0], "BF p");
  // LC: DPO {10, 12, 17} median 12, z = {2, 0, 5}, z̄ = 7/3; Swepo {20, 21, 22} median 21,
  // z = {1, 0, 1}, z̄ = 2/3; grand z̄ = 3/2. between = 3 (5/6)² · 2 = 25/6;
  // within = (1 + 49 + 64)/9 + (1 + 4 + 1)/9 = 120/9 = 40/3. W = 4 · (25/6)/(40/3) = 5/4;
  // p = P(F(1, 4) > 1.25) = 0.326164235345060374249 (mpmath betainc(2, 1/2, 0, 4/5.25)).
  ASSERT_EQ(t.cells[2][0].kind, Cell::kNumber);
  EXPECT_NEAR(t.cells[2][0].number, 0.326164235345060374249, 1e-12);
  // WR: {40, 50, 60} vs {55, 56, 60}: W = 1.99115044247788 (z = {10, 0, 10} and {1, 0, 4}),
  // p = 0.231053709215932821957 (mpmath).
  EXPECT_NEAR(t.cells[2][1].number, 0.231053709215932821957, 1e-12);
  EXPECT_EQ(t.cells[2][2].kind, Cell::kEmpty);  // not a tested column
  EXPECT_EQ(t.cells[0][2].stats.n, 3);
  const std::string md = render_markdown(t);
  EXPECT_NE(md.find("| DPO | 13.00 | 100.00 | 3 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| BF p | 0.33 | 0.23 |  |"), std::string::npos) << md;
}

TEST_F(ReportTables, MarkdownCsvLatexJson) {
  ReportTable t = build(kSmall);
  // sqrt(13) = 3.6056 -> 3.61; sqrt(7) = 2.6458 -> 2.65.
  EXPECT_EQ(render_markdown(t),
            "### T\n\n"
            "| method | LC | WR |\n"
            "| --- | ---: | ---: |\n"
            "| DPO | 13.00 ± 3.61 (n=3) | 50.00 ± 10.00 (n=3) |\n"
            "| Swepo p=1 | 21.00 ± 1.00 (n=3) | 57.00 ± 2.65 (n=3) |\n"
            "| DPOx3 | — | — |\n");
  EXPECT_EQ(render_csv(t),
            "method,LC mean,LC std,LC n,WR mean,WR std,WR n\n"
            "DPO,13.00,3.61,3,50.00,10.00,3\n"
            "Swepo p=1,21.00,1.00,3,57.00,2.65,3\n"
            "DPOx3,,,,,,\n");
  const std::string tex = render_latex(t);
  EXPECT_NE(tex.find("\\begin{tabular}{lrr}"), std::string::npos) << tex;
  EXPECT_NE(tex.find("method & LC & WR \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("DPO & 13.00 $\\pm$ 3.61 (n=3) & 50.00 $\\pm$ 10.00 (n=3) \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("DPOx3 & -- & -- \\\\"), std::string::npos) << tex;
  EXPECT_NE(tex.find("\\bottomrule"), std::string::npos);
  auto j = nlohmann::json::parse(render_json(t));
  EXPECT_EQ(j["title"], "T");
  ASSERT_EQ(j["rows"].size(), 3u);
  EXPECT_EQ(j["rows"][0]["labels"][0], "DPO");
  EXPECT_EQ(j["rows"][0]["cells"][0]["n"], 3);
  EXPECT_DOUBLE_EQ(j["rows"][0]["cells"][0]["mean"].get<double>(), 13);
  EXPECT_DOUBLE_EQ(j["rows"][0]["cells"][0]["var"].get<double>(), 13);
  EXPECT_DOUBLE_EQ(j["rows"][1]["cells"][1]["var"].get<double>(), 7);
  EXPECT_TRUE(j["rows"][2]["cells"][0].is_null());
  EXPECT_TRUE(j["rows"][2]["cells"][1].is_null());
  EXPECT_THROW(render_table(t, "html"), UserError);
}

TEST_F(ReportTables, EscapingInCsvAndLatex) {
  ReportTable t = build(R"(
columns: [{label: "LC, 100%", metric: alpaca.lc, stat: mean}]
rows: [{label: "a_b & c", where: {loss.name: dpo, model.name: tiny}}]
)");
  EXPECT_EQ(render_csv(t), "method,\"LC, 100%\"\na_b & c,13.00\n");  // only the comma needs quotes
  EXPECT_NE(render_latex(t).find("a\\_b \\& c & 13.00"), std::string::npos);
  EXPECT_NE(render_latex(t).find("LC, 100\\%"), std::string::npos);
}

TEST_F(ReportTables, AbsentAndAnyOfFilters) {
  ReportTable t = build(R"(
columns: [{label: LC, metric: alpaca.lc, stat: mean_std}]
rows:
  - {label: no p, where: {loss.p: ~}, pool: [model.name]}   # the dpo runs: tiny {10, 12, 17} + small {30}
  - {label: K any, where: {loss.name: swepo, data.K: [2, 4]}, pool: [data.K]}   # {20, 21, 22, 5, 9}
  - {label: p 1 or none, where: {loss.p: [1, ~]},       # both of the above: 69 + 77 over 9 runs
     pool: [loss.name, loss.p, loss.beta, loss.alpha, model.name, data.K]}
)");
  // (Each row mixes configurations on purpose, so each says which keys it pools; report_pool.h.)
  EXPECT_EQ(t.cells[0][0].stats.n, 4);
  EXPECT_DOUBLE_EQ(t.cells[0][0].stats.mean, 17.25);  // 69 / 4
  EXPECT_EQ(t.cells[1][0].stats.n, 5);
  EXPECT_DOUBLE_EQ(t.cells[1][0].stats.mean, 15.4);   // 77 / 5
  EXPECT_EQ(t.cells[2][0].stats.n, 9);
  EXPECT_NEAR(t.cells[2][0].stats.mean, 146.0 / 9.0, 1e-12);
  // The command-line form of the same filter.
  const ParamMatch m = parse_param_match("loss.p=1|~", "--where");
  EXPECT_TRUE(m.absent);
  EXPECT_EQ(m.any_of, std::vector<std::string>{"1"});
  EXPECT_TRUE(parse_param_match("loss.p=~", "--where").any_of.empty());
}

TEST_F(ReportTables, UnknownKeysAndMetricsNameThem) {
  auto message = [&](const std::string& yaml) {
    try {
      build(yaml);
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = message("columns: [{metric: alpaca.lcc}]\nrows: [{label: a}]\n");
  EXPECT_NE(m.find("unknown metric 'alpaca.lcc'"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'alpaca.lc'"), std::string::npos) << m;
  EXPECT_NE(m.find("t.yaml"), std::string::npos) << m;
  m = message("columns: [{metric: alpaca.lc}]\nrows: [{label: a, where: {loss.nam: dpo}}]\n");
  EXPECT_NE(m.find("unknown param key 'loss.nam'"), std::string::npos) << m;
  EXPECT_NE(m.find("rows[0].where"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean 'loss.name'"), std::string::npos) << m;
  EXPECT_NE(m.find("param keys in the database: data.K, loss.alpha, loss.beta, loss.name, loss.p, model.name, seed"),
            std::string::npos)
      << m;
  m = message("groups: [{label: g, where: {model.size: 3}}]\ncolumns: [{metric: alpaca.lc}]\nrows: [{label: a}]\n");
  EXPECT_NE(m.find("unknown param key 'model.size'"), std::string::npos) << m;
  // Training metrics: the valid names of both kinds are listed.
  m = message("columns: [{metric: pref/los}]\nrows: [{label: a}]\n");
  EXPECT_NE(m.find("columns[0]"), std::string::npos) << m;
  EXPECT_NE(m.find("unknown metric 'pref/los' (did you mean 'pref/loss'?)"), std::string::npos) << m;
  EXPECT_NE(m.find("eval metrics (SUITE.METRIC) in the database: alpaca.lc, alpaca.wr"), std::string::npos) << m;
  EXPECT_NE(m.find("training metrics (KEY with a '/') in the database: pref/loss"), std::string::npos) << m;
  m = message("columns: [{metric: pref.loss}]\nrows: [{label: a}]\n");
  EXPECT_NE(m.find("unknown metric 'pref.loss' (did you mean 'pref/loss'?)"), std::string::npos) << m;
}

TEST_F(ReportTables, GroupBy) {
  Store store(*db_);
  ReportData data(store);
  GroupByQuery q;
  q.keys = {"loss.name", "data.K"};
  q.metric = "alpaca.wr";
  // (dpo, 4) holds a tiny and a small run: one configuration per group unless pooled.
  EXPECT_THROW(report_group_by(q, data), UserError);
  q.pool = {"model.name"};
  ReportTable t = report_group_by(q, data);
  // Groups sorted numerically: (dpo, 4) {40, 50, 60, 70}; (swepo, 2) {45, 47}; (swepo, 4) {55, 56, 60}.
  ASSERT_EQ(t.cells.size(), 3u);
  EXPECT_EQ(t.label_headers, (std::vector<std::string>{"loss.name", "data.K"}));
  EXPECT_EQ(t.row_labels[0], (std::vector<std::string>{"dpo", "4"}));
  EXPECT_EQ(t.row_labels[1], (std::vector<std::string>{"swepo", "2"}));
  EXPECT_EQ(t.row_labels[2], (std::vector<std::string>{"swepo", "4"}));
  // dpo: mean 55, deviations −15, −5, 5, 15 -> Σ² = 500, var 500/3.
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.mean, 55);
  EXPECT_DOUBLE_EQ(t.cells[0][1].stats.var, 500.0 / 3.0);
  EXPECT_EQ(t.cells[0][1].stats.n, 4);
  EXPECT_DOUBLE_EQ(t.cells[1][1].stats.var, 2);  // {45, 47}
  const std::string csv = render_csv(t);
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "loss.name,data.K,n,mean,std,var,95% CI ci_lo,95% CI ci_hi,min,max");
  EXPECT_NE(csv.find("\nswepo,2,2,46.0000,1.4142,2.0000,45.0000,47.0000,45.0000,47.0000\n"), std::string::npos) << csv;
  q.keys = {"loss.nme"};
  EXPECT_THROW(report_group_by(q, data), UserError);
  q.keys = {"loss.name"};
  q.metric = "arena.wr";
  EXPECT_THROW(report_group_by(q, data), UserError);
  q.metric = "alpaca";
  EXPECT_THROW(report_group_by(q, data), UserError);
}

TEST_F(ReportTables, TrainingMetricColumnsReduceEachRunsSteps) {
  // pref/loss at steps 1, 2 (report_fixture.h): dpo tiny K4 {0.7, 0.5}, {0.6, 0.4}, {0.8, 0.3};
  // swepo tiny K4 p=1 {0.5, 0.2} x 3; dpo small logged none.
  ReportTable t = build(R"(
columns:
  - {label: final, metric: pref/loss, stat: mean_std}
  - {label: min, metric: pref/loss, reduce: min, stat: mean}
  - {label: max, metric: pref/loss, reduce: max, stat: mean}
  - {label: last2, metric: pref/loss, reduce: "mean_last:2", stat: mean_std}
  - {label: last5, metric: pref/loss, reduce: "mean_last:5", stat: mean}
  - {label: last1, metric: pref/loss, reduce: "mean_last:1", stat: mean}
  - {label: LC, metric: alpaca.lc, stat: mean}
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo, where: {loss.name: swepo, data.K: 4, loss.p: 1}}
  - {label: DPO small, where: {loss.name: dpo, model.name: small}}
)");
  ASSERT_EQ(t.cells.size(), 3u);
  // final {0.5, 0.4, 0.3}: mean 0.4, deviations ±0.1, 0 -> var 0.02 / 2 = 0.01.
  EXPECT_EQ(t.cells[0][0].stats.n, 3);
  EXPECT_NEAR(t.cells[0][0].stats.mean, 0.4, 1e-12);
  EXPECT_NEAR(t.cells[0][0].stats.var, 0.01, 1e-12);
  EXPECT_NEAR(t.cells[0][1].stats.mean, 0.4, 1e-12);  // min = final (every loss decreased)
  EXPECT_NEAR(t.cells[0][2].stats.mean, 0.7, 1e-12);  // max {0.7, 0.6, 0.8}
  // mean_last:2 {0.6, 0.5, 0.55}: mean 0.55, deviations ±0.05, 0 -> var 0.005 / 2 = 0.0025.
  EXPECT_NEAR(t.cells[0][3].stats.mean, 0.55, 1e-12);
  EXPECT_NEAR(t.cells[0][3].stats.var, 0.0025, 1e-12);
  EXPECT_NEAR(t.cells[0][4].stats.mean, 0.55, 1e-12);  // N past the 2 logged steps: all of them
  EXPECT_NEAR(t.cells[0][5].stats.mean, 0.4, 1e-12);   // mean_last:1 = final
  EXPECT_DOUBLE_EQ(t.cells[0][6].stats.mean, 13);      // an eval column beside them
  EXPECT_EQ(t.cells[1][0].stats.n, 3);
  EXPECT_NEAR(t.cells[1][0].stats.mean, 0.2, 1e-12);
  EXPECT_NEAR(t.cells[1][3].stats.mean, 0.35, 1e-12);
  EXPECT_EQ(t.cells[2][0].kind, Cell::kMissing);  // logged nothing: missing, not zero
  EXPECT_EQ(t.cells[2][6].stats.n, 1);
  EXPECT_NE(render_markdown(t).find("| DPO | 0.40 ± 0.10 (n=3) | 0.40 | 0.70 | 0.55 ± 0.05 (n=3) |"),
            std::string::npos)
      << render_markdown(t);
}

TEST_F(ReportTables, GroupByTrainingMetricAndAbsentLabel) {
  Store store(*db_);
  ReportData data(store);
  GroupByQuery q;
  q.keys = {"loss.alpha"};
  q.metric = "pref/loss";
  q.reduce = "max";
  q.bootstrap = 0;
  ReportTable t = report_group_by(q, data);
  // loss.alpha absent ("~"): the dpo tiny runs (dpo small logged no pref/loss): max {0.7, 0.6, 0.8};
  // loss.alpha 1: the swepo K4 runs (K2 logged none), max 0.5 each.
  ASSERT_EQ(t.cells.size(), 2u);
  EXPECT_EQ(t.title, "pref/loss (max) by loss.alpha");
  EXPECT_EQ(t.row_labels[0], std::vector<std::string>{"1"});
  EXPECT_EQ(t.row_labels[1], std::vector<std::string>{"~"});
  EXPECT_NEAR(t.cells[0][1].stats.mean, 0.5, 1e-12);
  EXPECT_NEAR(t.cells[1][1].stats.mean, 0.7, 1e-12);
  EXPECT_NEAR(t.cells[1][1].stats.var, 0.01, 1e-12);
  // The absent label: "~" in md and csv (the filter's spelling), "--" in LaTeX.
  EXPECT_NE(render_markdown(t).find("\n| ~ | 3 | 0.7000 |"), std::string::npos) << render_markdown(t);
  EXPECT_NE(render_csv(t).find("\n~,3,0.7000,"), std::string::npos) << render_csv(t);
  const std::string tex = render_latex(t);
  EXPECT_NE(tex.find("\n-- & 3 & 0.7000 & "), std::string::npos) << tex;
  EXPECT_EQ(tex.find("textasciitilde"), std::string::npos) << tex;
  q.reduce = "median";
  EXPECT_THROW(report_group_by(q, data), UserError);
  q.reduce = "";
  q.metric = "alpaca.lc";
  q.pool = {"model.name", "data.K"};
  EXPECT_EQ(report_group_by(q, data).cells.size(), 2u);
  q.reduce = "final";  // a reduction over steps on an eval metric
  EXPECT_THROW(report_group_by(q, data), UserError);
}

TEST(ReportStepReduce, ParseAndApply) {
  EXPECT_EQ(parse_step_reduce("", "--reduce").kind, StepReduce::kFinal);
  EXPECT_EQ(parse_step_reduce("final", "--reduce").kind, StepReduce::kFinal);
  EXPECT_EQ(parse_step_reduce("min", "--reduce").kind, StepReduce::kMin);
  EXPECT_EQ(parse_step_reduce("max", "--reduce").kind, StepReduce::kMax);
  const StepReduce r = parse_step_reduce("mean_last:3", "--reduce");
  EXPECT_EQ(r.kind, StepReduce::kMeanLast);
  EXPECT_EQ(r.last, 3);
  EXPECT_EQ(step_reduce_text(r), "mean_last:3");
  const std::vector<double> v = {4, 1, 2, 6};
  EXPECT_DOUBLE_EQ(step_reduce_apply(parse_step_reduce("final", ""), v), 6);
  EXPECT_DOUBLE_EQ(step_reduce_apply(parse_step_reduce("min", ""), v), 1);
  EXPECT_DOUBLE_EQ(step_reduce_apply(parse_step_reduce("max", ""), v), 6);
  EXPECT_DOUBLE_EQ(step_reduce_apply(r, v), 3);                          // (1 + 2 + 6) / 3
  EXPECT_DOUBLE_EQ(step_reduce_apply(parse_step_reduce("mean_last:9", ""), v), 3.25);  // all 4
  for (const char* bad : {"mean_last:0", "mean_last:", "mean_last:x", "mean_last:2.5", "last", "mean"}) {
    try {
      parse_step_reduce(bad, "--reduce");
      ADD_FAILURE() << bad << ": no error";
    } catch (const UserError& e) {
      EXPECT_NE(std::string(e.what()).find("--reduce"), std::string::npos) << e.what();
    }
  }
  try {
    parse_step_reduce("median", "--reduce");
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("valid: final | min | max | mean_last:N"), std::string::npos) << e.what();
  }
}

TEST(ReportEmptyStore, EveryCellMissing) {
  // A fresh store has no params and no evals: nothing to check keys against; every cell is missing.
  const std::string dir = testing_report::fixture_dir("empty");
  Store store(dir + "/empty.db");
  ReportData data(store);
  ReportTable t = report_build_table(
      table_spec_parse("columns: [{metric: alpaca.lc}]\nrows: [{label: a, where: {loss.name: dpo}}]\n", "e.yaml"),
      data);
  EXPECT_EQ(t.cells[0][0].kind, Cell::kMissing);
  EXPECT_EQ(render_csv(t), "method,alpaca.lc mean,alpaca.lc std,alpaca.lc n\na,,,\n");
  std::filesystem::remove_all(dir);
}
