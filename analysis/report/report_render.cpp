#include "analysis/report/report_table.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::report {
namespace {

using json = nlohmann::json;

std::string fixed(double v, int precision) {
  if (std::isnan(v)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  std::string s = buf;
  if (s == "-0" || (s.size() > 1 && s[0] == '-' && s.find_first_not_of("-0.") == std::string::npos))
    s = s.substr(1);  // "-0.00" -> "0.00"
  return s;
}

// A p-value keeps its magnitude when small: 0.0024 rather than 0.00.
std::string number_text(double v, int precision) {
  if (v != 0 && std::fabs(v) < std::pow(10.0, -precision)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2g", v);
    return buf;
  }
  return fixed(v, precision);
}

// A difference with its sign: "+8.00", "-1.50", "0.00".
std::string signed_text(double v, int precision) {
  const std::string s = fixed(v, precision);
  return s[0] != '-' && s.find_first_not_of("0.") != std::string::npos ? "+" + s : s;
}

// "+8.00 ± 6.57* (n=3)": Δ ± half-width, * when resolved; "+2.00 (n=1)" without an interval.
std::string paired_text(const metrics::PairedDiff& d, int p, const std::string& pm) {
  const std::string n = " (n=" + std::to_string(d.n) + ")";
  if (d.n < 2) return signed_text(d.mean, p) + n;
  return signed_text(d.mean, p) + " " + pm + " " + fixed(d.half_width, p) + (d.resolved ? "*" : "") + n;
}

// Text of one cell for md and latex; `pm` is the ± sign, `dash` the missing mark.
std::string cell_text(const Cell& c, const std::string& stat, int p, const std::string& pm,
                      const std::string& dash) {
  switch (c.kind) {
    case Cell::kMissing: return dash;
    case Cell::kEmpty: return "";
    case Cell::kNumber: return stat == "seeds_needed" ? fixed(c.number, 0) : number_text(c.number, p);
    case Cell::kPaired: return paired_text(c.paired, p, pm);
    case Cell::kStats: break;
  }
  const auto& s = c.stats;
  if (s.n == 0) return dash;
  const std::string n = "(n=" + std::to_string(s.n) + ")";
  const std::string ci = "[" + fixed(s.ci_lo, p) + ", " + fixed(s.ci_hi, p) + "]";
  if (stat == "mean_std") return s.n < 2 ? fixed(s.mean, p) + " " + n : fixed(s.mean, p) + " " + pm + " " + fixed(s.std, p) + " " + n;
  if (stat == "mean_ci") return fixed(s.mean, p) + " " + ci + " " + n;
  if (stat == "mean") return fixed(s.mean, p);
  if (stat == "std") return s.n < 2 ? dash : fixed(s.std, p);
  if (stat == "var") return s.n < 2 ? dash : number_text(s.var, p);
  if (stat == "n") return std::to_string(s.n);
  if (stat == "ci") return ci;
  if (stat == "min") return fixed(s.min, p);
  if (stat == "max") return fixed(s.max, p);
  throw UserError("unknown stat '" + stat + "'");
}

std::string column_title(const ReportColumn& c) {
  return c.group.empty() ? c.label : c.group + ": " + c.label;
}

// CSV sub-columns of a column and the values of a cell in them.
// A column's own sub-columns (before the paired fields).
std::vector<std::string> csv_stat_headers(const ReportColumn& c) {
  const std::string t = column_title(c);
  if (c.stat == "mean_std") return {t + " mean", t + " std", t + " n"};
  if (c.stat == "mean_ci") return {t + " mean", t + " ci_lo", t + " ci_hi", t + " n"};
  if (c.stat == "ci") return {t + " ci_lo", t + " ci_hi"};
  if (c.stat == "delta") return {};
  return {t};
}

std::vector<std::string> csv_headers(const ReportColumn& c) {
  std::vector<std::string> h = csv_stat_headers(c);
  if (!c.paired) return h;
  const std::string t = c.stat == "delta" ? "" : column_title(c) + " ";
  for (const char* f : {"delta", "delta_ci_lo", "delta_ci_hi", "n_pairs", "resolved"}) h.push_back(t + f);
  return h;
}

std::vector<std::string> csv_stat_values(const Cell& c, const ReportColumn& col, int p) {
  const size_t width = csv_stat_headers(col).size();
  std::vector<std::string> out(width);
  if (width == 0) return out;
  if (c.kind == Cell::kNumber) {
    out[0] = col.stat == "seeds_needed" ? fixed(c.number, 0) : number_text(c.number, p);
    return out;
  }
  if ((c.kind != Cell::kStats && c.kind != Cell::kPaired) || c.stats.n == 0) return out;
  const auto& s = c.stats;
  const std::string sd = s.n < 2 ? "" : fixed(s.std, p);
  const std::string n = std::to_string(s.n);
  if (col.stat == "mean_std") return {fixed(s.mean, p), sd, n};
  if (col.stat == "mean_ci") return {fixed(s.mean, p), fixed(s.ci_lo, p), fixed(s.ci_hi, p), n};
  if (col.stat == "ci") return {fixed(s.ci_lo, p), fixed(s.ci_hi, p)};
  Cell own = c;
  own.kind = Cell::kStats;
  return {cell_text(own, col.stat, p, "", "")};
}

std::vector<std::string> csv_values(const Cell& c, const ReportColumn& col, int p) {
  std::vector<std::string> out = csv_stat_values(c, col, p);
  if (!col.paired) return out;
  std::vector<std::string> f(5);
  if (c.kind == Cell::kPaired) {
    const auto& d = c.paired;
    f = {fixed(d.mean, p), d.n < 2 ? "" : fixed(d.ci_lo, p), d.n < 2 ? "" : fixed(d.ci_hi, p),
         std::to_string(d.n), d.resolved ? "1" : "0"};
  }
  out.insert(out.end(), f.begin(), f.end());
  return out;
}

std::string csv_quote(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return q + "\"";
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char ch : s) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

std::string latex_escape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    switch (ch) {
      case '%': case '&': case '#': case '_': case '$': case '{': case '}':
        out += '\\';
        out += ch;
        break;
      case '~': out += "\\textasciitilde{}"; break;
      case '^': out += "\\textasciicircum{}"; break;
      case '\\': out += "\\textbackslash{}"; break;
      default:
        if (s.compare(i, 2, "±") == 0) {  // UTF-8 ± (2 bytes)
          out += "$\\pm$";
          ++i;
        } else if (s.compare(i, 3, "—") == 0) {
          out += "--";
          i += 2;
        } else if (s.compare(i, 2, "Δ") == 0) {  // UTF-8 Δ (2 bytes)
          out += "$\\Delta$";
          ++i;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

json stats_json(const metrics::SeedStats& s) {
  json j;
  j["n"] = s.n;
  j["mean"] = s.mean;
  j["std"] = s.n < 2 ? json() : json(s.std);
  j["var"] = s.n < 2 ? json() : json(s.var);
  j["ci_lo"] = s.ci_lo;
  j["ci_hi"] = s.ci_hi;
  j["min"] = s.min;
  j["max"] = s.max;
  return j;
}

json paired_json(const metrics::PairedDiff& d) {
  const bool ci = d.n >= 2;
  return json{{"delta", d.mean},
              {"ci_lo", ci ? json(d.ci_lo) : json()},
              {"ci_hi", ci ? json(d.ci_hi) : json()},
              {"half_width", ci ? json(d.half_width) : json()},
              {"sd", ci ? json(d.sd) : json()},
              {"n_pairs", d.n},
              {"resolved", d.resolved},
              {"seeds", d.seeds}};
}

json cell_json(const Cell& c, const std::string& stat) {
  if (c.kind == Cell::kNumber) return c.number;
  if (c.kind == Cell::kPaired) {
    if (stat == "delta") return paired_json(c.paired);
    json j = stats_json(c.stats);
    j["paired"] = paired_json(c.paired);
    return j;
  }
  if (c.kind != Cell::kStats || c.stats.n == 0) return json();
  const auto& s = c.stats;
  if (stat == "mean_std" || stat == "mean_ci") return stats_json(s);
  if (stat == "ci") return json{{"lo", s.ci_lo}, {"hi", s.ci_hi}};
  if (stat == "n") return s.n;
  const json all = stats_json(s);
  return all.at(stat);
}

}  // namespace

std::string render_markdown(const ReportTable& t) {
  std::string out;
  if (!t.title.empty()) out += "### " + t.title + "\n\n";
  std::vector<std::string> head;
  for (const auto& h : t.label_headers) head.push_back(md_escape(h));
  for (const auto& c : t.columns) head.push_back(md_escape(column_title(c)));
  out += "| " + join(head, " | ") + " |\n|";
  for (size_t i = 0; i < head.size(); ++i) out += i < t.label_headers.size() ? " --- |" : " ---: |";
  out += "\n";
  for (size_t r = 0; r < t.cells.size(); ++r) {
    std::vector<std::string> row;
    for (const auto& l : t.row_labels[r]) row.push_back(md_escape(l));
    for (size_t c = 0; c < t.columns.size(); ++c)
      row.push_back(md_escape(cell_text(t.cells[r][c], t.columns[c].stat, t.precision, "±", "—")));
    out += "| " + join(row, " | ") + " |\n";
  }
  for (const auto& n : t.notes) out += "\n" + n + "\n";
  return out;
}

std::string render_csv(const ReportTable& t) {
  std::vector<std::string> head;
  for (const auto& h : t.label_headers) head.push_back(csv_quote(h));
  for (const auto& c : t.columns)
    for (const auto& h : csv_headers(c)) head.push_back(csv_quote(h));
  std::string out = join(head, ",") + "\n";
  for (size_t r = 0; r < t.cells.size(); ++r) {
    std::vector<std::string> row;
    for (const auto& l : t.row_labels[r]) row.push_back(csv_quote(l));
    for (size_t c = 0; c < t.columns.size(); ++c)
      for (const auto& v : csv_values(t.cells[r][c], t.columns[c], t.precision)) row.push_back(csv_quote(v));
    out += join(row, ",") + "\n";
  }
  return out;
}

std::string render_latex(const ReportTable& t) {
  const size_t nl = t.label_headers.size(), nc = t.columns.size();
  std::string out = "% requires \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n";
  if (!t.title.empty()) out += "\\caption{" + latex_escape(t.title) + "}\n";
  out += "\\begin{tabular}{" + std::string(nl, 'l') + std::string(nc, 'r') + "}\n\\toprule\n";
  bool grouped = false;
  for (const auto& c : t.columns) grouped = grouped || !c.group.empty();
  if (grouped) {  // one \multicolumn per run of equal group labels
    std::string line(nl > 0 ? nl - 1 : 0, '&');
    std::string rules;
    size_t c = 0;
    while (c < nc) {
      size_t e = c;
      while (e < nc && t.columns[e].group == t.columns[c].group) ++e;
      line += " & \\multicolumn{" + std::to_string(e - c) + "}{c}{" + latex_escape(t.columns[c].group) + "}";
      if (!t.columns[c].group.empty())
        rules += "\\cmidrule(lr){" + std::to_string(nl + c + 1) + "-" + std::to_string(nl + e) + "}";
      c = e;
    }
    out += line + " \\\\\n" + rules + "\n";
  }
  std::vector<std::string> head;
  for (const auto& h : t.label_headers) head.push_back(latex_escape(h));
  for (const auto& c : t.columns) head.push_back(latex_escape(grouped ? c.label : column_title(c)));
  out += join(head, " & ") + " \\\\\n\\midrule\n";
  for (size_t r = 0; r < t.cells.size(); ++r) {
    std::vector<std::string> row;
    for (const auto& l : t.row_labels[r]) row.push_back(l == kAbsentLabel ? "--" : latex_escape(l));
    for (size_t c = 0; c < nc; ++c)
      row.push_back(latex_escape(cell_text(t.cells[r][c], t.columns[c].stat, t.precision, "±", "—")));
    out += join(row, " & ") + " \\\\\n";
  }
  out += "\\bottomrule\n\\end{tabular}\n";
  for (const auto& n : t.notes) out += "\\par\\footnotesize " + latex_escape(n) + "\n";
  out += "\\end{table}\n";
  return out;
}

std::string render_json(const ReportTable& t) {
  json j;
  j["title"] = t.title;
  j["notes"] = t.notes;
  j["label_headers"] = t.label_headers;
  json cols = json::array();
  for (const auto& c : t.columns) {
    json col = {{"group", c.group}, {"label", c.label}, {"stat", c.stat}};
    if (c.paired) col["paired"] = true;
    cols.push_back(col);
  }
  j["columns"] = cols;
  if (!t.baseline.empty()) j["baseline"] = t.baseline;
  json rows = json::array();
  for (size_t r = 0; r < t.cells.size(); ++r) {
    json cells = json::array();
    for (size_t c = 0; c < t.columns.size(); ++c) cells.push_back(cell_json(t.cells[r][c], t.columns[c].stat));
    rows.push_back({{"labels", t.row_labels[r]}, {"cells", cells}});
  }
  j["rows"] = rows;
  return j.dump(2) + "\n";
}

std::string render_table(const ReportTable& t, const std::string& format) {
  if (format == "md") return render_markdown(t);
  if (format == "csv") return render_csv(t);
  if (format == "latex") return render_latex(t);
  if (format == "json") return render_json(t);
  throw UserError("unknown --format '" + format + "'; valid: md, csv, latex, json");
}

}  // namespace swepo::report
