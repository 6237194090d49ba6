#include <gtest/gtest.h>

#include "analysis/metrics/arena.h"
#include "analysis/metrics/stats.h"
#include "core/util/seeding.h"

using namespace swepo::metrics;

TEST(Arena, VerdictThresholds) {
  EXPECT_EQ(arena_verdict(0.49, 0.5, 3.0), Verdict::Tie);
  EXPECT_EQ(arena_verdict(-0.49, 0.5, 3.0), Verdict::Tie);
  EXPECT_EQ(arena_verdict(0.5, 0.5, 3.0), Verdict::ModelBetter);
  EXPECT_EQ(arena_verdict(-2.9, 0.5, 3.0), Verdict::BaselineBetter);
  EXPECT_EQ(arena_verdict(3.0, 0.5, 3.0), Verdict::ModelMuchBetter);
  EXPECT_EQ(arena_verdict(-7.0, 0.5, 3.0), Verdict::BaselineMuchBetter);
}

TEST(Arena, DecisiveCountsThreeTiesHalf) {
  // A>>B = 3 wins, A>B = 1 win, A=B = 1 battle scored .5, B>A = 1 loss:
  // 6 battles, score 3 + 1 + .5 + 0 = 4.5 -> 75%.
  ArenaResult r = arena_winrate({Verdict::ModelMuchBetter, Verdict::ModelBetter, Verdict::Tie,
                                 Verdict::BaselineBetter},
                                0);
  EXPECT_EQ(r.n_games, 4);
  EXPECT_EQ(r.n_battles, 6);
  EXPECT_DOUBLE_EQ(r.win_rate, 75.0);
  // B>>A + A>B: 4 battles, 1 win -> 25%.
  EXPECT_DOUBLE_EQ(arena_winrate({Verdict::BaselineMuchBetter, Verdict::ModelBetter}, 0).win_rate, 25.0);
}

TEST(Arena, BootstrapInterval) {
  // All battles identical: every resample has the same win rate.
  ArenaResult same = arena_winrate({Verdict::Tie, Verdict::Tie, Verdict::Tie}, 100, 1);
  EXPECT_DOUBLE_EQ(same.ci_lo, 50.0);
  EXPECT_DOUBLE_EQ(same.ci_hi, 50.0);

  std::vector<Verdict> games;
  for (int i = 0; i < 30; ++i) games.push_back(i % 3 == 0 ? Verdict::BaselineBetter : Verdict::ModelBetter);
  ArenaResult r = arena_winrate(games, 100, 5);
  EXPECT_NEAR(r.win_rate, 100.0 * 20 / 30, 1e-12);
  EXPECT_LT(r.ci_lo, r.win_rate);
  EXPECT_GT(r.ci_hi, r.win_rate);
  // Independent recomputation: the documented resampling (seeded stream "arena_bootstrap",
  // uniform battle indices) and numpy's percentile rule.
  swepo::Rng rng(swepo::derive_seed(5, "arena_bootstrap"));
  std::vector<double> rates;
  for (int b = 0; b < 100; ++b) {
    int wins = 0;
    for (int i = 0; i < 30; ++i) wins += rng.uniform_int(0, 29) % 3 == 0 ? 0 : 1;
    rates.push_back(100.0 * wins / 30.0);
  }
  EXPECT_DOUBLE_EQ(r.ci_lo, percentile(rates, 2.5));
  EXPECT_DOUBLE_EQ(r.ci_hi, percentile(rates, 97.5));
  // Same seed, same interval.
  ArenaResult again = arena_winrate(games, 100, 5);
  EXPECT_EQ(again.ci_lo, r.ci_lo);
  EXPECT_EQ(again.ci_hi, r.ci_hi);
}
