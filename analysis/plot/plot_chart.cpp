#include "analysis/plot/plot_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "analysis/plot/svg.h"
#include "core/util/error.h"

namespace swepo::plot {
namespace {

constexpr double kPanelW = 420, kPanelH = 300;  // one panel, pixels
constexpr double kLeft = 64, kRight = 24, kTop = 34, kBottom = 52;  // plot area inside a panel
constexpr double kTitleH = 36, kLegendRowH = 20;

struct Grid {
  size_t cols = 1, rows = 1;
};
Grid grid_for(size_t n) {
  Grid g;
  g.cols = std::min<size_t>(std::max<size_t>(n, 1), 3);
  g.rows = (std::max<size_t>(n, 1) + g.cols - 1) / g.cols;
  return g;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
  void pad() {  // a degenerate range becomes a unit-wide one
    if (empty()) lo = 0, hi = 1;
    if (lo == hi) lo -= std::max(0.5, std::fabs(lo) * 0.1), hi += std::max(0.5, std::fabs(hi) * 0.1);
  }
};

// Maps data to pixels inside one panel's plot area.
struct Frame {
  double x0, y0, w, h;       // plot area in pixels
  double xlo, xhi, ylo, yhi; // data range
  double px(double x) const { return x0 + (x - xlo) / (xhi - xlo) * w; }
  double py(double y) const { return y0 + h - (y - ylo) / (yhi - ylo) * h; }
};

// Axes, grid lines and tick labels; returns the frame with the range widened to the ticks.
Frame draw_axes(Svg& svg, double ox, double oy, Range xr, Range yr, const std::string& title,
                const std::string& xlabel, const std::string& ylabel, bool x_ticks) {
  xr.pad();
  yr.pad();
  const auto yt = nice_ticks(yr.lo, yr.hi);
  Frame f{ox + kLeft, oy + kTop, kPanelW - kLeft - kRight, kPanelH - kTop - kBottom,
          xr.lo, xr.hi, std::min(yr.lo, yt.front()), std::max(yr.hi, yt.back())};
  svg.text(ox + kPanelW / 2, oy + 20, title, 14, "middle", 0, "bold");
  const double ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : yt) {
    svg.line(f.x0, f.py(t), f.x0 + f.w, f.py(t), "#e0e0e0", 1);
    svg.text(f.x0 - 6, f.py(t) + 4, tick_label(t, ystep), 11, "end");
  }
  if (x_ticks) {
    const auto xt = nice_ticks(xr.lo, xr.hi);
    const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1;
    for (double t : xt) {
      if (t < f.xlo - 1e-9 * std::fabs(xstep) || t > f.xhi + 1e-9 * std::fabs(xstep)) continue;
      svg.line(f.px(t), f.y0 + f.h, f.px(t), f.y0 + f.h + 4, "#333333", 1);
      svg.text(f.px(t), f.y0 + f.h + 17, tick_label(t, xstep), 11, "middle");
    }
  }
  svg.rect(f.x0, f.y0, f.w, f.h, "none", "#333333");
  if (f.ylo < 0 && f.yhi > 0) svg.line(f.x0, f.py(0), f.x0 + f.w, f.py(0), "#888888", 1, "4 3");
  if (!xlabel.empty()) svg.text(f.x0 + f.w / 2, oy + kPanelH - 10, xlabel, 12, "middle");
  if (!ylabel.empty()) svg.text(ox + 14, f.y0 + f.h / 2, ylabel, 12, "middle", -90);
  return f;
}

// The largest font size up to 16 at which the title fits the width (bold glyphs ~0.62 em wide).
double title_size(const std::string& title, double width) {
  const double chars = std::max<double>(1, static_cast<double>(title.size()));
  return std::max(9.0, std::min(16.0, (width - 20) / (0.62 * chars)));
}

// Legend entries in rows under the title; returns its height.
double draw_legend(Svg& svg, double width, double y, const std::vector<std::string>& names) {
  double x = 20, row = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    const double w = 30 + 7.0 * static_cast<double>(names[i].size());
    if (x + w > width - 10 && x > 20) x = 20, ++row;
    const double yy = y + row * kLegendRowH;
    svg.group_begin("legend", names[i]);
    svg.rect(x, yy - 10, 14, 10, plot_color(i));
    svg.text(x + 19, yy, names[i], 12);
    svg.group_end();
    x += w;
  }
  return names.empty() ? 0 : (row + 1) * kLegendRowH + 4;
}

// The frame every figure shares: a title, a legend of `names` (colour i for names[i]) and a grid of
// panels. panel_x/panel_y give panel i's top-left corner.
struct Figure {
  Svg svg;
  Grid grid;
  double legend_h;
  double panel_x(size_t i) const { return kPanelW * static_cast<double>(i % grid.cols); }
  double panel_y(size_t i) const { return kTitleH + legend_h + kPanelH * static_cast<double>(i / grid.cols); }
};

Figure begin_figure(size_t n_panels, const std::string& title, const std::vector<std::string>& names) {
  const Grid g = grid_for(n_panels);
  const double width = kPanelW * static_cast<double>(g.cols);
  Svg probe(width, 100);
  const double legend_h = draw_legend(probe, width, 0, names);
  Figure f{Svg(width, kTitleH + legend_h + kPanelH * static_cast<double>(g.rows)), g, legend_h};
  f.svg.text(width / 2, 24, title, title_size(title, width), "middle", 0, "bold");
  draw_legend(f.svg, width, kTitleH + 12, names);
  return f;
}

// Adds `name` to the legend order (first appearance) and its colour index.
void add_legend_name(const std::string& name, std::vector<std::string>& names, std::map<std::string, size_t>& color) {
  if (color.count(name)) return;
  color[name] = names.size();
  names.push_back(name);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  std::vector<double> t;
  const double first = std::floor(lo / step + 1e-9) * step;
  for (double v = first; v <= hi + step * (1 - 1e-9) && t.size() < 100; v += step)
    t.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string tick_label(double v, double step) {
  int decimals = 0;
  while (decimals < 8 && std::fabs(step * std::pow(10.0, decimals) - std::round(step * std::pow(10.0, decimals))) > 1e-6)
    ++decimals;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s = s.substr(1);
  return s;
}

std::string plot_lines(const std::vector<LinePanel>& panels, const std::string& title) {
  if (panels.empty()) throw UserError("plot: nothing to draw");
  std::vector<std::string> names;  // legend order: first appearance
  std::map<std::string, size_t> color;
  for (const auto& p : panels)
    for (const auto& s : p.series) add_legend_name(s.name, names, color);
  Figure fig = begin_figure(panels.size(), title, names);
  Svg& svg = fig.svg;
  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& p = panels[i];
    const double ox = fig.panel_x(i);
    const double oy = fig.panel_y(i);
    Range xr, yr;
    for (const auto& s : p.series) {
      for (double x : s.x) xr.add(x);
      for (double y : s.y) yr.add(y);
      for (double y : s.lo) yr.add(y);
      for (double y : s.hi) yr.add(y);
    }
    svg.group_begin("panel", p.title);
    const Frame f = draw_axes(svg, ox, oy, xr, yr, p.title, p.xlabel, p.ylabel, true);
    for (const auto& s : p.series) {
      const std::string& c = plot_color(color[s.name]);
      svg.group_begin("series", s.name);
      if (!s.lo.empty() && s.lo.size() == s.x.size() && s.hi.size() == s.x.size()) {
        Points band;
        for (size_t k = 0; k < s.x.size(); ++k) band.push_back({f.px(s.x[k]), f.py(s.hi[k])});
        for (size_t k = s.x.size(); k-- > 0;) band.push_back({f.px(s.x[k]), f.py(s.lo[k])});
        svg.polygon(band, c, 0.2);
      }
      Points line;
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k)
        if (std::isfinite(s.y[k])) line.push_back({f.px(s.x[k]), f.py(s.y[k])});
      svg.polyline(line, c, 1.8);
      svg.group_end();
    }
    svg.group_end();
  }
  return svg.str();
}

std::string plot_bars(const std::vector<BarPanel>& panels, const std::string& title) {
  if (panels.empty()) throw UserError("plot: nothing to draw");
  std::vector<std::string> names;
  std::map<std::string, size_t> color;
  for (const auto& p : panels)
    for (const auto& c : p.categories) add_legend_name(c, names, color);
  Figure fig = begin_figure(panels.size(), title, names);
  Svg& svg = fig.svg;
  for (size_t i = 0; i < panels.size(); ++i) {
    const auto& p = panels[i];
    const double ox = fig.panel_x(i);
    const double oy = fig.panel_y(i);
    const size_t n = p.categories.size();
    Range yr;
    yr.add(0);  // bars start at zero
    for (size_t k = 0; k < n; ++k) {
      if (!p.value[k]) continue;
      yr.add(*p.value[k]);
      if (k < p.lo.size() && p.lo[k]) yr.add(*p.lo[k]);
      if (k < p.hi.size() && p.hi[k]) yr.add(*p.hi[k]);
    }
    if (!yr.empty()) yr.hi += 0.08 * (yr.hi - yr.lo);  // room for the value labels
    Range xr;
    xr.add(0);
    xr.add(static_cast<double>(std::max<size_t>(n, 1)));
    svg.group_begin("panel", p.title);
    const Frame f = draw_axes(svg, ox, oy, xr, yr, p.title, "", p.ylabel, false);
    const double slot = f.w / static_cast<double>(std::max<size_t>(n, 1));
    for (size_t k = 0; k < n; ++k) {
      const double cx = f.px(static_cast<double>(k) + 0.5);
      const double bw = slot * 0.7;
      svg.group_begin("bar", p.categories[k]);
      if (p.value[k]) {
        const double v = *p.value[k];
        const double top = f.py(std::max(v, 0.0)), bottom = f.py(std::min(v, 0.0));
        svg.rect(cx - bw / 2, top, bw, bottom - top, plot_color(color[p.categories[k]]));
        double label_y = f.py(v) - 4;
        if (k < p.lo.size() && k < p.hi.size() && p.lo[k] && p.hi[k] && *p.hi[k] > *p.lo[k]) {
          const double lo = *p.lo[k], hi = *p.hi[k];
          svg.group_begin("errorbar");
          svg.line(cx, f.py(lo), cx, f.py(hi), "#222222", 1.4);
          svg.line(cx - bw / 5, f.py(hi), cx + bw / 5, f.py(hi), "#222222", 1.4);
          svg.line(cx - bw / 5, f.py(lo), cx + bw / 5, f.py(lo), "#222222", 1.4);
          svg.group_end();
          label_y = std::min(label_y, f.py(hi) - 4);
        }
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3g", v);
        svg.text(cx, label_y, buf, 10, "middle");
      } else {
        svg.text(cx, f.py(f.ylo) - 6, "n/a", 11, "middle");
      }
      const std::string note = k < p.note.size() ? p.note[k] : "";
      if (!note.empty()) svg.text(cx, f.y0 + f.h + 15, note, 10, "middle");
      svg.group_end();
    }
    svg.group_end();
  }
  return svg.str();
}

}  // namespace swepo::plot
