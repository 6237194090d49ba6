// `swepo plot` end to end (the built CLI binary): curves and bars as well-formed SVG files with
// the expected series; bad arguments exit 2.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include "tests/analysis/plot/svg_check.h"
#include "tests/analysis/report/report_fixture.h"

using namespace swepo;
using swepo::testing_plot::count_of;
using swepo::testing_plot::xml_problem;

namespace {

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

struct CmdPlot : ::testing::Test {
  std::string dir = testing_report::fixture_dir("cmdplot");
  std::string db = testing_report::fixture_db(dir);
  ~CmdPlot() override { std::filesystem::remove_all(dir); }
  int plot(const std::string& args) {
    const std::string cmd = std::string(SWEPO_BIN) + " plot --db " + db + " " + args + " >" + dir + "/out.txt 2>" +
                            dir + "/err.txt";
    return WEXITSTATUS(std::system(cmd.c_str()));
  }
  std::string err() { return slurp(dir + "/err.txt"); }
};

}  // namespace

TEST_F(CmdPlot, CurvesSvg) {
  const std::string out = dir + "/curves.svg";
  ASSERT_EQ(plot("curves --metric pref/loss --band std --out " + out), 0) << err();
  const std::string svg = slurp(out);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "data-series=\"dpo (n=3)\""), 2u);    // legend + line
  EXPECT_EQ(count_of(svg, "data-series=\"swepo (n=3)\""), 2u);
  EXPECT_EQ(count_of(svg, "<polygon"), 2u);                     // one band per series
}

TEST_F(CmdPlot, BarsSvgFromTable) {
  const std::string out = dir + "/k.svg";
  ASSERT_EQ(plot("bars kablation --tables " + std::string(SWEPO_SOURCE_DIR) + "/results/archive/table_specs --out " + out), 0)
      << err();
  const std::string svg = slurp(out);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "class=\"panel\""), 2u);  // Alpaca LC, Alpaca WR
  EXPECT_EQ(count_of(svg, "<g class=\"bar\" data-series=\"DPO K=2\">"), 2u);
  EXPECT_EQ(count_of(svg, ">n/a</text>"), 2u);      // DPO K=2 has no run
  EXPECT_EQ(count_of(svg, "<g class=\"errorbar\">"), 6u);  // the other three rows, two panels
}

TEST_F(CmdPlot, BadArgumentsExit2) {
  EXPECT_EQ(plot("pie"), 2);
  EXPECT_NE(err().find("unknown plot kind 'pie'"), std::string::npos);
  EXPECT_EQ(plot("curves --metric pref/lss --out " + dir + "/x.svg"), 2);
  EXPECT_NE(err().find("unknown metric key 'pref/lss'"), std::string::npos) << err();
  EXPECT_EQ(plot("curves --group-by loss.nme --out " + dir + "/x.svg"), 2);
  EXPECT_EQ(plot("bars"), 2);
  EXPECT_EQ(plot("curves --out x.pdf"), 2);
}

TEST_F(CmdPlot, PngViaGnuplot) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  ASSERT_EQ(plot("bars kablation --tables " + std::string(SWEPO_SOURCE_DIR) + "/results/archive/table_specs --out " + dir +
                 "/k.png"),
            0)
      << err();
  EXPECT_EQ(xml_problem(slurp(dir + "/k.svg")), "");
  EXPECT_NE(slurp(dir + "/k.gp").find("with boxes"), std::string::npos);
  EXPECT_EQ(slurp(dir + "/k.png").substr(1, 3), "PNG");
}

TEST_F(CmdPlot, UnknownKeysListTheValidOnes) {
  const std::string x = " --out " + dir + "/x.svg";
  EXPECT_EQ(plot("curves --group-by loss.nme" + x), 2);
  EXPECT_NE(err().find("--group-by: unknown param key 'loss.nme' (did you mean 'loss.name'?)"), std::string::npos)
      << err();
  EXPECT_NE(err().find("param keys in the database: data.K, loss.alpha,"), std::string::npos) << err();
  EXPECT_EQ(plot("curves --pool model.nme" + x), 2);
  EXPECT_NE(err().find("--pool: unknown param key 'model.nme'"), std::string::npos) << err();
  EXPECT_EQ(plot("curves --where loss.nme=dpo" + x), 2);
  EXPECT_NE(err().find("--where: unknown param key 'loss.nme'"), std::string::npos) << err();
  EXPECT_EQ(plot("curves --metric loss" + x), 2);
  EXPECT_NE(err().find("unknown metric key 'loss' (did you mean 'pref/loss'?)"), std::string::npos) << err();
  EXPECT_NE(err().find("training metrics in the database: pref/loss"), std::string::npos) << err();
  EXPECT_EQ(plot("curves --metric alpaca.lc" + x), 2);
  EXPECT_NE(err().find("eval metrics are drawn by `plot bars TABLE`"), std::string::npos) << err();
}

TEST_F(CmdPlot, BarsOfATrainingMetricColumn) {
  // A table file's pref/loss column (final): dpo tiny {0.5, 0.4, 0.3}, swepo K4 {0.2} x 3.
  const std::string table = testing_report::fixture_file(
      dir, "loss.yaml",
      "columns: [{label: final loss, metric: pref/loss}]\n"
      "rows:\n  - {label: DPO, where: {loss.name: dpo, model.name: tiny}}\n"
      "  - {label: Swepo, where: {loss.name: swepo, data.K: 4, loss.p: 1}}\n");
  const std::string out = dir + "/loss.svg";
  ASSERT_EQ(plot("bars " + table + " --out " + out), 0) << err();
  const std::string svg = slurp(out);
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count_of(svg, "<g class=\"bar\" data-series=\"DPO\">"), 1u);
  EXPECT_EQ(count_of(svg, "<g class=\"bar\" data-series=\"Swepo\">"), 1u);
  // Each bar's group holds its value label (%.3g).
  auto bar = [&](const std::string& name) {
    const size_t at = svg.find("<g class=\"bar\" data-series=\"" + name + "\">");
    if (at == std::string::npos) return std::string();
    const size_t next = svg.find("<g class=\"bar\"", at + 1);  // the next bar, or the end
    return svg.substr(at, next == std::string::npos ? std::string::npos : next - at);
  };
  EXPECT_NE(bar("DPO").find(">0.4</text>"), std::string::npos) << bar("DPO");
  EXPECT_NE(bar("Swepo").find(">0.2</text>"), std::string::npos) << bar("Swepo");
  EXPECT_EQ(count_of(svg, ">n/a</text>"), 0u);
}

TEST_F(CmdPlot, OnePanelPngTitleFits) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  // Title "Training curves by loss.name,model.name,data.K (band: minmax over seeds)": 72 characters.
  ASSERT_EQ(plot("curves --metric pref/loss --group-by loss.name,model.name,data.K --out " + dir + "/c.png"), 0)
      << err();
  const std::string gp = slurp(dir + "/c.gp");
  // 9 pt (the smallest) in a figure widened to ceil(0.7 * 9 * 72 + 40) = ceil(493.6) = 494 px.
  EXPECT_NE(gp.find("set terminal pngcairo size 494,380 "), std::string::npos) << gp;
  EXPECT_NE(gp.find("(band: minmax over seeds)\" font \",9\"\n"), std::string::npos) << gp;
  EXPECT_EQ(slurp(dir + "/c.png").substr(1, 3), "PNG");
}
