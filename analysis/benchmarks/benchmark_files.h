// The real benchmarks' files, in their own schemas (tensor-free): the question files swepo
// generates answers for, the answer files the official judges read, and the judges' verdict files
// swepo imports back into the store as a run's evals.
//
//   benchmark     questions in                     answers out (under DIR)                  verdicts back
//   alpaca_eval   alpaca_eval.json: a JSON list of model_outputs.json: a JSON list of       annotations.json: a JSON list of
//                 {instruction, dataset, ...}      {instruction, output, generator, dataset}  {instruction, output_1 (baseline),
//                                                                                           output_2 (model), preference}
//   arena_hard    question.jsonl (v0.1):           model_answer/<model_id>.jsonl:           model_judgment/<judge>/<model>.jsonl:
//                 {question_id, category,          {question_id, answer_id, model_id,       {question_id, model, judge, games:
//                  cluster, turns: [{content}]}     choices: [{index, turns: [{content,      [{score: "A>>B".."B>>A"} x 2]}
//                                                   token_len}]}], tstamp}                   (game 1: A = baseline, game 2: A = model)
//   mt_bench      question.jsonl (FastChat):       model_answer/<model_id>.jsonl:           single-grade JSONL: {question_id, model,
//                 {question_id, category,          {question_id, answer_id, model_id,       judge, score, turn (1|2), ...}
//                  turns: [str, str]}               choices: [{index, turns: [str, str]}],   (score -1: the judge's parse failure)
//                                                   tstamp} (FastChat's turns are plain
//                                                   strings: no token_len)
//
// How the verdicts are read (as the official scripts read them):
//   alpaca_eval  preference in [1, 2] (2: the model's output_2 wins); 0 is a draw (1.5, as
//                alpaca_eval's winrate does); null is a row the judge could not score (skipped).
//                Lengths are characters as Python's len() counts them (Unicode code points).
//   arena_hard   v0.1 show_result.py: game 1 "A>>B" = baseline decisive (3 battles), "A>B" baseline
//                (1), "A=B" tie (1), "B>A" model (1), "B>>A" model decisive (3); game 2 the same with
//                A and B swapped. Any other score (null, "B=A", ...) is a game without battles
//                (skipped). The WR is the battle-weighted win share against the baseline
//                (analysis/metrics/arena.h); the interval is swepo's bootstrap over battles.
//   mt_bench     show_result.py single mode: rows with score -1 are dropped; score = mean over all
//                remaining (question, turn) rows, turn1 / turn2 = the mean over each turn's rows.
//
// Every malformed file is a UserError "<file>:<line>: <what>" naming the field at fault (in a JSON
// list file, the line where the record starts and "(record i)"; for a JSON document that does not
// parse, the line of the parser's byte offset, which the message names too).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/store/store.h"

namespace swepo::benchmarks {

enum class Benchmark { AlpacaEval, ArenaHard, MtBench };

// "alpaca_eval" | "arena_hard" | "mt_bench"; anything else is a UserError naming the valid names
// (with a did-you-mean).
Benchmark parse_benchmark(const std::string& name);
std::string benchmark_name(Benchmark b);
// The store's suite name of a benchmark, as the SynthFeedback suites use it: "alpaca", "arena",
// "mtbench" (so `swepo report` tables read imported verdicts exactly as built-in evals).
std::string benchmark_suite(Benchmark b);
// Turns per question: 1 (alpaca_eval, arena_hard) or 2 (mt_bench).
int benchmark_turns(Benchmark b);

// A decoding as the CLI names it (`swepo generate --decoding`, `swepo import-eval --decoding`):
// "greedy" -> 0, "t0.2" or "t=0.2" -> 0.2 (any T > 0); UserError naming `text` otherwise.
double parse_decoding(const std::string& text);
// The store's decoding label of one decoding's eval rows, as the pipeline writes them
// (experiments/pipeline/run_eval.h): "greedy,seed=0", "t=0.2,seed=1".
std::string decoding_label(double temperature, int64_t seed);

struct Question {
  std::string id_json;             // the question's id as its JSON text (MT-Bench: 81; Arena: "328c1..."),
                                   // written back verbatim; AlpacaEval: the list index, e.g. 0
  std::string category;            // arena/mt: category; alpaca: "" (dataset goes below)
  std::string dataset;             // alpaca only: the record's dataset (e.g. "helpful_base")
  std::vector<std::string> turns;  // [benchmark_turns(b)] user messages
};

// Reads a question file (alpaca_eval.json / question.jsonl). Keys beyond those above are ignored;
// `category` (arena, mt) and `dataset` (alpaca) may be absent (""). Duplicate ids are an error.
std::vector<Question> load_questions(Benchmark b, const std::string& path);

// One model's answers to a question file, turn by turn.
struct AnswerSet {
  std::string model_id;                         // generator (alpaca) / model_id (arena, mt); no '/'
  std::vector<Question> questions;              // [Q]
  std::vector<std::vector<std::string>> outputs;  // [Q][turns]
  std::vector<std::vector<int64_t>> token_lens;   // [Q][turns] generated tokens (arena token_len); may be empty
  double tstamp = 0;                            // unix seconds, written into arena/mt rows
};

// Writes the answer file under `dir` (atomically; directories created) and returns its path:
// alpaca_eval: DIR/model_outputs.json; arena_hard and mt_bench: DIR/model_answer/<model_id>.jsonl.
// answer_id: a stable hex id from (model_id, question id, outputs) so a rewrite is byte-identical.
// Invalid UTF-8 in an output is written as U+FFFD. A shape mismatch is std::invalid_argument; an
// empty model_id or one with '/' (the judges name files after it) a UserError.
std::string write_answers(Benchmark b, const std::string& dir, const AnswerSet& a);

// One row of an answer file as read back.
struct AnswerRow {
  std::string id_json;               // alpaca: the row index; arena/mt: question_id as JSON text
  std::string model_id;              // generator / model_id
  std::string instruction;           // alpaca: instruction; arena/mt: ""
  std::vector<std::string> outputs;  // [turns]
};
// Every row must name the same model; question ids must be unique.
std::vector<AnswerRow> read_answers(Benchmark b, const std::string& path);

struct ImportOptions {
  // alpaca_eval: the GLM of the length-controlled WR; "" = length_controlled_noreg when a
  // difficulty file is given, else length_controlled_minimal (the gamed-baseline rows that v1
  // needs are not in annotations.json, so v1 is a UserError).
  std::string glm;
  // alpaca_eval: instruction difficulties γ_i, a CSV or a JSON object {instruction: difficulty}.
  // CSV: a header with an `instruction_difficulty` column, keyed by an `instruction` column, else
  // by its first column as a row index (AlpacaEval's instruction_difficulty.csv is `index,
  // instruction_difficulty`: the position in alpaca_eval.json, matched to the answer file's row
  // index). Quoted fields may hold commas, newlines and doubled quotes.
  std::string difficulty_path;
  int n_bootstrap = 100;        // arena_hard: bootstrap rounds of the 95% interval
  uint64_t seed = 0;            // arena_hard: bootstrap seed
};

// Reads the judges' verdict file for the answers the run generated, checks that it judges exactly
// those answers (the first mismatch named: an instruction / question_id / turn not generated, an
// output that differs from the generated one, an item judged twice), and computes the suite's
// metrics, named as the SynthFeedback suites name them (suite benchmark_suite(b), decoding
// `decoding`):
//   alpaca: wr (stderr = its standard error), lc, len (mean output characters)   n = judged rows
//   arena:  wr, ci_lo, ci_hi (bootstrap 95%)                    n = questions with a scored game
//   mtbench: score (mean over all judged turns), turn1, turn2   n = judged rows of that metric
// Rows the judge could not score (a null preference, an arena game without a valid score, an
// MT-Bench score of -1 or null) are left out and counted in `skipped`; generated answers the file
// does not judge at all are not an error. Arena and MT-Bench rows of other models are ignored
// (counted in other_model_rows); a file with nothing judged for the model is a UserError.
struct ImportResult {
  std::vector<EvalRow> evals;
  int judged = 0, skipped = 0;  // alpaca: annotation rows; arena: games; mt_bench: (question, turn) rows
  int other_model_rows = 0;     // arena, mt_bench: rows of other models in the file
};
ImportResult import_verdicts(Benchmark b, const std::string& verdict_path, const std::vector<AnswerRow>& answers,
                             const std::string& decoding, const ImportOptions& opt = {});

}  // namespace swepo::benchmarks
