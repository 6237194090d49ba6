// swepo winrate: AlpacaEval-style WR, its standard error and the length-controlled win rate from a
// JSONL file of judged comparisons, through the same code as the built-in alpaca suite
// (analysis/metrics/length_controlled.h).
//
//   swepo winrate --input annotations.jsonl [--glm length_controlled_v1] [--lambda 0.2]
// One row per line: {"instruction_id": str|int, "preference": 1..2, "output_len": chars,
//   "baseline_len": chars, "instruction_difficulty": num (needed by v1 and noreg),
//   "not_gamed_baseline": bool (default true; false = a verbose/concise-baseline regularisation row),
//   "generator": str (optional; groups regularisation rows for their length sd)}
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/metrics/length_controlled.h"
#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/jsonl.h"

namespace swepo::cli {
namespace {

using json = nlohmann::json;

double number_field(const json& j, const char* key, const std::string& where, bool* present = nullptr) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (present) {
      *present = false;
      return 0.0;
    }
    throw UserError(where + ": missing field '" + key + "'");
  }
  if (!it->is_number()) throw UserError(where + ": field '" + key + "' must be a number");
  if (present) *present = true;
  return it->get<double>();
}

std::vector<metrics::LcRow> read_rows(const std::string& path, const std::string& glm) {
  std::vector<metrics::LcRow> rows;
  for_each_jsonl_object(read_file(path), path, [&](const json& j, const std::string& where) {
    auto id = j.find("instruction_id");
    if (id == j.end()) throw UserError(where + ": missing field 'instruction_id'");
    if (!id->is_string() && !id->is_number_integer())
      throw UserError(where + ": field 'instruction_id' must be a string or an integer");
    metrics::LcRow r;
    r.preference = number_field(j, "preference", where);
    if (!(r.preference >= 1.0 && r.preference <= 2.0))
      throw UserError(where + ": field 'preference' must be in [1, 2], got " + j["preference"].dump());
    r.output_len = number_field(j, "output_len", where);
    r.baseline_len = number_field(j, "baseline_len", where);
    if (r.output_len < 0) throw UserError(where + ": field 'output_len' must be >= 0");
    if (r.baseline_len < 0) throw UserError(where + ": field 'baseline_len' must be >= 0");
    bool has_diff = false;
    r.difficulty = number_field(j, "instruction_difficulty", where, &has_diff);
    if (!has_diff && metrics::glm_uses_difficulty(glm))
      throw UserError(where + ": field 'instruction_difficulty' is required by --glm " + glm +
                      " (use --glm length_controlled_minimal without it)");
    auto ng = j.find("not_gamed_baseline");
    if (ng != j.end() && !ng->is_null()) {
      if (!ng->is_boolean()) throw UserError(where + ": field 'not_gamed_baseline' must be true or false");
      r.not_gamed = ng->get<bool>();
    }
    auto gen = j.find("generator");
    if (gen != j.end() && !gen->is_null()) {
      if (!gen->is_string()) throw UserError(where + ": field 'generator' must be a string");
      r.gamed_set = gen->get<std::string>();
    }
    rows.push_back(std::move(r));
  });
  return rows;
}

}  // namespace

int cmd_winrate(const Args& args) {
  std::string input, glm = "length_controlled_v1";
  double lambda = 0.2;
  po::options_description desc(
      "swepo winrate --input annotations.jsonl [--glm NAME]\n"
      "AlpacaEval WR, standard error and length-controlled WR (JSON on stdout)");
  desc.add_options()("help,h", "show this help")(
      "input", po::value(&input), "JSONL rows {instruction_id, preference, output_len, baseline_len, "
                                  "instruction_difficulty?, not_gamed_baseline?, generator?}")(
      "glm", po::value(&glm)->default_value(glm),
      "length_controlled_v1 | length_controlled_noreg | length_controlled_minimal")(
      "lambda", po::value(&lambda)->default_value(lambda, "0.2"), "weight of the regularisation rows (v1: lambda/2 each)");
  po::variables_map vm;
  if (!cli_parse(args, desc, vm)) return 0;
  if (input.empty()) throw UserError("--input is required (see swepo winrate --help)");
  metrics::check_glm_name(glm);
  const auto rows = read_rows(input, glm);
  if (rows.empty()) throw UserError(input + ": no rows");
  metrics::LcOptions opt;
  opt.glm = glm;
  opt.lambda = lambda;
  const metrics::LcResult r = metrics::length_controlled_winrate(rows, opt);
  json out = {{"glm", r.glm},
              {"n", r.n},
              {"n_gamed", r.n_gamed},
              {"win_rate", r.raw.win_rate},
              {"standard_error", r.raw.standard_error},
              {"length_controlled_winrate", r.lc},
              {"C", r.C},
              {"sd_delta_len", r.sd_delta_len},
              {"coefficients",
               {{"not_gamed_baseline", r.coef_not_gamed},
                {"tanh_std_delta_len", r.coef_length},
                {"instruction_difficulty", r.coef_difficulty}}}};
  std::cout << out.dump(2) << "\n";
  return 0;
}

}  // namespace swepo::cli
