// SynthFeedback's evaluation suites (docs/SPEC.md section 4 analogues). Tensor-free: the model enters
// through a Responder callback; tests plug in panel generators.
//
//   alpaca   prompts vs the baseline; judge preference = 1 + σ((R*_m − R*_b + bias·(extra_m − extra_b)) / T);
//            WR ± standard error and LC (metrics/length_controlled.h) with regularisation rows
//            from the verbose and concise baseline (preferences judged the same way).
//   arena    harder prompts, each judged in both orders: d = R*_m − R*_b (+ verbosity term) plus
//            arena_position_bias for the answer shown first (order 1: model first, d + bias;
//            order 2: baseline first, d − bias); verdicts from |d| margins; metrics/arena.h.
//   mtbench  two turns per question; turn 2's prompt is "<family2>: <core of the model's turn-1
//            answer>" (core = text before the first space); turn 2 is graded against family2
//            applied to the CORRECT turn-1 answer, so a wrong first answer also costs the second
//            turn (as in MT-Bench). Score per turn = 1 + 0.9 · R* (maps [0, 10] onto [1, 10]);
//            the suite's score is the mean over all (question, turn) pairs.
//
// Decodings: evaluate() runs every (temperature, seed) of EvalConfig::decodings, reports each run,
// the mean over seeds per temperature, and the mean over temperatures (the paper's average).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "analysis/metrics/arena.h"
#include "analysis/metrics/length_controlled.h"
#include "synth/corpus.h"
#include "synth/eval_config.h"

namespace swepo::synth {

using Responder = std::function<std::vector<std::string>(const std::vector<std::string>& prompts)>;
using DecodingResponder = std::function<std::vector<std::string>(const std::vector<std::string>& prompts,
                                                                 double temperature, int seed)>;

// Prompts of a suite (the first max_prompts when > 0).
std::vector<std::string> alpaca_prompts(const SynthData& d, const EvalConfig& e);
std::vector<std::string> arena_prompts(const SynthData& d, const EvalConfig& e);
std::vector<std::string> mtbench_turn1_prompts(const SynthData& d, const EvalConfig& e);
std::vector<std::string> mtbench_turn2_prompts(const SynthData& d, const EvalConfig& e,
                                               const std::vector<std::string>& turn1_outputs);

struct AlpacaReport {
  metrics::LcResult lc;          // lc.raw holds WR and its standard error
  double gold = 0;               // mean R* of the model's outputs
  double baseline_gold = 0;      // mean R* of the baseline's outputs
  double mean_len = 0;           // mean output length (characters)
  double filler_share = 0;       // share of outputs with filler
  double exact_share = 0;        // share of outputs equal to the answer
};
struct ArenaReport {
  metrics::ArenaResult arena;
  double gold = 0, baseline_gold = 0;
};
struct MtBenchReport {
  double score = 0, turn1 = 0, turn2 = 0;  // on 1..10
  int n = 0;
};

AlpacaReport alpaca_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                          const std::vector<std::string>& outputs);
ArenaReport arena_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                        const std::vector<std::string>& outputs);
MtBenchReport mtbench_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                            const std::vector<std::string>& turn1_outputs,
                            const std::vector<std::string>& turn2_outputs);

// One decoding's metrics, keyed "alpaca/wr", "alpaca/wr_se", "alpaca/lc", "alpaca/gold",
// "alpaca/len", "alpaca/filler", "alpaca/exact", "arena/wr", "arena/ci_lo", "arena/ci_hi",
// "arena/gold", "mtbench/score", "mtbench/turn1", "mtbench/turn2" (only the configured suites).
using SuiteMetrics = std::map<std::string, double>;
SuiteMetrics run_suites(const SynthData& d, const SynthConfig& c, const EvalConfig& e, const Responder& r);

struct DecodingRun {
  double temperature = 0;
  int seed = 0;
  SuiteMetrics metrics;
};
struct EvalReport {
  std::vector<DecodingRun> runs;                 // every (temperature, seed)
  std::map<double, SuiteMetrics> per_temperature; // mean over seeds
  SuiteMetrics average;                          // mean over temperatures of the per-temperature means
};
EvalReport evaluate(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                    const DecodingResponder& r);
// Aggregates already-computed runs (e.g. from a pipeline that evaluates decodings in parallel).
EvalReport aggregate_runs(std::vector<DecodingRun> runs);

// Judge and grading helpers (exposed for tests).
double mtbench_judge_score(double gold);  // 1 + 0.9 · gold
std::string response_core(const std::string& response);  // text before the first space

}  // namespace swepo::synth
