// A minimal SVG 1.1 writer (no dependency): shapes and text appended in drawing order, escaped,
// numbers printed with 2 decimals. plot_*.h draw charts with it. Tensor-free.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace swepo::plot {

using Points = std::vector<std::pair<double, double>>;  // (x, y) in SVG pixels

std::string svg_escape(const std::string& text);  // & < > " '
std::string svg_num(double v);                    // "12.5", "3", never "-0"

class Svg {
 public:
  Svg(double width, double height);

  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke = "none",
            double opacity = 1.0);
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1.0,
            const std::string& dash = "");
  void polyline(const Points& pts, const std::string& stroke, double width = 1.5);
  void polygon(const Points& pts, const std::string& fill, double opacity);
  // anchor: start | middle | end; rotate: degrees about (x, y).
  void text(double x, double y, const std::string& s, double size = 12, const std::string& anchor = "start",
            double rotate = 0, const std::string& weight = "normal");
  // A named group (<g class="...">, data-series="name") wrapping what is drawn until group_end().
  void group_begin(const std::string& cls, const std::string& series = "");
  void group_end();

  std::string str() const;  // the complete document

 private:
  double width_, height_;
  std::string body_;
  int open_groups_ = 0;
};

// The palette of series colours (Tableau 10), cycled by index.
const std::string& plot_color(size_t i);

}  // namespace swepo::plot
