#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/stats.h"
#include "synth/generators.h"
#include "synth/gold.h"
#include "synth/suites.h"
#include "core/util/error.h"

#include <yaml-cpp/yaml.h>

using namespace swepo::synth;
using swepo::Rng;
using swepo::derive_seed;

namespace {

SynthConfig suite_config() {
  SynthConfig c;
  c.cache_dir = "";
  c.n_sft = 0;
  c.n_pref = 0;
  c.n_alpaca = 60;
  c.n_arena = 30;
  c.n_mtbench = 12;
  return c;
}

// A responder that answers every prompt with a panel generator (seeded per prompt).
Responder panel_responder(const std::string& gen, uint64_t seed = 0) {
  return [gen, seed](const std::vector<std::string>& prompts) {
    std::vector<std::string> out;
    for (size_t i = 0; i < prompts.size(); ++i) {
      Rng rng(derive_seed(seed, "test_responder", i));
      out.push_back(generator_by_name(gen).generate(parse_prompt(prompts[i]), rng));
    }
    return out;
  };
}

}  // namespace

TEST(Alpaca, BaselineAgainstItselfIsFiftyPercent) {
  SynthConfig c = suite_config();
  SynthData d = build_synth_data(c);
  EvalConfig e;
  AlpacaReport r = alpaca_score(d, c, e, d.alpaca.baseline);
  // Every preference is 1 + σ(0) = 1.5: WR = 50, standard error 0.
  EXPECT_NEAR(r.lc.raw.win_rate, 50.0, 1e-12);
  EXPECT_NEAR(r.lc.raw.standard_error, 0.0, 1e-12);
  EXPECT_EQ(r.lc.n, 60);
  EXPECT_EQ(r.lc.n_gamed, 120);  // verbose + concise rows
  EXPECT_NEAR(r.gold, r.baseline_gold, 1e-12);
}

TEST(Alpaca, PerfectResponderWinRateByHand) {
  SynthConfig c = suite_config();
  SynthData d = build_synth_data(c);
  EvalConfig e;
  e.judge_temperature = 2.0;
  std::vector<std::string> answers;
  std::vector<double> expected;
  for (size_t i = 0; i < d.alpaca.items.size(); ++i) {
    answers.push_back(d.alpaca.items[i].answer);
    // pref − 1 = σ((10 − R*_baseline) / 2)
    const double rb = gold_reward(d.alpaca.items[i].answer, d.alpaca.baseline[i], c.filler_penalty);
    expected.push_back(1.0 / (1.0 + std::exp(-(10.0 - rb) / 2.0)));
  }
  AlpacaReport r = alpaca_score(d, c, e, answers);
  EXPECT_NEAR(r.lc.raw.win_rate, 100.0 * swepo::metrics::mean(expected), 1e-9);
  EXPECT_NEAR(r.lc.raw.standard_error,
              100.0 * swepo::metrics::sample_std(expected) / std::sqrt(static_cast<double>(expected.size())), 1e-9);
  EXPECT_DOUBLE_EQ(r.gold, 10.0);
  EXPECT_DOUBLE_EQ(r.exact_share, 1.0);
  EXPECT_GT(r.lc.lc, 50.0);
  // Wrong number of outputs is a UserError.
  answers.pop_back();
  EXPECT_THROW(alpaca_score(d, c, e, answers), swepo::UserError);
}

TEST(Alpaca, FillerLowersWinRateAndLcControlsForLength) {
  SynthConfig c = suite_config();
  c.n_alpaca = 200;
  SynthData d = build_synth_data(c);
  EvalConfig e;
  const auto prompts = alpaca_prompts(d, e);
  AlpacaReport exact = alpaca_score(d, c, e, panel_responder("exact")(prompts));
  AlpacaReport filler = alpaca_score(d, c, e, panel_responder("filler_ok")(prompts));
  EXPECT_LT(filler.lc.raw.win_rate, exact.lc.raw.win_rate - 20.0);
  EXPECT_DOUBLE_EQ(filler.filler_share, 1.0);
  // Half the outputs end in filler (3 characters longer): length now varies across rows.
  std::vector<std::string> mixed = panel_responder("exact")(prompts);
  for (size_t i = 0; i < mixed.size(); i += 2) mixed[i] += " ok";
  // Unbiased judge: the longer outputs lose (gold filler penalty), so predicting at equal length
  // (LC) forgives them: LC > WR.
  AlpacaReport plain = alpaca_score(d, c, e, mixed);
  EXPECT_GT(plain.lc.lc, plain.lc.raw.win_rate);
  // A judge that loves length (3 per extra character) makes the longer outputs win: LC < WR.
  EvalConfig biased = e;
  biased.judge_verbosity_bias = 3.0;
  AlpacaReport b = alpaca_score(d, c, biased, mixed);
  EXPECT_GT(b.lc.raw.win_rate, plain.lc.raw.win_rate);
  EXPECT_LT(b.lc.lc, b.lc.raw.win_rate);
}

TEST(Arena, OrdersAndVerdicts) {
  SynthConfig c = suite_config();
  SynthData d = build_synth_data(c);
  EvalConfig e;
  // Baseline vs itself: d = 0; order 1: +0.25, order 2: −0.25, both ties -> 50%, interval [50, 50].
  ArenaReport same = arena_score(d, c, e, d.arena.baseline);
  EXPECT_EQ(same.arena.n_games, 60);
  EXPECT_EQ(same.arena.n_battles, 60);
  EXPECT_DOUBLE_EQ(same.arena.win_rate, 50.0);
  EXPECT_DOUBLE_EQ(same.arena.ci_hi, 50.0);
  // Position bias above the tie margin: order 1 "A>B", order 2 "B>A": still 50%, no ties.
  EvalConfig pb = e;
  pb.arena_position_bias = 0.6;
  EXPECT_DOUBLE_EQ(arena_score(d, c, pb, d.arena.baseline).arena.win_rate, 50.0);
  // Exact answers: recompute verdict weights by hand from the gold differences.
  std::vector<std::string> answers;
  double score = 0, battles = 0;
  for (size_t i = 0; i < d.arena.items.size(); ++i) {
    answers.push_back(d.arena.items[i].answer);
    const double diff = 10.0 - gold_reward(d.arena.items[i].answer, d.arena.baseline[i], c.filler_penalty);
    for (double dd : {diff + 0.25, diff - 0.25}) {
      if (std::fabs(dd) < 0.5) score += 0.5, battles += 1;        // tie
      else if (dd >= 3.0) score += 3, battles += 3;               // A>>B
      else if (dd > 0) score += 1, battles += 1;                  // A>B
      else battles += dd <= -3.0 ? 3 : 1;                         // losses (none here)
    }
  }
  ArenaReport r = arena_score(d, c, e, answers);
  EXPECT_NEAR(r.arena.win_rate, 100.0 * score / battles, 1e-9);
  EXPECT_LE(r.arena.ci_lo, r.arena.win_rate);
  EXPECT_GE(r.arena.ci_hi, r.arena.win_rate);
  EXPECT_GT(r.arena.win_rate, 50.0);
}

TEST(MtBench, TwoTurns) {
  SynthConfig c = suite_config();
  SynthData d = build_synth_data(c);
  EvalConfig e;
  // Turn-2 prompt: "<family2>: <core of the turn-1 output>".
  std::vector<std::string> t1(d.mtbench.size(), "abc ok");
  const auto p2 = mtbench_turn2_prompts(d, e, t1);
  EXPECT_EQ(p2[0], d.mtbench[0].family2 + ": abc");
  // The exact responder scores 10 on both turns (its turn-2 input is the correct answer).
  SuiteMetrics m = run_suites(d, c, [] {
    EvalConfig x;
    x.suites = {"mtbench"};
    return x;
  }(), panel_responder("exact"));
  EXPECT_DOUBLE_EQ(m.at("mtbench/score"), 10.0);
  EXPECT_EQ(m.count("alpaca/wr"), 0u);
  // Empty outputs: R* = 0 -> judge score 1 on both turns.
  std::vector<std::string> empty(d.mtbench.size(), "");
  MtBenchReport r = mtbench_score(d, c, e, empty, empty);
  EXPECT_DOUBLE_EQ(r.score, 1.0);
  // Turn 1 exact, turn 2 empty: (10 + 1) / 2 = 5.5.
  std::vector<std::string> a1;
  for (const auto& q : d.mtbench) a1.push_back(q.item.answer);
  EXPECT_DOUBLE_EQ(mtbench_score(d, c, e, a1, empty).score, 5.5);
  EXPECT_DOUBLE_EQ(mtbench_judge_score(5.0), 5.5);
}

TEST(Decodings, AggregateBySeedThenTemperature) {
  // runs: T=0 seed 0: 60; T=.5 seeds 0, 1: 40, 50 -> per-T means 60 and 45 -> average 52.5.
  EvalReport r = aggregate_runs({{0.0, 0, {{"alpaca/wr", 60}}},
                                 {0.5, 0, {{"alpaca/wr", 40}}},
                                 {0.5, 1, {{"alpaca/wr", 50}}}});
  EXPECT_DOUBLE_EQ(r.per_temperature.at(0.0).at("alpaca/wr"), 60.0);
  EXPECT_DOUBLE_EQ(r.per_temperature.at(0.5).at("alpaca/wr"), 45.0);
  EXPECT_DOUBLE_EQ(r.average.at("alpaca/wr"), 52.5);
  EXPECT_EQ(r.runs.size(), 3u);
}

TEST(Decodings, EvaluateCallsEveryTemperatureAndSeed) {
  SynthConfig c = suite_config();
  SynthData d = build_synth_data(c);
  EvalConfig e;  // the paper's list: 1 + 3 + 3 + 3 = 10 runs
  e.max_prompts = 8;
  std::vector<std::pair<double, int>> calls;
  DecodingResponder r = [&](const std::vector<std::string>& prompts, double t, int seed) {
    calls.emplace_back(t, seed);
    // greedy = exact; sampled = noisy30 with the sampling seed
    return t == 0.0 ? panel_responder("exact")(prompts) : panel_responder("noisy30", seed)(prompts);
  };
  EvalReport rep = evaluate(d, c, e, r);
  EXPECT_EQ(rep.runs.size(), 10u);
  EXPECT_EQ(calls.size(), 10u * 4u);  // alpaca, arena, mtbench x 2 turns
  EXPECT_EQ(rep.per_temperature.size(), 4u);
  EXPECT_DOUBLE_EQ(rep.per_temperature.at(0.0).at("alpaca/gold"), 10.0);
  EXPECT_LT(rep.per_temperature.at(1.0).at("alpaca/gold"), 10.0);
  // max_prompts limits each suite.
  EXPECT_EQ(alpaca_prompts(d, e).size(), 8u);
}

TEST(EvalConfigFiles, ShippedFilesParse) {
  const std::string dir = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/eval/";
  EvalConfig def = eval_config_from_yaml(YAML::LoadFile(dir + "default.yaml"));
  EvalConfig builtin;
  ASSERT_EQ(def.decodings.size(), builtin.decodings.size());
  for (size_t i = 0; i < def.decodings.size(); ++i) {
    EXPECT_EQ(def.decodings[i].temperature, builtin.decodings[i].temperature);
    EXPECT_EQ(def.decodings[i].seeds, builtin.decodings[i].seeds);
  }
  EXPECT_EQ(def.decodings[3].temperature, 1.0);
  EXPECT_EQ(def.decodings[3].seeds, (std::vector<int>{0, 1, 2}));
  EvalConfig fast = eval_config_from_yaml(YAML::LoadFile(dir + "fast.yaml"));
  EXPECT_EQ(fast.decodings.size(), 1u);
  EXPECT_GT(fast.max_prompts, 0);
  // A decoding with an unknown key, or a bad glm name, is a UserError naming the key.
  try {
    eval_config_from_yaml(YAML::Load("{decodings: [{temperature: 0.5, seed: [1]}]}"));
    FAIL();
  } catch (const swepo::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("eval.decodings"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval_config_from_yaml(YAML::Load("{glm: lc}")), swepo::UserError);
  // Options are documented from the same visit().
  swepo::OptionDocs docs;
  EvalConfig{}.visit(docs);
  EXPECT_EQ(docs.docs.front().key, "decodings");
  EXPECT_NE(docs.docs.front().default_value.find("temperature"), std::string::npos);
  swepo::OptionDocs sdocs;
  SynthConfig{}.visit(sdocs);
  EXPECT_GE(sdocs.docs.size(), 20u);
}
