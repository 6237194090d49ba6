// The same charts as plot_chart.h written as gnuplot scripts (data inline, gnuplot >= 5) that
// render a PNG: `swepo plot --out F.png` runs gnuplot on them when it is installed (gnuplot-nox,
// scripts/setup.sh). Tensor-free; gnuplot is optional and never linked.
#pragma once
#include <string>
#include <vector>

#include "analysis/plot/plot_chart.h"

namespace swepo::plot {

std::string gnuplot_lines(const std::vector<LinePanel>& panels, const std::string& title, const std::string& png);
std::string gnuplot_bars(const std::vector<BarPanel>& panels, const std::string& title, const std::string& png);

// Runs `gnuplot script_path`; UserError when gnuplot is missing or fails.
void gnuplot_run(const std::string& script_path);

}  // namespace swepo::plot
