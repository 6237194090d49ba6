// swepo plot: SVG plots from the results store (analysis/plot).
//
//   swepo plot --db PATH curves [--metric pref/loss,pref/rewards/margins] [--group-by loss.name]
//              [--where KEY=VALUE] [--band minmax|std|none] [--smooth N] [--out curves.svg]
//   swepo plot --db PATH bars TABLE [--tables DIR] [--out bars.svg]
//
// curves: one panel per training metric, one line per group (mean over its finished runs) with a
// band over seeds. bars: one panel per column of a report table (table1, kablation, a file), one
// bar per row with mean ± std error bars. A .png --out also writes the .svg and a gnuplot script
// (.gp) beside it and renders the PNG with gnuplot (optional; gnuplot-nox in scripts/setup.sh).
#include <iostream>

#include "analysis/plot/plot_chart.h"
#include "analysis/plot/plot_data.h"
#include "analysis/plot/plot_gnuplot.h"
#include "analysis/report/report_build.h"
#include "analysis/report/report_spec.h"
#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/store/store.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

namespace swepo::cli {

int cmd_plot(const Args& args) {
  std::string db = kStoreDefaultPath, kind, table, out, tables_dir, metric, group_by = "loss.name", pool;
  std::string band = "minmax";
  std::vector<std::string> where;
  int smooth = 1;
  po::options_description desc(
      "swepo plot --db PATH curves [--metric KEYS] [--group-by KEYS] [--band minmax|std|none] [--out F.svg]\n"
      "swepo plot --db PATH bars TABLE [--tables DIR] [--out F.svg]\n"
      "SVG plots of the finished runs in the results store");
  desc.add_options()("help,h", "show this help")(
      "db", po::value(&db)->default_value(db), "results store: an SQLite path or a postgresql:// URL")(
      "kind", po::value(&kind), "curves | bars")(
      "table", po::value(&table), "bars: built-in table name or table file path")(
      "out", po::value(&out), "output file: .svg, or .png (also writes .svg and a gnuplot .gp; needs gnuplot); default <kind>.svg")(
      "tables", po::value(&tables_dir), "bars: folder of built-in tables")(
      "metric", po::value(&metric), "curves: comma-separated metric keys (default pref/loss,"
                                    "pref/rewards/margins,pref/rewards/accuracies)")(
      "group-by", po::value(&group_by)->default_value(group_by), "curves: comma-separated param keys")(
      "where", po::value(&where)->composing(), "curves: KEY=VALUE filter on params (repeatable)")(
      "pool", po::value(&pool), "curves: comma-separated param keys that may differ within a series "
                                "(by default only seeds and output_dir/cache_dir/device may)")(
      "band", po::value(&band)->default_value(band), "curves: minmax | std | none")(
      "smooth", po::value(&smooth)->default_value(smooth), "curves: trailing moving average window (steps)");
  po::positional_options_description pos;
  pos.add("kind", 1).add("table", 1);
  po::variables_map vm;
  if (!cli_parse(args, desc, vm, &pos)) return 0;
  if (kind != "curves" && kind != "bars")
    throw UserError(kind.empty() ? "give a plot KIND: curves or bars"
                                 : "unknown plot kind '" + kind + "'; valid: curves, bars");
  if (kind == "bars" && table.empty()) throw UserError("bars: give a TABLE (table1, kablation or a file)");
  if (kind == "curves" && !table.empty()) throw UserError("curves takes no TABLE argument ('" + table + "')");
  if (out.empty()) out = kind + ".svg";
  const bool png = ends_with(out, ".png");
  if (!png && !ends_with(out, ".svg")) throw UserError("--out must end in .svg or .png, got '" + out + "'");

  report::TableSpec spec;
  if (kind == "bars") spec = report::table_spec_load(report::table_spec_find(table, tables_dir));
  Store store = Store::open_read_only(db);
  const report::ReportData data(store);
  std::string svg, gnuplot;
  if (kind == "curves") {
    plot::CurveQuery q;
    if (!metric.empty()) {
      q.metrics.clear();
      for (const auto& m : split(metric, ',')) q.metrics.push_back(trim(m));
    }
    q.group_by.clear();
    for (const auto& k : split(group_by, ',')) q.group_by.push_back(trim(k));
    for (const auto& w : where) q.where.push_back(report::parse_param_match(w, "--where"));
    for (const auto& k : split(pool, ','))
      if (!trim(k).empty()) q.pool.push_back(trim(k));
    q.band = band;
    q.smooth = smooth;
    const auto panels = plot::curve_panels(store, data, q);
    const std::string title =
        "Training curves by " + group_by + (band == "none" ? "" : " (band: " + band + " over seeds)");
    svg = plot::plot_lines(panels, title);
    if (png) gnuplot = plot::gnuplot_lines(panels, title, out);
  } else {
    const report::ReportTable t = report::report_build_table(spec, data);
    const auto panels = plot::table_bar_panels(t);
    const std::string title = t.title.empty() ? table : t.title;
    svg = plot::plot_bars(panels, title);
    if (png) gnuplot = plot::gnuplot_bars(panels, title, out);
  }
  if (!png) {
    write_file_atomic(out, svg);
    std::cerr << "wrote " << out << "\n";
    return 0;
  }
  // PNG: the SVG beside it, and a gnuplot script rendered by gnuplot when it is installed.
  const std::string stem = out.substr(0, out.size() - 4);
  write_file_atomic(stem + ".svg", svg);
  write_file_atomic(stem + ".gp", gnuplot);
  plot::gnuplot_run(stem + ".gp");
  std::cerr << "wrote " << stem << ".svg, " << stem << ".gp and " << out << "\n";
  return 0;
}

}  // namespace swepo::cli
