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
  ASSERT_EQ(plot("bars kablation --tables " + std::string(SWEPO_SOURCE_DIR) + "/analysis/tables --out " + out), 0)
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
  ASSERT_EQ(plot("bars kablation --tables " + std::string(SWEPO_SOURCE_DIR) + "/analysis/tables --out " + dir +
                 "/k.png"),
            0)
      << err();
  EXPECT_EQ(xml_problem(slurp(dir + "/k.svg")), "");
  EXPECT_NE(slurp(dir + "/k.gp").find("with boxes"), std::string::npos);
  EXPECT_EQ(slurp(dir + "/k.png").substr(1, 3), "PNG");
}
