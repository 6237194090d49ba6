// The gnuplot scripts behind `swepo plot --out F.png`: inline data blocks with the series and
// bars, the commands that draw them, and (when gnuplot is installed) a real PNG.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "analysis/plot/plot_gnuplot.h"
#include "tests/analysis/plot/svg_check.h"

using namespace swepo::plot;
using swepo::testing_plot::count_of;

TEST(Gnuplot, LinesScript) {
  LinePanel p;
  p.title = "pref/loss";
  p.xlabel = "step";
  p.series.push_back({"dpo \"x\"", {1, 2}, {0.7, 0.4}, {0.6, 0.3}, {0.8, 0.5}});
  p.series.push_back({"swepo", {1, 2}, {0.5, 0.2}, {}, {}});
  const std::string g = gnuplot_lines({p}, "T", "/tmp/x.png");
  EXPECT_NE(g.find("set output \"/tmp/x.png\""), std::string::npos) << g;
  EXPECT_NE(g.find("set multiplot layout 1,1 title \"T\""), std::string::npos) << g;
  EXPECT_NE(g.find("$d0 << EOD\n1 0.7 0.6 0.8\n2 0.4 0.3 0.5\nEOD\n"), std::string::npos) << g;
  EXPECT_NE(g.find("$d1 << EOD\n1 0.5\n2 0.2\nEOD\n"), std::string::npos) << g;
  EXPECT_EQ(count_of(g, "with filledcurves"), 1u);  // dpo's band only
  EXPECT_EQ(count_of(g, "with lines"), 2u);
  EXPECT_NE(g.find("title \"dpo \\\"x\\\"\""), std::string::npos) << g;  // quotes escaped
  EXPECT_NE(g.find("unset multiplot"), std::string::npos);
}

TEST(Gnuplot, BarsScript) {
  BarPanel p;
  p.title = "LC";
  p.categories = {"DPO", "DPOx3"};
  p.value = {13.0, std::nullopt};
  p.lo = {10.0, std::nullopt};
  p.hi = {16.0, std::nullopt};
  const std::string g = gnuplot_bars({p}, "K", "k.png");
  // x, label, value, lo, hi, colour (0x4e79a7 = 5142951, 0xf28e2b = 15896107)
  EXPECT_NE(g.find("0 \"DPO\" 13 10 16 5142951\n"), std::string::npos) << g;
  EXPECT_NE(g.find("1 \"DPOx3 (n/a)\" NaN NaN NaN 15896107\n"), std::string::npos) << g;
  EXPECT_NE(g.find("with boxes lc rgb variable"), std::string::npos);
  EXPECT_NE(g.find("with yerrorbars"), std::string::npos);
}

TEST(Gnuplot, TitleFitsTheFigure) {
  // The one-panel figure is 420 px wide: a 61-character title at 13 pt (~0.62 em a glyph) needed
  // ~490 px and was clipped at both ends. The title now shrinks to fit, down to 9 pt, and the
  // figure widens past that.
  const std::string long_title = "Training curves by loss.name,loss.p (band: minmax over seeds)";
  for (size_t chars : {1u, 10u, 40u, 61u, 90u, 200u})
    for (size_t panels : {1u, 2u, 3u, 7u}) {
      const std::string title(chars, 'x');
      const GnuplotFrame f = gnuplot_frame(panels, title);
      EXPECT_GE(f.title_font, 9);
      EXPECT_LE(f.title_font, 13);
      EXPECT_LE(kGnuplotGlyphEm * f.title_font * chars + 2 * kGnuplotTitleMargin, f.width + 1e-9)
          << chars << " chars, " << panels << " panels";
      EXPECT_GE(f.width, 420 * std::min<int>(static_cast<int>(panels), 3));
    }
  EXPECT_EQ(gnuplot_frame(1, "T").title_font, 13);
  // 61 chars in 420 - 2 * 20 px: floor(380 / (0.7 * 61)) = floor(8.90) = 8 pt, under 9: 9 pt in a
  // figure ceil(0.7 * 9 * 61 + 40) = ceil(424.3) = 425 px wide.
  const GnuplotFrame f = gnuplot_frame(1, long_title);
  EXPECT_EQ(f.title_font, 9);
  EXPECT_EQ(f.width, 425);
  EXPECT_EQ(gnuplot_frame(3, long_title).title_font, 13);  // 1260 px: room for 13 pt
  LinePanel p;
  p.title = "pref/loss";
  p.series.push_back({"a", {1, 2}, {3, 2}, {}, {}});
  const std::string g = gnuplot_lines({p}, long_title, "x.png");
  EXPECT_NE(g.find("set multiplot layout 1,1 title \"" + long_title + "\" font \",9\"\n"), std::string::npos) << g;
}

TEST(Gnuplot, RendersPngWhenInstalled) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  const auto dir = std::filesystem::temp_directory_path() / ("swepo_gnuplot_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string png = (dir / "c.png").string(), gp = (dir / "c.gp").string();
  LinePanel p;
  p.title = "loss";
  p.series.push_back({"a", {1, 2, 3}, {3, 2, 1}, {2.5, 1.5, 0.5}, {3.5, 2.5, 1.5}});
  std::ofstream(gp) << gnuplot_lines({p}, "T", png);
  gnuplot_run(gp);
  std::ifstream f(png, std::ios::binary);
  char sig[8] = {};
  f.read(sig, 8);
  EXPECT_EQ(std::string(sig + 1, 3), "PNG");
  std::filesystem::remove_all(dir);
}

TEST(Gnuplot, PanelWithoutAnyValueRendersEmptyAndLabelled) {
  BarPanel p;
  p.title = "small: LC";
  p.categories = {"DPO", "Swepo"};
  p.value = {std::nullopt, std::nullopt};
  const std::string g = gnuplot_bars({p}, "T", "t.png");
  EXPECT_NE(g.find("no finished runs"), std::string::npos) << g;
  EXPECT_EQ(g.find("with boxes"), std::string::npos) << g;  // gnuplot rejects all-undefined data
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0) GTEST_SKIP() << "gnuplot not installed";
  const auto dir = std::filesystem::temp_directory_path() / ("swepo_gnuplot_e_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string png = (dir / "e.png").string(), gp = (dir / "e.gp").string();
  std::ofstream(gp) << gnuplot_bars({p}, "T", png);
  EXPECT_NO_THROW(gnuplot_run(gp));
  EXPECT_TRUE(std::filesystem::exists(png));
  std::filesystem::remove_all(dir);
}
