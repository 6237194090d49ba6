// The same charts as plot_chart.h written as gnuplot scripts (data inline, gnuplot >= 5) that
// render a PNG: `swepo plot --out F.png` runs gnuplot on them when it is installed (gnuplot-nox,
// scripts/setup.sh). Tensor-free; gnuplot is optional and never linked.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "analysis/plot/plot_chart.h"

namespace swepo::plot {

// The figure's size and layout: panels in up to 3 columns (420 x 320 px each, plus 60 px for the
// title), the title's font size (13 pt, smaller for a long title, never under 9 pt: the figure is
// widened instead) so that the title fits inside the figure.
struct GnuplotFrame {
  int cols = 1, rows = 1;
  int width = 0, height = 0;  // px
  int title_font = 13;        // pt
};
inline constexpr double kGnuplotGlyphEm = 0.7;       // assumed glyph width / font size (with a margin)
inline constexpr double kGnuplotTitleMargin = 20;   // px left free on each side of the title
GnuplotFrame gnuplot_frame(size_t n_panels, const std::string& title);

std::string gnuplot_lines(const std::vector<LinePanel>& panels, const std::string& title, const std::string& png);
std::string gnuplot_bars(const std::vector<BarPanel>& panels, const std::string& title, const std::string& png);

// Runs `gnuplot script_path`; UserError when gnuplot is missing or fails.
void gnuplot_run(const std::string& script_path);

}  // namespace swepo::plot
