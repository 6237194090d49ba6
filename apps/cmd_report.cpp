// swepo report: tables from the results store (analysis/report).
//
//   swepo report --db results/swepo.db table1 [--format md|csv|latex|json] [--out FILE] [--tables DIR]
//   swepo report --db results/swepo.db --group-by loss.name,data.K --metric alpaca.lc [--decoding D]
//   swepo report --db results/swepo.db --group-by loss.name --metric pref/loss [--reduce final|min|max|mean_last:N]
//
// A metric with a '/' is a training metric (the `metrics` table: pref/loss, sft/loss,
// pref/rewards/margins), reduced to one value per run over its logged steps (--reduce, default
// final = the value at the last step); SUITE.METRIC is an eval metric (the `evals` table). Unknown
// metrics and param keys are errors (exit 2) that list the valid ones.
//
// TABLE is a built-in name (analysis/tables/<name>.yaml: table1, table2, kablation) or a path to a
// table file (format: analysis/report/report_spec.h). Cells are mean ± std over the seeds of
// FINISHED runs with n; no matching run shows as missing, never as zero. A cell or group whose runs
// differ in more than their seeds is an error (exit 2) unless pooled (`pool:` in a row, --pool).
//
// Paired Δ: runs of one seed share the SFT model, data order and eval sampling streams, so a table
// file's `baseline: ROW`, or --baseline KEY=VALUE ad hoc, shows every other row or group as Δ vs the
// baseline ± the paired 95% t-interval over the seeds both share (* = it excludes 0); --power (or
// `power: true`) adds the minimum detectable Δ and the seeds needed for --power-delta D
// (analysis/report/report_spec.h: "Paired Δ", "Power").
#include <iostream>

#include "analysis/report/report_build.h"
#include "analysis/report/report_data.h"
#include "analysis/report/report_spec.h"
#include "analysis/report/report_table.h"
#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/store/store.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"

namespace swepo::cli {

int cmd_report(const Args& args) {
  std::string db = kStoreDefaultPath, table, format = "md", out, tables_dir, group_by, metric;
  std::string decoding = report::kDecodingAuto, reduce;
  std::vector<std::string> where;
  std::string pool, baseline;
  double power_delta = 1.0;
  int bootstrap = 1000, precision = 4;
  int64_t seed = 0;
  po::options_description desc(
      "swepo report --db PATH TABLE [--format md|csv|latex|json] [--out FILE] [--tables DIR]\n"
      "swepo report --db PATH --group-by KEY[,KEY] --metric SUITE.METRIC [--decoding D] [--where K=V]\n"
      "swepo report --db PATH --group-by KEY[,KEY] --metric PHASE/KEY [--reduce final|min|max|mean_last:N]\n"
      "  ad hoc, paired: [--baseline KEY=VALUE [--power] [--power-delta D]]; a table: [--power] [--power-delta D]\n"
      "Tables over the seeds of finished runs in the results store. TABLE: table1, table2, kablation, table1_hf, ...\n"
      "(analysis/tables/<name>.yaml) or a table file's path. A metric with a '/' is a training metric (pref/loss),\n"
      "SUITE.METRIC an eval metric (alpaca.lc)");
  desc.add_options()("help,h", "show this help")(
      "db", po::value(&db)->default_value(db), "results store: an SQLite path or a postgresql:// URL")(
      "table", po::value(&table), "built-in table name or table file path")(
      "format", po::value(&format)->default_value(format), "md | csv | latex | json")(
      "out", po::value(&out), "write here instead of stdout")(
      "tables", po::value(&tables_dir), "folder of built-in tables (default ./analysis/tables, then the source's)")(
      "group-by", po::value(&group_by), "ad hoc: comma-separated param keys (e.g. loss.name,data.K)")(
      "metric", po::value(&metric),
      "ad hoc: an eval metric SUITE.METRIC (e.g. alpaca.lc) or a training metric KEY with a '/' (e.g. pref/loss)")(
      "decoding", po::value(&decoding)->default_value(decoding),
      "ad hoc, eval metrics: evals.decoding to use; auto = the average over decodings ('avg')")(
      "reduce", po::value(&reduce),
      "ad hoc, training metrics: one value per run from its logged steps: final (default: the value at the "
      "last step), min, max, mean_last:N (the mean over the last N logged steps)")(
      "where", po::value(&where)->composing(), "ad hoc: KEY=VALUE filter on params (repeatable; a|b = any of)")(
      "pool", po::value(&pool),
      "ad hoc: comma-separated param keys that may differ within a group (by default only seeds and "
      "output_dir/cache_dir/device may; a group mixing configurations is an error)")(
      "bootstrap", po::value(&bootstrap)->default_value(bootstrap), "ad hoc: bootstrap resamples of the 95% CI")(
      "seed", po::value(&seed)->default_value(seed), "ad hoc: bootstrap seed")(
      "precision", po::value(&precision)->default_value(precision), "ad hoc: digits after the point")(
      "baseline", po::value(&baseline),
      "ad hoc: KEY=VALUE (KEY a --group-by key): a column of Δ vs the group of that value (and the same other "
      "keys), paired over the seeds both share, ± the 95% t-interval, * when it excludes 0 (a table file says "
      "'baseline: ROW')")(
      "power", "with a baseline: add the minimum detectable Δ (80% power, two-sided 5%) at each row's n and the "
               "seeds needed to resolve --power-delta (a table file may say 'power: true')")(
      "power-delta", po::value(&power_delta)->default_value(power_delta),
      "the Δ whose seeds-needed --power shows, in the metric's units after any column scale (alpaca.lc: LC "
      "points)");
  po::positional_options_description pos;
  pos.add("table", 1);
  po::variables_map vm;
  if (!cli_parse(args, desc, vm, &pos)) return 0;
  const bool adhoc = vm.count("group-by") || vm.count("metric");
  if (adhoc && !table.empty()) throw UserError("give either TABLE or --group-by/--metric, not both");
  if (!adhoc && table.empty())
    throw UserError("give a TABLE (table1, table2, kablation or a file) or --group-by KEY --metric SUITE.METRIC");
  if (adhoc && (group_by.empty() || metric.empty()))
    throw UserError("--group-by and --metric go together (e.g. --group-by loss.name --metric alpaca.lc)");
  if (!adhoc && vm.count("reduce"))
    throw UserError("--reduce goes with --group-by/--metric; a table file sets 'reduce' per column");
  if (adhoc && report::is_training_metric(metric) && !vm["decoding"].defaulted())
    throw UserError("--decoding applies to eval metrics (SUITE.METRIC); '" + metric +
                    "' is a training metric (see --reduce)");
  if (format != "md" && format != "csv" && format != "latex" && format != "json")
    throw UserError("unknown --format '" + format + "'; valid: md, csv, latex, json");
  if (!adhoc && vm.count("baseline"))
    throw UserError("--baseline goes with --group-by/--metric; a table file sets 'baseline: ROW'");
  if (!(power_delta > 0)) throw UserError("--power-delta must be > 0");
  if (adhoc && vm.count("power") && baseline.empty())
    throw UserError("--power needs --baseline KEY=VALUE (the MDD uses the sd of the paired differences)");
  if (bootstrap < 0) throw UserError("--bootstrap must be >= 0");
  if (precision < 0 || precision > 12) throw UserError("--precision must be in 0..12");

  // Parse the table before opening the store so a bad table file is reported as such.
  report::TableSpec spec;
  if (!adhoc) {
    spec = report::table_spec_load(report::table_spec_find(table, tables_dir));
    if (vm.count("power")) spec.power = true;
    if (!vm["power-delta"].defaulted()) spec.power_delta = power_delta;
    if (spec.power && spec.baseline.empty())
      throw UserError("--power needs a baseline: table file " + spec.file +
                      " has no 'baseline: ROW' (the MDD uses the sd of the paired differences)");
  }
  Store store = Store::open_read_only(db);
  const report::ReportData data(store);
  report::ReportTable t;
  if (adhoc) {
    report::GroupByQuery q;
    for (const auto& k : split(group_by, ',')) {
      if (trim(k).empty()) throw UserError("--group-by: empty key in '" + group_by + "'");
      q.keys.push_back(trim(k));
    }
    for (const auto& k : split(pool, ','))
      if (!trim(k).empty()) q.pool.push_back(trim(k));
    q.metric = metric;
    q.decoding = decoding;
    q.reduce = reduce;
    for (const auto& w : where) q.where.push_back(report::parse_param_match(w, "--where"));
    q.bootstrap = bootstrap;
    q.bootstrap_seed = static_cast<uint64_t>(seed);
    q.precision = precision;
    q.baseline = baseline;
    q.power = vm.count("power") > 0;
    q.power_delta = power_delta;
    t = report::report_group_by(q, data);
  } else {
    t = report::report_build_table(spec, data);
  }
  const std::string text = report::render_table(t, format);
  if (out.empty()) {
    std::cout << text;
  } else {
    write_file_atomic(out, text);
    std::cerr << "wrote " << out << "\n";
  }
  return 0;
}

}  // namespace swepo::cli
