// Plot data from the fixture store (tests/analysis/report/report_fixture.h): training curves
// grouped by a param with min–max and ±std bands, and table cells as bars.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/plot/plot_data.h"
#include "analysis/report/report_build.h"
#include "core/util/error.h"
#include "tests/analysis/report/report_fixture.h"

using namespace swepo;
using namespace swepo::plot;

namespace {

struct Fixture {
  std::string dir = testing_report::fixture_dir("plot");
  std::string db = testing_report::fixture_db(dir);
  ~Fixture() { std::filesystem::remove_all(dir); }
};

const LineSeries* find_series(const LinePanel& p, const std::string& name) {
  for (const auto& s : p.series)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace

TEST(PlotData, CurvesMeanAndBandsOverSeeds) {
  Fixture f;
  Store store(f.db);
  report::ReportData data(store);
  CurveQuery q;
  q.metrics = {"pref/loss"};
  auto panels = curve_panels(store, data, q);
  ASSERT_EQ(panels.size(), 1u);
  EXPECT_EQ(panels[0].title, "pref/loss");
  // Groups by loss.name over FINISHED runs: dpo has 4 (3 tiny with curves + small without),
  // swepo has 5 (3 K=4 with curves, 2 K=2 without); n counts the runs with a curve.
  const LineSeries* dpo = find_series(panels[0], "dpo (n=3)");
  ASSERT_NE(dpo, nullptr);
  // dpo step 1: {0.7, 0.6, 0.8} -> mean 0.7, min 0.6, max 0.8; step 2: {0.5, 0.4, 0.3} -> 0.4, 0.3, 0.5.
  EXPECT_EQ(dpo->x, (std::vector<double>{1, 2}));
  EXPECT_NEAR(dpo->y[0], 0.7, 1e-12);
  EXPECT_NEAR(dpo->y[1], 0.4, 1e-12);
  EXPECT_NEAR(dpo->lo[0], 0.6, 1e-12);
  EXPECT_NEAR(dpo->hi[0], 0.8, 1e-12);
  EXPECT_NEAR(dpo->lo[1], 0.3, 1e-12);
  EXPECT_NEAR(dpo->hi[1], 0.5, 1e-12);
  const LineSeries* sw = find_series(panels[0], "swepo (n=3)");
  ASSERT_NE(sw, nullptr);
  EXPECT_NEAR(sw->y[1], 0.2, 1e-12);

  // ±std band: step 1 deviations −0.1... {0.7, 0.6, 0.8}: Σ² = 0.02, var = 0.01, sd = 0.1.
  q.band = "std";
  panels = curve_panels(store, data, q);
  dpo = find_series(panels[0], "dpo (n=3)");
  EXPECT_NEAR(dpo->lo[0], 0.6, 1e-12);
  EXPECT_NEAR(dpo->hi[0], 0.8, 1e-12);
  // step 2 {0.5, 0.4, 0.3}: sd 0.1 too.
  EXPECT_NEAR(dpo->hi[1], 0.5, 1e-12);

  // Trailing moving average over 2 steps: step 2 = mean of (0.6, 0.5, 0.55) = 0.55.
  q.band = "none";
  q.smooth = 2;
  panels = curve_panels(store, data, q);
  dpo = find_series(panels[0], "dpo (n=3)");
  EXPECT_NEAR(dpo->y[0], 0.7, 1e-12);
  EXPECT_NEAR(dpo->y[1], 0.55, 1e-12);
  EXPECT_TRUE(dpo->lo.empty());

  // Group by two keys and filter.
  q.smooth = 1;
  q.group_by = {"loss.name", "model.name"};
  q.where = {report::parse_param_match("data.K=4", "--where")};
  panels = curve_panels(store, data, q);
  EXPECT_NE(find_series(panels[0], "dpo, tiny (n=3)"), nullptr);
  EXPECT_NE(find_series(panels[0], "swepo, tiny (n=3)"), nullptr);
  EXPECT_EQ(panels[0].series.size(), 2u);  // dpo, small has no curve: left out
}

TEST(PlotData, CurveErrorsNameTheKey) {
  Fixture f;
  Store store(f.db);
  report::ReportData data(store);
  CurveQuery q;
  q.metrics = {"pref/los"};
  try {
    curve_panels(store, data, q);
    FAIL();
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("unknown metric key 'pref/los'"), std::string::npos) << m;
    EXPECT_NE(m.find("did you mean 'pref/loss'"), std::string::npos) << m;
  }
  q.metrics = {"pref/loss"};
  q.group_by = {"loss.nam"};
  EXPECT_THROW(curve_panels(store, data, q), UserError);
  q.group_by = {"loss.name"};
  q.band = "iqr";
  EXPECT_THROW(curve_panels(store, data, q), UserError);
  q.band = "minmax";
  q.where = {report::parse_param_match("loss.name=kto", "--where")};
  EXPECT_THROW(curve_panels(store, data, q), UserError);  // no finished run matches
}

TEST(PlotData, TableBars) {
  Fixture f;
  Store store(f.db);
  report::ReportData data(store);
  const auto spec = report::table_spec_parse(R"(
columns: [{label: LC, metric: alpaca.lc}, {label: Var(WR), metric: alpaca.wr, stat: var}]
rows:
  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}
  - {label: Swepo, where: {loss.name: swepo, data.K: 4}}
  - {label: DPOx3, where: {loss.name: dpo_best_vs_rest}}
tests: [{rows: [DPO, Swepo]}]
)",
                                             "bars.yaml");
  const auto t = report::report_build_table(spec, data);
  const auto panels = table_bar_panels(t);
  ASSERT_EQ(panels.size(), 2u);
  const auto& lc = panels[0];
  EXPECT_EQ(lc.title, "LC");
  EXPECT_EQ(lc.categories, (std::vector<std::string>{"DPO", "Swepo", "DPOx3"}));  // test row left out
  EXPECT_DOUBLE_EQ(*lc.value[0], 13);
  EXPECT_DOUBLE_EQ(*lc.lo[0], 13 - std::sqrt(13.0));  // mean ± std
  EXPECT_DOUBLE_EQ(*lc.hi[0], 13 + std::sqrt(13.0));
  EXPECT_FALSE(lc.value[2].has_value());  // missing row
  EXPECT_EQ(lc.note[0], "n=3");
  const auto& var = panels[1];
  EXPECT_DOUBLE_EQ(*var.value[0], 100);
  EXPECT_DOUBLE_EQ(*var.value[1], 7);
  EXPECT_FALSE(var.lo[0].has_value());
}
