// The judges' verdict files read back against the generated answers, and the suites' metrics
// (analysis/metrics): AlpacaEval WR and LC (with the instruction-difficulty file), Arena-Hard WR
// with its bootstrap interval, MT-Bench scores.
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <unordered_map>

#include "analysis/benchmarks/benchmark_files.h"
#include "analysis/benchmarks/benchmark_json.h"
#include "analysis/metrics/arena.h"
#include "analysis/metrics/length_controlled.h"
#include "analysis/metrics/stats.h"
#include "analysis/metrics/winrate.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/jsonl.h"
#include "core/util/strings.h"

namespace swepo::benchmarks {
namespace {

using namespace detail;

EvalRow row(Benchmark b, const std::string& metric, double value, int64_t n, const std::string& decoding,
            std::optional<double> stderr_ = std::nullopt) {
  EvalRow r;
  r.suite = benchmark_suite(b);
  r.metric = metric;
  r.value = value;
  r.stderr_ = stderr_;
  r.n = n;
  r.decoding = decoding;
  return r;
}

// ---- the instruction-difficulty file (AlpacaEval's instruction_difficulty.csv, or JSON)

struct Difficulty {
  bool by_index = false;
  std::unordered_map<std::string, double> by_instruction;
  std::unordered_map<int64_t, double> by_row;
};

// RFC 4180 records: fields split on commas, quoted fields may hold commas, newlines and "".
// Each record comes with the line it starts on.
struct CsvRecord {
  int64_t line = 0;
  std::vector<std::string> fields;
};
std::vector<CsvRecord> parse_csv(const std::string& text, const std::string& path) {
  std::vector<CsvRecord> out;
  size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a UTF-8 byte-order mark
  int64_t line = 1;
  while (i < text.size()) {
    CsvRecord rec;
    rec.line = line;
    std::string f;
    bool quoted = false, end = false;
    while (!end) {
      if (i >= text.size()) {
        if (quoted) throw UserError(path + ":" + std::to_string(rec.line) + ": a quoted field is never closed");
        end = true;
        break;
      }
      const char c = text[i++];
      if (quoted) {
        if (c == '"' && i < text.size() && text[i] == '"') {
          f += '"';
          ++i;
        } else if (c == '"') {
          quoted = false;
        } else {
          if (c == '\n') ++line;
          f += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        rec.fields.push_back(std::move(f));
        f.clear();
      } else if (c == '\n') {
        ++line;
        end = true;
      } else if (c != '\r') {
        f += c;
      }
    }
    rec.fields.push_back(std::move(f));
    if (rec.fields.size() == 1 && rec.fields[0].empty()) continue;  // a blank line
    out.push_back(std::move(rec));
  }
  return out;
}

double parse_number(const std::string& s, const std::string& where, const std::string& what) {
  const std::string t = trim(s);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || end != t.c_str() + t.size()) throw UserError(where + ": " + what + " '" + s + "' is not a number");
  // strtod also reads "nan", "inf" and 1e999 (as inf): a difficulty or index must be finite.
  if (!std::isfinite(v)) throw UserError(where + ": " + what + " '" + s + "' is not a finite number");
  return v;
}

Difficulty load_difficulty(const std::string& path) {
  const std::string text = read_file(path);
  Difficulty d;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && text[first] == '{') {
    const json j = parse_json_document(text, path);
    for (const auto& [k, v] : j.items()) {
      if (!v.is_number())
        throw UserError(path + ": instruction " + quote_short(k) + ": difficulty must be a number, not " +
                        v.type_name());
      d.by_instruction[k] = v.get<double>();
    }
    return d;
  }
  const std::vector<CsvRecord> recs = parse_csv(text, path);
  if (recs.empty()) throw UserError(path + ":1: empty difficulty file (expected a CSV header or a JSON object)");
  const auto& header = recs[0].fields;
  int col_diff = -1, col_key = -1;
  for (size_t c = 0; c < header.size(); ++c) {
    const std::string h = trim(header[c]);
    if (h == "instruction_difficulty") col_diff = static_cast<int>(c);
    if (h == "instruction") col_key = static_cast<int>(c);
  }
  if (col_diff < 0)
    throw UserError(path + ":1: the CSV header has no 'instruction_difficulty' column (columns: " +
                    join(header, ", ") + ")");
  d.by_index = col_key < 0;
  if (d.by_index) {
    if (col_diff == 0)
      throw UserError(path + ":1: no 'instruction' column and no index column before 'instruction_difficulty'");
    col_key = 0;  // pandas' index_col=0: AlpacaEval's `index`
  }
  for (size_t r = 1; r < recs.size(); ++r) {
    const std::string where = path + ":" + std::to_string(recs[r].line);
    const auto& f = recs[r].fields;
    if (f.size() != header.size())
      throw UserError(where + ": " + std::to_string(f.size()) + " fields, the header has " +
                      std::to_string(header.size()));
    const double v = parse_number(f[col_diff], where, "instruction_difficulty");
    if (d.by_index) {
      const double idx = parse_number(f[col_key], where, "column '" + header[col_key] + "'");
      // A row index: a whole number (the cast of 1e30 to int64 is undefined; 1.5 would truncate).
      if (!(idx >= 0 && idx < 9.0e18) || idx != std::floor(idx))
        throw UserError(where + ": column '" + header[col_key] + "' must be a row index (an integer >= 0), got '" +
                        f[col_key] + "'");
      d.by_row[static_cast<int64_t>(idx)] = v;
    } else if (!d.by_instruction.emplace(f[col_key], v).second) {
      throw UserError(where + ": instruction " + quote_short(f[col_key]) + " appears twice");
    }
  }
  return d;
}

// ---- alpaca_eval: annotations.json

ImportResult import_alpaca(const std::string& path, const std::vector<AnswerRow>& answers,
                           const std::string& decoding, const ImportOptions& opt) {
  const Benchmark b = Benchmark::AlpacaEval;
  std::string glm = opt.glm.empty()
                        ? (opt.difficulty_path.empty() ? "length_controlled_minimal" : "length_controlled_noreg")
                        : opt.glm;
  metrics::check_glm_name(glm);
  if (metrics::glm_uses_gamed_rows(glm))
    throw UserError("--glm " + glm + " needs the gamed-baseline rows, which annotations.json does not hold; "
                    "use length_controlled_noreg (with --difficulty) or length_controlled_minimal");
  std::optional<Difficulty> diff;
  if (metrics::glm_uses_difficulty(glm)) {
    if (opt.difficulty_path.empty())
      throw UserError("--glm " + glm + " needs --difficulty FILE (AlpacaEval's instruction_difficulty.csv)");
    diff = load_difficulty(opt.difficulty_path);
  }
  std::unordered_map<std::string, std::vector<size_t>> rows_of;  // instruction -> answer rows
  for (size_t i = 0; i < answers.size(); ++i) rows_of[answers[i].instruction].push_back(i);
  std::vector<std::string> judged_at(answers.size());

  const JsonList list = read_json_list(path);
  ImportResult res;
  std::vector<metrics::LcRow> lc_rows;
  double len_sum = 0;
  for (size_t k = 0; k < list.items.size(); ++k) {
    const json& j = list.items[k];
    const std::string& where = list.where[k];
    const std::string instruction = string_field(j, "instruction", where);
    const std::string out1 = string_field(j, "output_1", where);
    const std::string out2 = string_field(j, "output_2", where);
    const json& pref = field(j, "preference", where);
    auto it = rows_of.find(instruction);
    if (it == rows_of.end())
      throw UserError(where + ": instruction " + quote_short(instruction) + " was not generated (not in the answers)");
    std::optional<size_t> hit;
    for (size_t i : it->second)
      if (!hit && judged_at[i].empty() && answers[i].outputs.at(0) == out2) hit = i;
    if (!hit) {
      for (size_t i : it->second)
        if (answers[i].outputs.at(0) == out2)
          throw UserError(where + ": instruction " + quote_short(instruction) + " is judged twice (first at " +
                          judged_at[i] + ")");
      throw UserError(where + ": field 'output_2' differs from the generated output for instruction " +
                      quote_short(instruction));
    }
    judged_at[*hit] = where;
    if (pref.is_null()) {
      ++res.skipped;
      continue;
    }
    if (!pref.is_number()) throw UserError(where + ": field 'preference' must be a number or null, not " + pref.type_name());
    double p = pref.get<double>();
    if (p == 0) p = 1.5;  // alpaca_eval's draw
    if (!(p >= 1 && p <= 2))
      throw UserError(where + ": field 'preference' is " + pref.dump() + "; expected 1..2 (0 = draw, null = unscored)");
    metrics::LcRow r;
    r.preference = p;
    r.output_len = static_cast<double>(char_count(out2));
    r.baseline_len = static_cast<double>(char_count(out1));
    if (diff) {
      if (diff->by_index) {
        const int64_t idx = std::stoll(answers[*hit].id_json);
        auto d = diff->by_row.find(idx);
        if (d == diff->by_row.end())
          throw UserError(opt.difficulty_path + ": no instruction_difficulty for row index " + std::to_string(idx) +
                          " (instruction " + quote_short(instruction) + ", " + where + ")");
        r.difficulty = d->second;
      } else {
        auto d = diff->by_instruction.find(instruction);
        if (d == diff->by_instruction.end())
          throw UserError(opt.difficulty_path + ": no instruction_difficulty for instruction " +
                          quote_short(instruction) + " (" + where + ")");
        r.difficulty = d->second;
      }
    }
    len_sum += r.output_len;
    lc_rows.push_back(r);
    ++res.judged;
  }
  if (res.judged == 0)
    throw UserError(path + ": no scored annotation (" + std::to_string(res.skipped) + " with a null preference)");
  metrics::LcOptions lo;
  lo.glm = glm;
  const metrics::LcResult lc = metrics::length_controlled_winrate(lc_rows, lo);
  const int64_t n = res.judged;
  res.evals.push_back(row(b, "wr", lc.raw.win_rate, n, decoding, lc.raw.standard_error));
  res.evals.push_back(row(b, "lc", lc.lc, n, decoding));
  res.evals.push_back(row(b, "len", len_sum / static_cast<double>(n), n, decoding));
  return res;
}

// ---- arena_hard: model_judgment/<judge>/<model>.jsonl

std::optional<metrics::Verdict> arena_game(const json& game, bool baseline_is_a) {
  using metrics::Verdict;
  if (!game.is_object()) return std::nullopt;
  auto s = game.find("score");
  if (s == game.end() || !s->is_string()) return std::nullopt;
  const std::string v = s->get<std::string>();
  // From A's side, then turned to the model's side.
  std::optional<Verdict> a;
  if (v == "A>>B") a = Verdict::ModelMuchBetter;
  else if (v == "A>B") a = Verdict::ModelBetter;
  else if (v == "A=B") a = Verdict::Tie;
  else if (v == "B>A") a = Verdict::BaselineBetter;
  else if (v == "B>>A") a = Verdict::BaselineMuchBetter;
  if (!a || !baseline_is_a) return a;
  switch (*a) {
    case Verdict::ModelMuchBetter: return Verdict::BaselineMuchBetter;
    case Verdict::ModelBetter: return Verdict::BaselineBetter;
    case Verdict::Tie: return Verdict::Tie;
    case Verdict::BaselineBetter: return Verdict::ModelBetter;
    case Verdict::BaselineMuchBetter: return Verdict::ModelMuchBetter;
  }
  return std::nullopt;
}

std::string models_note(const std::map<std::string, int>& others) {
  if (others.empty()) return "";
  std::vector<std::string> names;
  for (const auto& [m, c] : others) names.push_back("'" + m + "' (" + std::to_string(c) + ")");
  return "; rows of other models: " + join(names, ", ");
}

// A judgment row's question_id when the row judges `model`; nullopt (counted) for another
// model's row, as judgment files of several models are shared.
std::optional<std::string> judged_question(const json& j, const std::string& where, const std::string& model,
                                           std::map<std::string, int>& others, ImportResult& res) {
  const std::string m = string_field(j, "model", where);
  if (m == model) return id_field(j, "question_id", where);
  ++others[m];
  ++res.other_model_rows;
  return std::nullopt;
}

[[noreturn]] void not_generated(const std::string& where, const std::string& qid) {
  throw UserError(where + ": question_id " + qid + " was not generated (not in the answers)");
}

ImportResult import_arena(const std::string& path, const std::vector<AnswerRow>& answers,
                          const std::string& decoding, const ImportOptions& opt) {
  const Benchmark b = Benchmark::ArenaHard;
  const std::string model = answers.empty() ? "" : answers.front().model_id;
  std::unordered_map<std::string, std::string> judged_at;  // question_id -> where
  for (const auto& a : answers) judged_at[a.id_json];
  std::map<std::string, int> others;
  std::vector<metrics::Verdict> games;
  ImportResult res;
  int64_t questions = 0;
  for_each_jsonl_object(read_file(path), path, [&](const json& j, const std::string& where) {
    const std::optional<std::string> qid = judged_question(j, where, model, others, res);
    if (!qid) return;
    auto it = judged_at.find(*qid);
    if (it == judged_at.end()) not_generated(where, *qid);
    if (!it->second.empty())
      throw UserError(where + ": question_id " + *qid + " is judged twice (first at " + it->second + ")");
    it->second = where;
    const json& g = field(j, "games", where);
    if (!g.is_array() || g.size() != 2) throw UserError(where + ": field 'games' must be a list of 2 games");
    bool any = false;
    for (size_t k = 0; k < 2; ++k) {
      if (!g[k].is_null() && !g[k].is_object())
        throw UserError(where + ": field 'games[" + std::to_string(k) + "]' must be an object {score, ...}");
      if (auto v = arena_game(g[k], /*baseline_is_a=*/k == 0)) {
        games.push_back(*v);
        ++res.judged;
        any = true;
      } else {
        ++res.skipped;
      }
    }
    if (any) ++questions;
  });
  if (res.judged == 0)
    throw UserError(path + ": no scored game judges model '" + model + "'" + models_note(others));
  const metrics::ArenaResult a = metrics::arena_winrate(games, opt.n_bootstrap, opt.seed);
  res.evals.push_back(row(b, "wr", a.win_rate, questions, decoding));
  res.evals.push_back(row(b, "ci_lo", a.ci_lo, questions, decoding));
  res.evals.push_back(row(b, "ci_hi", a.ci_hi, questions, decoding));
  return res;
}

// ---- mt_bench: single-grade judgments

ImportResult import_mtbench(const std::string& path, const std::vector<AnswerRow>& answers,
                            const std::string& decoding) {
  const Benchmark b = Benchmark::MtBench;
  const std::string model = answers.empty() ? "" : answers.front().model_id;
  const int turns = benchmark_turns(b);
  std::unordered_map<std::string, std::vector<std::string>> judged_at;  // question_id -> where per turn
  for (const auto& a : answers) judged_at[a.id_json].assign(turns, "");
  std::map<std::string, int> others;
  std::vector<std::vector<double>> scores(turns);
  ImportResult res;
  for_each_jsonl_object(read_file(path), path, [&](const json& j, const std::string& where) {
    const std::optional<std::string> qid = judged_question(j, where, model, others, res);
    if (!qid) return;
    auto it = judged_at.find(*qid);
    if (it == judged_at.end()) not_generated(where, *qid);
    const json& t = field(j, "turn", where);
    if (!t.is_number_integer() || t.get<int64_t>() < 1 || t.get<int64_t>() > turns)
      throw UserError(where + ": field 'turn' must be 1 or 2, not " + t.dump());
    const int turn = t.get<int>();
    std::string& at = it->second[turn - 1];
    if (!at.empty())
      throw UserError(where + ": question_id " + *qid + " turn " + std::to_string(turn) + " is judged twice (first at " +
                      at + ")");
    at = where;
    const json& s = field(j, "score", where);
    if (s.is_null() || (s.is_number() && s.get<double>() == -1)) {
      ++res.skipped;
      return;
    }
    if (!s.is_number()) throw UserError(where + ": field 'score' must be a number, not " + s.type_name());
    scores[turn - 1].push_back(s.get<double>());
    ++res.judged;
  });
  if (res.judged == 0)
    throw UserError(path + ": no scored turn judges model '" + model + "'" + models_note(others));
  std::vector<double> all;
  for (const auto& s : scores) all.insert(all.end(), s.begin(), s.end());
  res.evals.push_back(row(b, "score", metrics::mean(all), static_cast<int64_t>(all.size()), decoding));
  for (int k = 0; k < turns; ++k)
    if (!scores[k].empty())
      res.evals.push_back(row(b, "turn" + std::to_string(k + 1), metrics::mean(scores[k]),
                              static_cast<int64_t>(scores[k].size()), decoding));
  return res;
}

}  // namespace

ImportResult import_verdicts(Benchmark b, const std::string& verdict_path, const std::vector<AnswerRow>& answers,
                             const std::string& decoding, const ImportOptions& opt) {
  if (answers.empty()) throw UserError(verdict_path + ": there are no generated answers to match it against");
  switch (b) {
    case Benchmark::AlpacaEval: return import_alpaca(verdict_path, answers, decoding, opt);
    case Benchmark::ArenaHard: return import_arena(verdict_path, answers, decoding, opt);
    case Benchmark::MtBench: return import_mtbench(verdict_path, answers, decoding);
  }
  throw UserError("unknown benchmark");
}

}  // namespace swepo::benchmarks
