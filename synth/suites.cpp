#include "synth/suites.h"

#include <algorithm>

#include "analysis/metrics/stats.h"
#include "synth/gold.h"
#include "core/util/error.h"

namespace swepo::synth {
namespace {

size_t suite_size(size_t n, const EvalConfig& e) {
  return e.max_prompts > 0 ? std::min(n, static_cast<size_t>(e.max_prompts)) : n;
}

void check_outputs(const char* suite, size_t expected, const std::vector<std::string>& outputs) {
  if (outputs.size() != expected)
    throw UserError(std::string(suite) + ": expected " + std::to_string(expected) + " outputs, got " +
                    std::to_string(outputs.size()));
}

// The judge's reward: gold plus its own verbosity bias.
double judged(const SynthConfig& c, const EvalConfig& e, const Item& it, const std::string& y) {
  return gold_reward(it.answer, y, c.filler_penalty) + e.judge_verbosity_bias * extra_chars(it.answer, y);
}

double len(const std::string& s) { return static_cast<double>(s.size()); }

}  // namespace

double mtbench_judge_score(double gold) { return 1.0 + 0.9 * gold; }

std::string response_core(const std::string& response) { return response.substr(0, response.find(' ')); }

std::vector<std::string> alpaca_prompts(const SynthData& d, const EvalConfig& e) {
  std::vector<std::string> p;
  for (size_t i = 0; i < suite_size(d.alpaca.items.size(), e); ++i) p.push_back(d.alpaca.items[i].prompt);
  return p;
}

std::vector<std::string> arena_prompts(const SynthData& d, const EvalConfig& e) {
  std::vector<std::string> p;
  for (size_t i = 0; i < suite_size(d.arena.items.size(), e); ++i) p.push_back(d.arena.items[i].prompt);
  return p;
}

std::vector<std::string> mtbench_turn1_prompts(const SynthData& d, const EvalConfig& e) {
  std::vector<std::string> p;
  for (size_t i = 0; i < suite_size(d.mtbench.size(), e); ++i) p.push_back(d.mtbench[i].item.prompt);
  return p;
}

std::vector<std::string> mtbench_turn2_prompts(const SynthData& d, const EvalConfig& e,
                                               const std::vector<std::string>& turn1_outputs) {
  const size_t n = suite_size(d.mtbench.size(), e);
  check_outputs("mtbench turn 1", n, turn1_outputs);
  std::vector<std::string> p;
  for (size_t i = 0; i < n; ++i) p.push_back(make_prompt(d.mtbench[i].family2, response_core(turn1_outputs[i])));
  return p;
}

AlpacaReport alpaca_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                          const std::vector<std::string>& outputs) {
  const size_t n = suite_size(d.alpaca.items.size(), e);
  check_outputs("alpaca", n, outputs);
  const BaselineSuite& s = d.alpaca;
  std::vector<metrics::LcRow> rows;
  AlpacaReport r;
  for (size_t i = 0; i < n; ++i) {
    const Item& it = s.items[i];
    const double jb = judged(c, e, it, s.baseline[i]);
    const double jm = judged(c, e, it, outputs[i]);
    rows.push_back({metrics::judge_preference(jm - jb, e.judge_temperature), len(outputs[i]),
                    len(s.baseline[i]), s.difficulty[i], true, ""});
    r.gold += gold_reward(it.answer, outputs[i], c.filler_penalty);
    r.baseline_gold += gold_reward(it.answer, s.baseline[i], c.filler_penalty);
    r.mean_len += len(outputs[i]);
    r.filler_share += filler_chars(outputs[i]) > 0 ? 1.0 : 0.0;
    r.exact_share += outputs[i] == it.answer ? 1.0 : 0.0;
  }
  if (metrics::glm_uses_gamed_rows(e.glm)) {
    for (size_t i = 0; i < n; ++i) {
      const Item& it = s.items[i];
      const double jb = judged(c, e, it, s.baseline[i]);
      for (const auto& [set, y] : {std::pair<const char*, const std::string*>{"verbose", &s.baseline_verbose[i]},
                                   {"concise", &s.baseline_concise[i]}})
        rows.push_back({metrics::judge_preference(judged(c, e, it, *y) - jb, e.judge_temperature), len(*y),
                        len(s.baseline[i]), s.difficulty[i], false, set});
    }
  }
  metrics::LcOptions opt;
  opt.glm = e.glm;
  opt.lambda = e.lc_lambda;
  r.lc = metrics::length_controlled_winrate(rows, opt);
  const double dn = static_cast<double>(n);
  r.gold /= dn;
  r.baseline_gold /= dn;
  r.mean_len /= dn;
  r.filler_share /= dn;
  r.exact_share /= dn;
  return r;
}

ArenaReport arena_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                        const std::vector<std::string>& outputs) {
  const size_t n = suite_size(d.arena.items.size(), e);
  check_outputs("arena", n, outputs);
  std::vector<metrics::Verdict> games;
  ArenaReport r;
  for (size_t i = 0; i < n; ++i) {
    const Item& it = d.arena.items[i];
    const double diff = judged(c, e, it, outputs[i]) - judged(c, e, it, d.arena.baseline[i]);
    games.push_back(metrics::arena_verdict(diff + e.arena_position_bias, e.arena_tie_margin,
                                           e.arena_decisive_margin));  // model shown first
    games.push_back(metrics::arena_verdict(diff - e.arena_position_bias, e.arena_tie_margin,
                                           e.arena_decisive_margin));  // baseline shown first
    r.gold += gold_reward(it.answer, outputs[i], c.filler_penalty) / static_cast<double>(n);
    r.baseline_gold += gold_reward(it.answer, d.arena.baseline[i], c.filler_penalty) / static_cast<double>(n);
  }
  r.arena = metrics::arena_winrate(games, e.arena_bootstrap, static_cast<uint64_t>(e.bootstrap_seed));
  return r;
}

MtBenchReport mtbench_score(const SynthData& d, const SynthConfig& c, const EvalConfig& e,
                            const std::vector<std::string>& turn1_outputs,
                            const std::vector<std::string>& turn2_outputs) {
  const size_t n = suite_size(d.mtbench.size(), e);
  check_outputs("mtbench turn 1", n, turn1_outputs);
  check_outputs("mtbench turn 2", n, turn2_outputs);
  MtBenchReport r;
  r.n = static_cast<int>(n);
  for (size_t i = 0; i < n; ++i) {
    const MtQuestion& q = d.mtbench[i];
    const std::string answer2 = family_by_name(q.family2).apply(q.item.answer);
    r.turn1 += mtbench_judge_score(gold_reward(q.item.answer, turn1_outputs[i], c.filler_penalty));
    r.turn2 += mtbench_judge_score(gold_reward(answer2, turn2_outputs[i], c.filler_penalty));
  }
  r.turn1 /= static_cast<double>(n);
  r.turn2 /= static_cast<double>(n);
  r.score = (r.turn1 + r.turn2) / 2.0;  // = mean over all 2n (question, turn) pairs
  return r;
}

SuiteMetrics run_suites(const SynthData& d, const SynthConfig& c, const EvalConfig& e, const Responder& respond) {
  SuiteMetrics m;
  for (const auto& suite : e.suites) {
    if (suite == "alpaca") {
      const auto r = alpaca_score(d, c, e, respond(alpaca_prompts(d, e)));
      m["alpaca/wr"] = r.lc.raw.win_rate;
      m["alpaca/wr_se"] = r.lc.raw.standard_error;
      m["alpaca/lc"] = r.lc.lc;
      m["alpaca/gold"] = r.gold;
      m["alpaca/len"] = r.mean_len;
      m["alpaca/filler"] = r.filler_share;
      m["alpaca/exact"] = r.exact_share;
    } else if (suite == "arena") {
      const auto r = arena_score(d, c, e, respond(arena_prompts(d, e)));
      m["arena/wr"] = r.arena.win_rate;
      m["arena/ci_lo"] = r.arena.ci_lo;
      m["arena/ci_hi"] = r.arena.ci_hi;
      m["arena/gold"] = r.gold;
    } else if (suite == "mtbench") {
      const auto t1 = respond(mtbench_turn1_prompts(d, e));
      const auto t2 = respond(mtbench_turn2_prompts(d, e, t1));
      const auto r = mtbench_score(d, c, e, t1, t2);
      m["mtbench/score"] = r.score;
      m["mtbench/turn1"] = r.turn1;
      m["mtbench/turn2"] = r.turn2;
    }
  }
  return m;
}

EvalReport aggregate_runs(std::vector<DecodingRun> runs) {
  EvalReport rep;
  std::map<double, std::map<std::string, std::vector<double>>> by_t;
  for (const auto& r : runs)
    for (const auto& [k, v] : r.metrics) by_t[r.temperature][k].push_back(v);
  std::map<std::string, std::vector<double>> over_t;
  for (const auto& [t, keys] : by_t)
    for (const auto& [k, vs] : keys) {
      rep.per_temperature[t][k] = metrics::mean(vs);
      over_t[k].push_back(rep.per_temperature[t][k]);
    }
  for (const auto& [k, vs] : over_t) rep.average[k] = metrics::mean(vs);
  rep.runs = std::move(runs);
  return rep;
}

EvalReport evaluate(const SynthData& d, const SynthConfig& c, const EvalConfig& e, const DecodingResponder& r) {
  std::vector<DecodingRun> runs;
  for (const auto& dec : e.decodings)
    for (int seed : dec.seeds) {
      const Responder bound = [&](const std::vector<std::string>& p) { return r(p, dec.temperature, seed); };
      runs.push_back({dec.temperature, seed, run_suites(d, c, e, bound)});
    }
  return aggregate_runs(std::move(runs));
}

}  // namespace swepo::synth
