#include "analysis/plot/plot_gnuplot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "analysis/plot/svg.h"
#include "core/util/error.h"

namespace swepo::plot {
namespace {

// A gnuplot string in double quotes (the terminal is noenhanced, so only \\ and " need escapes).
std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A string field of an inline data block (no escape processing there): double quotes become single.
std::string data_quote(std::string s) {
  for (char& c : s)
    if (c == '"') c = '\'';
  return "\"" + s + "\"";
}

std::string num(double v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

GnuplotFrame gnuplot_frame(size_t n_panels, const std::string& title) {
  GnuplotFrame f;
  const size_t cols = std::min<size_t>(std::max<size_t>(n_panels, 1), 3);
  const size_t rows = (std::max<size_t>(n_panels, 1) + cols - 1) / cols;
  f.cols = static_cast<int>(cols);
  f.rows = static_cast<int>(rows);
  f.width = 420 * f.cols;
  f.height = 320 * f.rows + 60;
  // The title at up to 13 pt, down to 9 pt to fit the width, and a wider figure when even 9 pt
  // does not fit (pngcairo draws 1 pt as 1 px; a DejaVu Sans glyph is ~0.62 em wide on average).
  const double chars = std::max<double>(1, static_cast<double>(title.size()));
  const double room = f.width - 2 * kGnuplotTitleMargin;
  f.title_font = static_cast<int>(std::min(13.0, std::floor(room / (kGnuplotGlyphEm * chars))));
  if (f.title_font < 9) {
    f.title_font = 9;
    f.width = static_cast<int>(std::ceil(kGnuplotGlyphEm * 9 * chars + 2 * kGnuplotTitleMargin));
  }
  return f;
}

namespace {

std::string header(size_t n_panels, const std::string& title, const std::string& png) {
  const GnuplotFrame f = gnuplot_frame(n_panels, title);
  std::string s = "# written by swepo plot; run: gnuplot THIS_FILE\n";
  s += "set terminal pngcairo size " + std::to_string(f.width) + "," + std::to_string(f.height) +
       " font \"DejaVu Sans,10\" noenhanced\n";
  s += "set output " + quote(png) + "\n";
  s += "set grid ytics lc rgb \"#e0e0e0\"\nset key top right font \",9\"\n";
  s += "set multiplot layout " + std::to_string(f.rows) + "," + std::to_string(f.cols) + " title " + quote(title) +
       " font \"," + std::to_string(f.title_font) + "\"\n";
  return s;
}

}  // namespace

std::string gnuplot_lines(const std::vector<LinePanel>& panels, const std::string& title, const std::string& png) {
  if (panels.empty()) throw UserError("plot: nothing to draw");
  std::map<std::string, size_t> color;
  for (const auto& p : panels)
    for (const auto& s : p.series) color.emplace(s.name, color.size());
  std::string g = header(panels.size(), title, png);
  int block = 0;
  for (const auto& p : panels) {
    g += "set title " + quote(p.title) + "\nset xlabel " + quote(p.xlabel) + "\nset ylabel " + quote(p.ylabel) + "\n";
    std::vector<std::string> plots;
    for (const auto& s : p.series) {
      const std::string name = "$d" + std::to_string(block++);
      const bool band = !s.lo.empty() && s.lo.size() == s.x.size() && s.hi.size() == s.x.size();
      g += name + " << EOD\n";
      for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
        if (!std::isfinite(s.y[k])) continue;
        g += num(s.x[k]) + " " + num(s.y[k]);
        if (band) g += " " + num(s.lo[k]) + " " + num(s.hi[k]);
        g += "\n";
      }
      g += "EOD\n";
      const std::string rgb = "lc rgb \"" + plot_color(color[s.name]) + "\"";
      if (band) plots.push_back(name + " using 1:3:4 with filledcurves fs transparent solid 0.2 noborder " + rgb + " notitle");
      plots.push_back(name + " using 1:2 with lines lw 2 " + rgb + " title " + quote(s.name));
    }
    if (plots.empty()) {
      g += "plot NaN notitle\n";
      continue;
    }
    g += "plot ";
    for (size_t i = 0; i < plots.size(); ++i) g += (i ? ", \\\n     " : "") + plots[i];
    g += "\n";
  }
  return g + "unset multiplot\nset output\n";
}

std::string gnuplot_bars(const std::vector<BarPanel>& panels, const std::string& title, const std::string& png) {
  if (panels.empty()) throw UserError("plot: nothing to draw");
  std::map<std::string, size_t> color;
  for (const auto& p : panels)
    for (const auto& c : p.categories) color.emplace(c, color.size());
  std::string g = header(panels.size(), title, png);
  g += "set style fill solid 0.9 noborder\nset boxwidth 0.7\nset xtics rotate by -25 font \",8\" nomirror\n"
       "set key off\nset xlabel \"\"\nset yrange [0:*]\n";
  int block = 0;
  for (const auto& p : panels) {
    g += "set title " + quote(p.title) + "\nset ylabel " + quote(p.ylabel) + "\n";
    g += "set xrange [-0.6:" + num(static_cast<double>(p.categories.size()) - 0.4) + "]\n";
    // x label value lo hi colour; a missing value is a NaN bar labelled "(n/a)".
    const std::string name = "$b" + std::to_string(block++);
    g += name + " << EOD\n";
    for (size_t k = 0; k < p.categories.size(); ++k) {
      const bool has = p.value[k].has_value();
      const double v = has ? *p.value[k] : NAN;
      const double lo = k < p.lo.size() && p.lo[k] ? *p.lo[k] : v;
      const double hi = k < p.hi.size() && p.hi[k] ? *p.hi[k] : v;
      const unsigned rgb = static_cast<unsigned>(std::strtoul(plot_color(color[p.categories[k]]).c_str() + 1, nullptr, 16));
      g += std::to_string(k) + " " + data_quote(has ? p.categories[k] : p.categories[k] + " (n/a)") + " " +
           (has ? num(v) : "NaN") + " " + (has ? num(lo) : "NaN") + " " + (has ? num(hi) : "NaN") + " " +
           std::to_string(rgb) + "\n";
    }
    g += "EOD\n";
    bool any = false;
    for (const auto& v : p.value) any = any || v.has_value();
    if (!any) {  // gnuplot refuses a plot whose every point is undefined: an empty, labelled panel
      g += "set label 1 \"no finished runs\" at graph 0.5, graph 0.5 center\nset yrange [0:1]\n"
           "plot " + name + " using 1:(0):xtic(2) with points pt -1 notitle\n"
           "unset label 1\nset yrange [0:*]\n";
      continue;
    }
    g += "plot " + name + " using 1:3:6:xtic(2) with boxes lc rgb variable, \\\n     " + name +
         " using 1:3:4:5 with yerrorbars lc rgb \"#222222\" pt 7 ps 0 lw 1.4\n";
  }
  return g + "unset multiplot\nset output\n";
}

void gnuplot_run(const std::string& script_path) {
  if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    throw UserError("a .png --out needs gnuplot (apt-get install gnuplot-nox); the script is " + script_path);
  const std::string cmd = "gnuplot '" + script_path + "'";
  if (std::system(cmd.c_str()) != 0) throw UserError("gnuplot failed on " + script_path);
}

}  // namespace swepo::plot
