// Measures what the pipeline engineer needs to calibrate against (printed, and checked loosely):
// mean gold reward of every panel generator, of the baseline and of the SFT demonstrator on the
// default alpaca prompts, and their WR / LC against the baseline (the perfect responder's WR is
// the headroom).
#include <gtest/gtest.h>

#include <cstdio>

#include "synth/generators.h"
#include "synth/gold.h"
#include "synth/suites.h"

using namespace swepo::synth;
using swepo::Rng;
using swepo::derive_seed;

TEST(PanelFigures, DefaultAlpacaPrompts) {
  SynthConfig c;  // defaults: 805 alpaca prompts; the suites do not depend on n_sft / n_pref
  c.cache_dir = "";
  c.n_sft = 0;
  c.n_pref = 0;
  const SynthData d = build_synth_data(c);
  EvalConfig e;
  const auto prompts = alpaca_prompts(d, e);
  std::printf("%-22s %8s %8s %8s %8s %8s\n", "generator", "gold", "WR", "WR_se", "LC", "len");
  std::map<std::string, AlpacaReport> rep;
  auto report = [&](const std::string& name, const std::vector<std::string>& outs) {
    rep[name] = alpaca_score(d, c, e, outs);
    const auto& r = rep[name];
    std::printf("%-22s %8.3f %8.2f %8.2f %8.2f %8.2f\n", name.c_str(), r.gold, r.lc.raw.win_rate,
                r.lc.raw.standard_error, r.lc.lc, r.mean_len);
  };
  for (const auto& g : generator_table()) {
    std::vector<std::string> outs;
    for (size_t i = 0; i < prompts.size(); ++i) {
      Rng rng(derive_seed(123, "figures", i));
      outs.push_back(g.generate(d.alpaca.items[i], rng));
    }
    report(g.name, outs);
  }
  report("baseline", d.alpaca.baseline);
  report("baseline_verbose", d.alpaca.baseline_verbose);
  report("baseline_concise", d.alpaca.baseline_concise);
  std::vector<std::string> demo, demo_clean;
  for (size_t i = 0; i < prompts.size(); ++i) {
    Rng rng(derive_seed(123, "figures_sft", i));
    demo.push_back(sft_demonstration(d.alpaca.items[i], c.sft_error_rate, c.sft_filler_fraction, rng));
    Rng rng2(derive_seed(123, "figures_sft", i));
    demo_clean.push_back(sft_demonstration(d.alpaca.items[i], c.sft_error_rate, 0.0, rng2));
  }
  report("sft_demonstrator", demo);
  report("sft_demo_no_filler", demo_clean);
  // Arena (harder prompts) and MT-bench for every panel generator.
  std::printf("%-22s %8s %8s %8s %8s %10s\n", "generator", "ar_gold", "arenaWR", "ci_lo", "ci_hi", "mtbench");
  std::map<std::string, double> arena_wr;
  for (const auto& g : generator_table()) {
    const Responder resp = [&](const std::vector<std::string>& ps) {
      std::vector<std::string> out;
      for (size_t i = 0; i < ps.size(); ++i) {
        Rng rng(derive_seed(321, "figures_arena", i));
        out.push_back(g.generate(parse_prompt(ps[i]), rng));
      }
      return out;
    };
    const ArenaReport a = arena_score(d, c, e, resp(arena_prompts(d, e)));
    const auto t1 = resp(mtbench_turn1_prompts(d, e));
    const MtBenchReport m = mtbench_score(d, c, e, t1, resp(mtbench_turn2_prompts(d, e, t1)));
    arena_wr[g.name] = a.arena.win_rate;
    std::printf("%-22s %8.3f %8.2f %8.2f %8.2f %10.3f\n", g.name, a.gold, a.arena.win_rate, a.arena.ci_lo,
                a.arena.ci_hi, m.score);
  }
  const ArenaReport base = arena_score(d, c, e, d.arena.baseline);
  std::printf("%-22s %8.3f %8.2f\n", "baseline", base.gold, base.arena.win_rate);
  EXPECT_GT(arena_wr["exact"], 60.0);
  EXPECT_LT(base.gold, 8.5);  // harder: longer payloads, same per-character error rate
  double gmean = 0;
  for (double g : d.alpaca.difficulty) gmean += g / d.alpaca.difficulty.size();
  std::printf("mean instruction difficulty gamma = %.4f\n", gmean);

  // Headroom: a perfect responder wins clearly but far from 100%.
  EXPECT_GT(rep["exact"].lc.raw.win_rate, 60.0);
  EXPECT_LT(rep["exact"].lc.raw.win_rate, 90.0);
  EXPECT_DOUBLE_EQ(rep["exact"].gold, 10.0);
  // The baseline leaves room: its gold reward is well below 10.
  EXPECT_LT(rep["baseline"].gold, 9.0);
  EXPECT_GT(rep["baseline"].gold, 7.0);
  // Quality ordering of the panel.
  EXPECT_GT(rep["noisy05"].gold, rep["noisy15"].gold);
  EXPECT_GT(rep["noisy15"].gold, rep["noisy30"].gold);
  EXPECT_LT(rep["filler_ok"].gold, rep["noisy05"].gold);
  // The filler flaw is score-visible: demonstrations with filler lose clearly to those without.
  EXPECT_LT(rep["sft_demonstrator"].lc.raw.win_rate, rep["sft_demo_no_filler"].lc.raw.win_rate - 15.0);
}
