// Paired Δ vs a baseline and the power columns (report_spec.h "Paired Δ", "Power") over the
// fixture store (report_fixture.h), with every number worked out by hand from the fixture:
//
//   seed                      0    1    2
//   DPO tiny K4      LC      10   12   17      WR  40  50  60
//   Swepo tiny K4    LC      20   21   22      WR  55  56  60
//   Swepo tiny K2    LC       5    9           WR  45  47
//
// Swepo K4 − DPO, LC: d = 10, 9, 5; mean 8; deviations 2, 1, −3, Σ² = 14, var 7, sd √7 = 2.6458;
//   sd/√3 = 1.5275; half-width t_{0.975,2}·1.5275 = 4.3027·1.5275 = 6.5724; [1.43, 14.57]: resolved.
// Swepo K4 − DPO, WR: d = 15, 6, 0; mean 7; deviations 8, −1, −7, Σ² = 114, var 57, sd 7.5498;
//   sd/√3 = 4.3589; half-width 4.3027·4.3589 = 18.7548; [−11.75, 25.75]: not resolved.
// Swepo K2 − DPO (seeds 0, 1), LC: d = −5, −3; mean −4; Σ² = 2, var 2, sd √2; sd/√2 = 1;
//   half-width t_{0.975,1} = 12.7062. WR: d = 5, −3; mean 1; Σ² = 32, sd √32; sd/√2 = 4; 50.8248.
// MDD = (t_{0.975,n−1} + t_{0.80,n−1})·sd/√n: K4 LC (4.3027 + 1.0607)·1.5275 = 8.19;
//   K2 LC (12.7062 + 1.3764)·1 = 14.08. Seeds for Δ = 1 (smallest n with MDD <= 1, computed with
//   the same formula in mpmath): sd √7 -> 57, sd √2 -> 18; for Δ = 2: 16 and 7.
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

class ReportPaired : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing_report::fixture_dir("paired"));
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
  ReportTable group_by(const GroupByQuery& q) {
    Store store(*db_);
    ReportData data(store);
    return report_group_by(q, data);
  }
  std::string error_of(const std::string& yaml) {
    try {
      build(yaml);
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::string error_of(const GroupByQuery& q) {
    try {
      group_by(q);
    } catch (const UserError& e) {
      return e.what();
    }
    return "(no error)";
  }
  static std::string* dir_;
  static std::string* db_;
};
std::string* ReportPaired::dir_ = nullptr;
std::string* ReportPaired::db_ = nullptr;

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

const std::string kRows = R"(
columns:
  - {label: LC, metric: alpaca.lc}
  - {label: WR, metric: alpaca.wr}
  - {label: Var(LC), metric: alpaca.lc, stat: var}
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo K=4, where: {loss.name: swepo, loss.p: 1, model.name: tiny, data.K: 4}}
  - {label: Swepo K=2, where: {loss.name: swepo, model.name: tiny, data.K: 2}}
  - {label: none, where: {loss.name: dpo_best_vs_rest}}
)";
const std::string kBaseline = "title: T\ndecoding: avg\nbaseline: DPO\n" + kRows;

}  // namespace

TEST_F(ReportPaired, SpecBaselineCellsAreDeltas) {
  ReportTable t = build(kBaseline);
  EXPECT_EQ(t.baseline, "DPO");
  ASSERT_EQ(t.columns.size(), 3u);
  EXPECT_TRUE(t.columns[0].paired);
  EXPECT_TRUE(t.columns[1].paired);
  EXPECT_FALSE(t.columns[2].paired);  // a var column keeps its statistic
  // The baseline keeps its own statistics.
  EXPECT_EQ(t.cells[0][0].kind, Cell::kStats);
  const Cell& lc = t.cells[1][0];
  ASSERT_EQ(lc.kind, Cell::kPaired);
  EXPECT_EQ(lc.paired.n, 3);
  EXPECT_DOUBLE_EQ(lc.paired.mean, 8.0);
  EXPECT_NEAR(lc.paired.sd, std::sqrt(7.0), 1e-12);
  EXPECT_NEAR(lc.paired.half_width, 6.5724106, 1e-6);
  EXPECT_TRUE(lc.paired.resolved);
  EXPECT_DOUBLE_EQ(lc.stats.mean, 21.0);  // the row's own statistics travel with it (csv, json)
  const Cell& wr = t.cells[1][1];
  EXPECT_DOUBLE_EQ(wr.paired.mean, 7.0);
  EXPECT_NEAR(wr.paired.half_width, 18.7548284, 1e-6);
  EXPECT_FALSE(wr.paired.resolved);
  EXPECT_EQ(t.cells[2][0].paired.seeds, (std::vector<int64_t>{0, 1}));
  EXPECT_DOUBLE_EQ(t.cells[2][0].paired.mean, -4.0);
  EXPECT_EQ(t.cells[3][0].kind, Cell::kMissing);  // no runs: missing, as without a baseline

  const std::string md = render_markdown(t);
  EXPECT_HAS(md, "| method | LC | WR | Var(LC) |");
  EXPECT_HAS(md, "| DPO | 13.00 ± 3.61 (n=3) | 50.00 ± 10.00 (n=3) | 13.00 |");
  EXPECT_HAS(md, "| Swepo K=4 | +8.00 ± 6.57* (n=3) | +7.00 ± 18.75 (n=3) | 1.00 |");
  EXPECT_HAS(md, "| Swepo K=2 | -4.00 ± 12.71 (n=2) | +1.00 ± 50.82 (n=2) | 8.00 |");
  EXPECT_HAS(md, "| none | — | — | — |");
  EXPECT_HAS(md, "\nΔ vs DPO: the mean over the seeds both cells share of the per-seed difference (row - DPO)");
  EXPECT_HAS(md, "* = the interval excludes 0; n = seeds paired.");

  const std::string csv = render_csv(t);
  EXPECT_HAS(csv, "method,LC mean,LC std,LC n,LC delta,LC delta_ci_lo,LC delta_ci_hi,LC n_pairs,LC resolved,"
                  "WR mean,WR std,WR n,WR delta,WR delta_ci_lo,WR delta_ci_hi,WR n_pairs,WR resolved,Var(LC)\n");
  EXPECT_HAS(csv, "\nDPO,13.00,3.61,3,,,,,,50.00,10.00,3,,,,,,13.00\n");
  // 8 ∓ 6.5724 = 1.43, 14.57; 7 ∓ 18.7548 = −11.75, 25.75.
  EXPECT_HAS(csv, "\nSwepo K=4,21.00,1.00,3,8.00,1.43,14.57,3,1,57.00,2.65,3,7.00,-11.75,25.75,3,0,1.00\n");
  EXPECT_HAS(csv, "\nnone,,,,,,,,,,,,,,,,,\n");

  const auto j = nlohmann::json::parse(render_json(t));
  EXPECT_EQ(j["baseline"], "DPO");
  EXPECT_EQ(j["columns"][0]["paired"], true);
  EXPECT_FALSE(j["columns"][2].contains("paired"));
  const auto& p = j["rows"][1]["cells"][0]["paired"];
  EXPECT_DOUBLE_EQ(p["delta"].get<double>(), 8.0);
  EXPECT_NEAR(p["ci_lo"].get<double>(), 8.0 - 6.5724106, 1e-6);
  EXPECT_NEAR(p["ci_hi"].get<double>(), 8.0 + 6.5724106, 1e-6);
  EXPECT_EQ(p["n_pairs"], 3);
  EXPECT_EQ(p["resolved"], true);
  EXPECT_EQ(p["seeds"], nlohmann::json({0, 1, 2}));
  EXPECT_DOUBLE_EQ(j["rows"][1]["cells"][0]["mean"].get<double>(), 21.0);
  EXPECT_FALSE(j["rows"][0]["cells"][0].contains("paired"));

  const std::string tex = render_latex(t);
  EXPECT_HAS(tex, "Swepo K=4 & +8.00 $\\pm$ 6.57* (n=3) &");
  EXPECT_HAS(tex, "\\par\\footnotesize $\\Delta$ vs DPO:");
}

TEST_F(ReportPaired, WithoutBaselineNothingChanges) {
  const std::string plain = "title: T\ndecoding: avg\n" + kRows;
  ReportTable t = build(plain);
  EXPECT_TRUE(t.notes.empty());
  for (const auto& c : t.columns) EXPECT_FALSE(c.paired);
  EXPECT_HAS(render_markdown(t), "| Swepo K=4 | 21.00 ± 1.00 (n=3) | 57.00 ± 2.65 (n=3) | 1.00 |");
  EXPECT_FALSE(nlohmann::json::parse(render_json(t)).contains("baseline"));
}

TEST_F(ReportPaired, PowerColumnsFollowEachPairedColumn) {
  ReportTable t = build("decoding: avg\nbaseline: DPO\npower: true\n" + kRows);
  std::vector<std::string> labels;
  for (const auto& c : t.columns) labels.push_back(c.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"LC", "LC MDD", "LC seeds for Δ=1", "WR", "WR MDD", "WR seeds for Δ=1",
                                              "Var(LC)"}));
  const std::string md = render_markdown(t);
  // K4 LC: MDD 8.19, 57 seeds for Δ = 1; WR: sd √57, MDD 23.38, 450 seeds. K2 LC: 14.08, 18;
  // WR: sd √32, MDD 56.33, 254 seeds.
  EXPECT_HAS(md, "| DPO | 13.00 ± 3.61 (n=3) |  |  | 50.00 ± 10.00 (n=3) |  |  | 13.00 |");
  EXPECT_HAS(md, "| Swepo K=4 | +8.00 ± 6.57* (n=3) | 8.19 | 57 | +7.00 ± 18.75 (n=3) | 23.38 | 450 | 1.00 |");
  EXPECT_HAS(md, "| Swepo K=2 | -4.00 ± 12.71 (n=2) | 14.08 | 18 | +1.00 ± 50.82 (n=2) | 56.33 | 254 | 8.00 |");
  EXPECT_HAS(md, "| none | — | — | — | — | — | — | — |");
  EXPECT_HAS(md, "\nMDD: the smallest Δ found with 80% power");
  EXPECT_HAS(render_csv(t), "LC resolved,LC MDD,LC seeds for Δ=1,WR mean");
  EXPECT_HAS(render_csv(t), "\nSwepo K=4,21.00,1.00,3,8.00,1.43,14.57,3,1,8.19,57,");
  // power_delta: 2 -> 16 and 7 seeds.
  t = build("decoding: avg\nbaseline: DPO\npower: true\npower_delta: 2\n" + kRows);
  EXPECT_EQ(t.columns[2].label, "LC seeds for Δ=2");
  EXPECT_DOUBLE_EQ(t.cells[1][2].number, 16);
  EXPECT_DOUBLE_EQ(t.cells[2][2].number, 7);
}

TEST_F(ReportPaired, SpecErrors) {
  EXPECT_HAS(error_of("baseline: DOP\n" + kRows), "t.yaml: 'baseline' names unknown row 'DOP' (did you mean 'DPO'?)");
  EXPECT_HAS(error_of("baseline: DOP\n" + kRows), "rows: DPO, Swepo K=4, Swepo K=2, none");
  EXPECT_HAS(error_of("power: true\n" + kRows), "'power' needs a 'baseline' row");
  EXPECT_HAS(error_of("baseline: DPO\npower_delta: 0\n" + kRows), "power_delta");
  // No seed shared: seed 2 of Swepo K=4 against Swepo K=2's seeds 0, 1.
  const std::string disjoint = R"(
decoding: avg
baseline: K2
columns: [{label: LC, metric: alpaca.lc}]
rows:
  - {label: K2, where: {loss.name: swepo, model.name: tiny, data.K: 2}}
  - {label: K4 seed 2, where: {loss.name: swepo, model.name: tiny, data.K: 4, seed: 2}}
)";
  EXPECT_HAS(error_of(disjoint),
             "t.yaml: row 'K4 seed 2', column 'LC', shares no seed with the baseline row 'K2': its seeds 2; the "
             "baseline's 0, 1");
  // Two runs of seed 0 in one cell (K = 2 and K = 4 pooled): the pairing is ambiguous.
  const std::string dup = R"(
decoding: avg
baseline: DPO
columns: [{label: LC, metric: alpaca.lc}]
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo any K, where: {loss.name: swepo, model.name: tiny}, pool: [data.K]}
)";
  EXPECT_HAS(error_of(dup), "row 'Swepo any K', column 'LC' has two finished runs of seed 0");
}

TEST_F(ReportPaired, GroupByBaseline) {
  GroupByQuery q;
  q.keys = {"loss.name"};
  q.metric = "alpaca.lc";
  q.where = {parse_param_match("model.name=tiny", "w"), parse_param_match("data.K=4", "w")};
  q.bootstrap = 0;
  q.precision = 2;
  q.baseline = "loss.name=dpo";
  ReportTable t = group_by(q);
  ASSERT_EQ(t.columns.back().label, "Δ");
  EXPECT_EQ(t.columns.back().stat, "delta");
  const std::string md = render_markdown(t);
  EXPECT_HAS(md, "| loss.name | n | mean | std | var | 95% CI | min | max | Δ |");
  EXPECT_HAS(md, "| dpo | 3 | 13.00 | 3.61 | 13.00 | [13.00, 13.00] | 10.00 | 17.00 |  |");
  EXPECT_HAS(md, "| swepo | 3 | 21.00 | 1.00 | 1.00 | [21.00, 21.00] | 20.00 | 22.00 | +8.00 ± 6.57* (n=3) |");
  EXPECT_HAS(md, "Δ vs loss.name=dpo: the mean over the seeds");
  const std::string csv = render_csv(t);
  EXPECT_HAS(csv, "95% CI ci_hi,min,max,delta,delta_ci_lo,delta_ci_hi,n_pairs,resolved\n");
  EXPECT_HAS(csv, "\ndpo,3,13.00,3.61,13.00,13.00,13.00,10.00,17.00,,,,,\n");
  EXPECT_HAS(csv, "\nswepo,3,21.00,1.00,1.00,21.00,21.00,20.00,22.00,8.00,1.43,14.57,3,1\n");
  const auto j = nlohmann::json::parse(render_json(t));
  EXPECT_EQ(j["rows"][1]["cells"][7]["n_pairs"], 3);
  EXPECT_TRUE(j["rows"][0]["cells"][7].is_null());
  // --power: MDD and seeds for Δ = 1 after Δ.
  q.power = true;
  t = group_by(q);
  EXPECT_HAS(render_markdown(t), "| Δ | MDD | seeds for Δ=1 |");
  EXPECT_HAS(render_markdown(t), "| +8.00 ± 6.57* (n=3) | 8.19 | 57 |");
  // Numbers compare as numbers in the value; the swepo group shows as the baseline too when named.
  q.power = false;
  q.baseline = "loss.name=swepo";
  EXPECT_HAS(render_markdown(group_by(q)), "| dpo | 3 | 13.00 | 3.61 | 13.00 | [13.00, 13.00] | 10.00 | 17.00 | -8.00 ± 6.57* (n=3) |");
}

TEST_F(ReportPaired, GroupByBaselineOverTwoKeys) {
  // By loss.name, data.K; baseline data.K=4: (swepo, 2) pairs with (swepo, 4) over seeds 0, 1:
  // d = 5 − 20, 9 − 21 = −15, −12; mean −13.5; Σ² = 4.5, sd 2.1213; sd/√2 = 1.5;
  // half-width 12.7062·1.5 = 19.06. (dpo, 4) and (swepo, 4) are baselines: empty.
  GroupByQuery q;
  q.keys = {"loss.name", "data.K"};
  q.metric = "alpaca.lc";
  q.where = {parse_param_match("model.name=tiny", "w")};
  q.bootstrap = 0;
  q.precision = 2;
  q.baseline = "data.K=4";
  const std::string md = render_markdown(group_by(q));
  EXPECT_HAS(md, "| swepo | 2 | 2 | 7.00 | 2.83 | 8.00 | [7.00, 7.00] | 5.00 | 9.00 | -13.50 ± 19.06 (n=2) |");
  EXPECT_HAS(md, "| swepo | 4 | 3 | 21.00 | 1.00 | 1.00 | [21.00, 21.00] | 20.00 | 22.00 |  |");
  EXPECT_HAS(md, "Δ vs data.K=4 (the group with the same other keys)");
  // Baseline loss.name=dpo: (swepo, 2) has no (dpo, 2) group.
  q.baseline = "loss.name=dpo";
  EXPECT_HAS(error_of(q), "--group-by loss.name,data.K: group 'swepo, 2' has no baseline group to pair with "
                          "(loss.name = dpo, data.K = 2: no finished run; --baseline loss.name=dpo)");
}

TEST_F(ReportPaired, GroupByBaselineErrors) {
  GroupByQuery q;
  q.keys = {"loss.name"};
  q.metric = "alpaca.lc";
  q.where = {parse_param_match("model.name=tiny", "w"), parse_param_match("data.K=4", "w")};
  q.bootstrap = 0;
  q.baseline = "loss.name=dop";
  EXPECT_HAS(error_of(q), "--baseline 'loss.name=dop': no group has loss.name = dop (did you mean 'dpo'?); values "
                          "of loss.name: dpo, swepo");
  q.baseline = "model.name=tiny";
  EXPECT_HAS(error_of(q), "--baseline 'model.name=tiny': 'model.name' is not a --group-by key (did you mean 'loss.name'?); keys: loss.name");
  q.baseline = "loss.name";
  EXPECT_HAS(error_of(q), "give KEY=VALUE");
  q.baseline = "";
  q.power = true;
  EXPECT_HAS(error_of(q), "--power needs --baseline KEY=VALUE");
  // The dpo group pooled over model.name holds tiny's and small's seed 0: the pairing is ambiguous.
  q.power = false;
  q.baseline = "loss.name=dpo";
  q.where = {parse_param_match("data.K=4", "w")};
  q.pool = {"model.name"};
  EXPECT_HAS(error_of(q), "--group-by loss.name: group 'dpo' has two finished runs of seed 0");
}
