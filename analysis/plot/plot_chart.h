// Charts drawn as SVG (svg.h): panels of line series with a band (training curves over seeds) and
// panels of bars with error bars (table metrics). Panels are laid out in a grid under one title
// and one legend. Tensor-free.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace swepo::plot {

// About `target` round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 times a power of 10).
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
std::string tick_label(double v, double step);  // as many decimals as the step needs

struct LineSeries {
  std::string name;
  std::vector<double> x, y;    // the line (e.g. mean over seeds)
  std::vector<double> lo, hi;  // band around it, same length as x (empty: no band)
};
struct LinePanel {
  std::string title, xlabel, ylabel;
  std::vector<LineSeries> series;
};

struct BarPanel {
  std::string title, ylabel;
  std::vector<std::string> categories;      // one bar each
  std::vector<std::optional<double>> value; // nullopt: missing (drawn as "n/a")
  std::vector<std::optional<double>> lo, hi;  // error bar ends (nullopt: no error bar)
  std::vector<std::string> note;            // text under the bar's value, e.g. "n=3" (may be empty)
};

// Series with the same name share a colour across panels and one legend entry.
std::string plot_lines(const std::vector<LinePanel>& panels, const std::string& title);
// Categories share a colour across panels (legend: category names).
std::string plot_bars(const std::vector<BarPanel>& panels, const std::string& title);

}  // namespace swepo::plot
