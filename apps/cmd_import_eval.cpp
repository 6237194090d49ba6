// swepo import-eval: the official judges' verdicts on a run's generated answers, into the results
// store as the run's evals (so `swepo report` tables read them like the built-in suites).
//
//   swepo import-eval --run ID --benchmark alpaca_eval|arena_hard|mt_bench --file F
//                     [--decoding greedy|t0.2|t=0.2|...] [--seed N] [--db PATH|URL]
//                     [--difficulty FILE] [--glm NAME] [--bootstrap N]
//
// The answers are the run's artifact `answers/<benchmark>/<label>` that `swepo generate --run ID`
// recorded (label as the pipeline writes it: greedy,seed=0 or t=0.2,seed=N); their SHA-256 must be
// unchanged. The verdict file must judge exactly those answers (analysis/benchmarks). Recorded:
// the label's rows, then the aggregates recomputed from every run row of the suite now in the
// store, as the pipeline computes them: per temperature the mean over its seeds (decoding
// `greedy` / `t=0.2`), and `avg`, the mean over temperatures of those means (no stderr; n the
// run rows' n, the smallest when they differ); and the verdict file as artifact
// `verdicts/<benchmark>/<label>`. Importing again replaces the same rows.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <set>

#include <fmt/core.h>

#include "analysis/benchmarks/benchmark_files.h"
#include "analysis/metrics/stats.h"
#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/store/store.h"
#include "core/store/store_run.h"
#include "core/store/store_url.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/strings.h"

namespace swepo::cli {
namespace {

namespace bm = benchmarks;
namespace fs = std::filesystem;

// The pipeline's decoding labels (experiments/pipeline/run_eval.cpp: decoding_label).
struct Decoding {
  std::string temperature;  // "greedy" | "t=0.2"
  std::string label;        // "greedy,seed=0" | "t=0.2,seed=1"
};

Decoding parse_decoding(const std::string& text, int64_t seed) {
  if (seed < 0) throw UserError("--seed " + std::to_string(seed) + ": must be >= 0");
  const double t = bm::parse_decoding(text);
  if (t == 0.0 && seed != 0) throw UserError("--seed " + std::to_string(seed) + ": greedy decoding has only seed 0");
  Decoding d;
  d.label = bm::decoding_label(t, seed);
  d.temperature = d.label.substr(0, d.label.find(','));
  return d;
}

// The answers `swepo generate --run ID` recorded for this benchmark and label, checked unchanged.
std::string find_answers(Store& store, int64_t id, bm::Benchmark b, const Decoding& dec) {
  const std::string prefix = "answers/" + bm::benchmark_name(b) + "/";
  std::vector<ArtifactRow> rows;
  std::set<std::string> labels;
  for (const auto& a : store.run_artifacts(id)) {
    if (!starts_with(a.kind, prefix)) continue;
    labels.insert(a.kind.substr(prefix.size()));
    if (a.kind == prefix + dec.label) rows.push_back(a);
  }
  if (rows.empty())
    throw UserError(fmt::format(
        "run {} has no {} answers for decoding {} (artifact {}{}); {}; `swepo generate --run {} --benchmark {}` "
        "writes them",
        id, bm::benchmark_name(b), dec.label, prefix, dec.label,
        labels.empty() ? "it has none for this benchmark"
                       : "it has answers for: " + join(std::vector<std::string>(labels.begin(), labels.end()), ", "),
        id, bm::benchmark_name(b)));
  std::string first_problem;
  for (const auto& a : rows) {
    std::string now;
    try {
      now = sha256_file(a.path);
    } catch (const UserError&) {
      if (first_problem.empty())
        first_problem = fmt::format("answers file '{}' (artifact {}) cannot be read", a.path, a.kind);
      continue;
    }
    if (a.sha256.empty()) {
      if (first_problem.empty())
        first_problem = fmt::format("answers file '{}' (artifact {}) has no recorded sha256", a.path, a.kind);
      continue;
    }
    if (now != a.sha256) {
      if (first_problem.empty())
        first_problem = fmt::format(
            "answers file '{}' changed since it was generated (artifact {}: sha256 {} recorded, {} now)", a.path,
            a.kind, a.sha256.substr(0, 12), now.substr(0, 12));
      continue;
    }
    if (rows.size() > 1) std::cerr << fmt::format("note: {} answer files recorded for {}; using {}\n", rows.size(), dec.label, a.path);
    return a.path;
  }
  throw UserError(first_problem + fmt::format("; rerun `swepo generate --run {}` (and the judge) for these answers", id));
}

struct Aggregates {
  std::vector<EvalRow> rows;
  std::map<std::string, size_t> seeds;  // temperature label -> run rows averaged (for the summary)
};

// Per temperature the mean over its seeds, and avg = the mean over temperatures of those means, for
// the imported metrics, from every run row of the suite in `evals`.
Aggregates aggregate(const std::vector<EvalRow>& evals, const std::string& suite, const std::set<std::string>& metrics) {
  static const std::regex run_row("^(greedy|t=[^,]+),seed=[0-9]+$");
  // metric -> temperature -> run rows
  std::map<std::string, std::map<std::string, std::vector<const EvalRow*>>> by;
  Aggregates out;
  for (const auto& e : evals) {
    std::smatch m;
    if (e.suite != suite || !metrics.count(e.metric) || !std::regex_match(e.decoding, m, run_row)) continue;
    by[e.metric][m[1].str()].push_back(&e);
  }
  auto smallest_n = [](const std::vector<const EvalRow*>& rows) {
    std::optional<int64_t> n;
    for (const EvalRow* r : rows)
      if (r->n && (!n || *r->n < *n)) n = r->n;
    return n;
  };
  for (const auto& [metric, temps] : by) {
    std::vector<double> means;
    std::vector<const EvalRow*> all;
    for (const auto& [temp, rows] : temps) {
      std::vector<double> v;
      for (const EvalRow* r : rows) v.push_back(r->value);
      means.push_back(metrics::mean(v));
      out.rows.push_back({suite, metric, means.back(), std::nullopt, smallest_n(rows), temp});
      out.seeds[temp] = std::max(out.seeds[temp], rows.size());
      all.insert(all.end(), rows.begin(), rows.end());
    }
    out.rows.push_back({suite, metric, metrics::mean(means), std::nullopt, smallest_n(all), "avg"});
  }
  return out;
}

}  // namespace

int cmd_import_eval(const Args& args) {
  std::string db = kStoreDefaultPath, bench, file, decoding = "greedy";
  int64_t run = -1, seed = 0;
  bm::ImportOptions opt;
  po::options_description opts("options");
  opts.add_options()
      ("help,h", "show this help")
      ("run", po::value(&run)->required(), "run id whose answers were judged (see swepo runs)")
      ("benchmark", po::value(&bench)->required(), "alpaca_eval | arena_hard | mt_bench")
      ("file", po::value(&file)->required(),
       "the judge's verdicts: annotations.json (alpaca_eval), model_judgment/<judge>/<model>.jsonl "
       "(arena_hard), model_judgment/<judge>_single.jsonl (mt_bench)")
      ("decoding", po::value(&decoding)->default_value(decoding), "greedy | tT (t0.2, t=0.2, ...)")
      ("seed", po::value(&seed)->default_value(seed), "the sampling seed of the answers (greedy: 0)")
      ("db", po::value(&db)->default_value(db), "results database (SQLite path or postgresql:// URL)")
      ("difficulty", po::value(&opt.difficulty_path),
       "alpaca_eval: instruction difficulties (AlpacaEval's instruction_difficulty.csv, or JSON {instruction: value})")
      ("glm", po::value(&opt.glm),
       "alpaca_eval: the LC GLM, length_controlled_noreg | length_controlled_minimal (default: noreg with "
       "--difficulty, else minimal)")
      ("bootstrap", po::value(&opt.n_bootstrap)->default_value(opt.n_bootstrap),
       "arena_hard: bootstrap rounds of the 95% interval");
  po::variables_map vm;
  if (!cli_parse(args, opts, vm, nullptr, "usage: swepo import-eval --run ID --benchmark NAME --file F [options]"))
    return 0;
  const bm::Benchmark b = bm::parse_benchmark(bench);
  const Decoding dec = parse_decoding(decoding, seed);
  if (opt.n_bootstrap < 1) throw UserError("--bootstrap must be >= 1");
  if (!fs::exists(file)) throw UserError("--file '" + file + "': no such file");
  if (!store_is_url(db) && !fs::exists(db)) throw UserError("--db '" + db + "': no such results database");
  Store store(db);
  if (!store.run_get(run)) throw UserError("run " + std::to_string(run) + ": no such run in '" + store_redact(db) + "'");

  const std::string answers_path = find_answers(store, run, b, dec);
  const std::vector<bm::AnswerRow> answers = bm::read_answers(b, answers_path);
  const bm::ImportResult res = bm::import_verdicts(b, file, answers, dec.label, opt);

  // The suite's rows as they will be: the store's, with this label's replaced.
  const std::string suite = bm::benchmark_suite(b);
  std::vector<EvalRow> evals;
  std::set<std::string> imported;
  for (const auto& e : res.evals) imported.insert(e.metric);
  for (const auto& e : store.run_evals(run))
    if (!(e.suite == suite && e.decoding == dec.label && imported.count(e.metric))) evals.push_back(e);
  evals.insert(evals.end(), res.evals.begin(), res.evals.end());
  const Aggregates agg = aggregate(evals, suite, imported);
  std::vector<EvalRow> rows = res.evals;
  rows.insert(rows.end(), agg.rows.begin(), agg.rows.end());
  run_put_evals(store, run, rows);
  const std::string verdicts = fs::absolute(file).lexically_normal().string();
  run_add_artifacts(store, run, {{"verdicts/" + bm::benchmark_name(b) + "/" + dec.label, verdicts, sha256_file(file)}});

  std::cout << fmt::format("run {}: {} {} from {}: {} judged, {} skipped{}\n", run, bm::benchmark_name(b), dec.label,
                           file, res.judged, res.skipped,
                           res.other_model_rows ? fmt::format(", {} rows of other models ignored", res.other_model_rows) : "");
  std::cout << fmt::format("  answers: {} ({} generated)\n", answers_path, answers.size());
  for (const auto& e : res.evals)
    std::cout << fmt::format("  {}.{:<8} {:>10.4f}{}  (n={})\n", e.suite, e.metric, e.value,
                             e.stderr_ ? fmt::format(" ± {:.4f}", *e.stderr_) : "", e.n.value_or(0));
  std::vector<std::string> temps;
  for (const auto& [t, n] : agg.seeds) temps.push_back(fmt::format("{} over {} seed(s)", t, n));
  std::cout << fmt::format("  aggregates: {}; avg over {} temperature(s)\n", join(temps, ", "), agg.seeds.size());
  return 0;
}

}  // namespace swepo::cli
