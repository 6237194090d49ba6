#include "analysis/plot/svg.h"

#include <cmath>
#include <cstdio>

#include "core/util/error.h"

namespace swepo::plot {

std::string svg_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string svg_num(double v) {
  if (!std::isfinite(v)) throw UserError("svg: non-finite coordinate");
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::rect(double x, double y, double w, double h, const std::string& fill, const std::string& stroke,
               double opacity) {
  body_ += "<rect x=\"" + svg_num(x) + "\" y=\"" + svg_num(y) + "\" width=\"" + svg_num(std::max(w, 0.0)) +
           "\" height=\"" + svg_num(std::max(h, 0.0)) + "\" fill=\"" + fill + "\" stroke=\"" + stroke + "\"";
  if (opacity < 1.0) body_ += " fill-opacity=\"" + svg_num(opacity) + "\"";
  body_ += "/>\n";
}

void Svg::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
               const std::string& dash) {
  body_ += "<line x1=\"" + svg_num(x1) + "\" y1=\"" + svg_num(y1) + "\" x2=\"" + svg_num(x2) + "\" y2=\"" +
           svg_num(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + svg_num(width) + "\"";
  if (!dash.empty()) body_ += " stroke-dasharray=\"" + dash + "\"";
  body_ += "/>\n";
}

static std::string points_attr(const Points& pts) {
  std::string s;
  for (const auto& [x, y] : pts) s += (s.empty() ? "" : " ") + svg_num(x) + "," + svg_num(y);
  return s;
}

void Svg::polyline(const Points& pts, const std::string& stroke, double width) {
  if (pts.empty()) return;
  body_ += "<polyline points=\"" + points_attr(pts) + "\" fill=\"none\" stroke=\"" + stroke +
           "\" stroke-width=\"" + svg_num(width) + "\" stroke-linejoin=\"round\"/>\n";
}

void Svg::polygon(const Points& pts, const std::string& fill, double opacity) {
  if (pts.empty()) return;
  body_ += "<polygon points=\"" + points_attr(pts) + "\" fill=\"" + fill + "\" fill-opacity=\"" +
           svg_num(opacity) + "\" stroke=\"none\"/>\n";
}

void Svg::text(double x, double y, const std::string& s, double size, const std::string& anchor, double rotate,
               const std::string& weight) {
  body_ += "<text x=\"" + svg_num(x) + "\" y=\"" + svg_num(y) + "\" font-size=\"" + svg_num(size) +
           "\" text-anchor=\"" + anchor + "\"";
  if (weight != "normal") body_ += " font-weight=\"" + weight + "\"";
  if (rotate != 0) body_ += " transform=\"rotate(" + svg_num(rotate) + " " + svg_num(x) + " " + svg_num(y) + ")\"";
  body_ += ">" + svg_escape(s) + "</text>\n";
}

void Svg::group_begin(const std::string& cls, const std::string& series) {
  body_ += "<g class=\"" + svg_escape(cls) + "\"";
  if (!series.empty()) body_ += " data-series=\"" + svg_escape(series) + "\"";
  body_ += ">\n";
  ++open_groups_;
}

void Svg::group_end() {
  if (open_groups_ == 0) throw std::logic_error("svg: group_end without group_begin");
  body_ += "</g>\n";
  --open_groups_;
}

std::string Svg::str() const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + svg_num(width_) + "\" height=\"" +
         svg_num(height_) + "\" viewBox=\"0 0 " + svg_num(width_) + " " + svg_num(height_) +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + svg_num(width_) + "\" height=\"" + svg_num(height_) +
         "\" fill=\"white\"/>\n";
  out += body_;
  for (int i = 0; i < open_groups_; ++i) out += "</g>\n";
  out += "</svg>\n";
  return out;
}

const std::string& plot_color(size_t i) {
  static const std::vector<std::string> palette = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                                   "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
  return palette[i % palette.size()];
}

}  // namespace swepo::plot
