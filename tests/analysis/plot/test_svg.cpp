// The SVG writer and the charts: escaping, number format, ticks, well-formed documents that
// contain the expected series, bands, bars and error bars.
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/plot/plot_chart.h"
#include "analysis/plot/svg.h"
#include "core/util/error.h"
#include "tests/analysis/plot/svg_check.h"

using namespace swepo::plot;
using swepo::testing_plot::count_of;
using swepo::testing_plot::xml_problem;

TEST(Svg, EscapeAndNumbers) {
  EXPECT_EQ(svg_escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  EXPECT_EQ(svg_num(12.5), "12.5");
  EXPECT_EQ(svg_num(3.0), "3");
  EXPECT_EQ(svg_num(-0.001), "0");
  EXPECT_EQ(svg_num(1.236), "1.24");
  EXPECT_THROW(svg_num(std::nan("")), swepo::UserError);
}

TEST(Svg, DocumentIsWellFormed) {
  Svg s(100, 50);
  s.group_begin("series", "x<y & z");
  s.text(1, 2, "a & b < c", 10, "middle", -90);
  s.polyline({{0, 0}, {10, 5}}, "#000");
  s.group_end();
  const std::string doc = s.str();
  EXPECT_EQ(xml_problem(doc), "") << doc;
  EXPECT_NE(doc.find("data-series=\"x&lt;y &amp; z\""), std::string::npos) << doc;
  EXPECT_NE(doc.find(">a &amp; b &lt; c</text>"), std::string::npos) << doc;
  EXPECT_NE(doc.find("points=\"0,0 10,5\""), std::string::npos) << doc;
  EXPECT_NE(doc.find("transform=\"rotate(-90 1 2)\""), std::string::npos) << doc;
  // The checker itself catches broken documents.
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg x=1></svg>"), "");
  EXPECT_EQ(xml_problem("<svg x=\"1\"><g/></svg>"), "");
}

TEST(Svg, NiceTicks) {
  EXPECT_EQ(nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  const auto t = nice_ticks(3, 97);  // raw step 18.8 -> 20: 0, 20, ..., 100
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t.front(), 0);
  EXPECT_EQ(t.back(), 100);
  const auto u = nice_ticks(-0.37, 0.12);  // raw step 0.098 -> 0.1: −0.4 .. 0.2
  EXPECT_NEAR(u.front(), -0.4, 1e-12);
  EXPECT_NEAR(u.back(), 0.2, 1e-12);
  EXPECT_EQ(tick_label(0.6000000000000001, 0.2), "0.6");
  EXPECT_EQ(tick_label(40, 20), "40");
  EXPECT_EQ(tick_label(-1e-17, 0.25), "0.00");
}

TEST(Svg, LineChartHasSeriesBandsAndLegend) {
  LinePanel p;
  p.title = "pref/loss";
  p.xlabel = "step";
  p.series.push_back({"dpo (n=3)", {1, 2}, {0.7, 0.4}, {0.6, 0.3}, {0.8, 0.5}});
  p.series.push_back({"swepo (n=3)", {1, 2}, {0.5, 0.2}, {}, {}});
  LinePanel q = p;
  q.title = "pref/rewards/margins";
  const std::string doc = plot_lines({p, q}, "Training <curves>");
  EXPECT_EQ(xml_problem(doc), "") << doc;
  EXPECT_EQ(count_of(doc, "class=\"panel\""), 2u);
  EXPECT_EQ(count_of(doc, "<g class=\"series\" data-series=\"dpo (n=3)\">"), 2u);
  EXPECT_EQ(count_of(doc, "<g class=\"series\" data-series=\"swepo (n=3)\">"), 2u);
  EXPECT_EQ(count_of(doc, "<g class=\"legend\""), 2u);  // one entry per series name
  EXPECT_EQ(count_of(doc, "<polygon"), 2u);              // dpo's band in each panel
  EXPECT_EQ(count_of(doc, "<polyline"), 4u);
  EXPECT_NE(doc.find("Training &lt;curves&gt;"), std::string::npos);
  EXPECT_NE(doc.find(">pref/rewards/margins</text>"), std::string::npos);
}

TEST(Svg, BarChartHasBarsErrorBarsAndMissing) {
  BarPanel p;
  p.title = "Alpaca LC";
  p.categories = {"DPO", "Swepo", "DPOx3"};
  p.value = {13.0, 21.0, std::nullopt};
  p.lo = {13.0 - 3.6, 20.0, std::nullopt};
  p.hi = {13.0 + 3.6, 22.0, std::nullopt};
  p.note = {"n=3", "n=3", ""};
  const std::string doc = plot_bars({p}, "K ablation");
  EXPECT_EQ(xml_problem(doc), "") << doc;
  EXPECT_EQ(count_of(doc, "<g class=\"bar\""), 3u);
  EXPECT_EQ(count_of(doc, "<g class=\"errorbar\">"), 2u);
  EXPECT_EQ(count_of(doc, ">n/a</text>"), 1u);
  EXPECT_EQ(count_of(doc, ">n=3</text>"), 2u);
  EXPECT_NE(doc.find(">21</text>"), std::string::npos);  // value label (%.3g)
  EXPECT_THROW(plot_bars({}, "x"), swepo::UserError);
}
