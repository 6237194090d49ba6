// Paired comparisons (analysis/metrics/paired.h): the t quantile against the printed table, the
// paired t-interval, the MDD and the seeds needed worked out by hand, and the prompt bootstrap's
// invariants. Table values: any Student t table (two-sided 95% = the 0.975 quantile; 80% power
// uses the one-sided 0.80 quantile).
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/paired.h"
#include "core/util/error.h"

using namespace swepo::metrics;

TEST(Paired, TQuantileMatchesTheTable) {
  // t_{0.975,df}: 12.706 (1), 4.303 (2), 2.571 (5), 2.365 (7), 2.042 (30), 1.960 (∞).
  EXPECT_NEAR(t_quantile(0.975, 1), 12.706, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 2), 4.303, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 5), 2.571, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 7), 2.365, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 30), 2.042, 5e-4);
  EXPECT_NEAR(t_quantile(0.975, 1e6), 1.960, 5e-4);
  // t_{0.80,df}: 1.376 (1), 1.061 (2), 0.941 (4), 0.883 (9), 0.842 (∞).
  EXPECT_NEAR(t_quantile(0.80, 1), 1.376, 5e-4);
  EXPECT_NEAR(t_quantile(0.80, 2), 1.061, 5e-4);
  EXPECT_NEAR(t_quantile(0.80, 4), 0.941, 5e-4);
  EXPECT_NEAR(t_quantile(0.80, 9), 0.883, 5e-4);
  EXPECT_NEAR(t_quantile(0.80, 1e6), 0.842, 5e-4);
  // Symmetry, and df = 1 is the Cauchy: t_p = tan(π (p − 1/2)).
  EXPECT_NEAR(t_quantile(0.025, 4), -t_quantile(0.975, 4), 1e-12);
  EXPECT_NEAR(t_quantile(0.9, 1), std::tan(M_PI * 0.4), 1e-9);
  EXPECT_THROW(t_quantile(1.0, 3), swepo::UserError);
  EXPECT_THROW(t_quantile(0.5, 0), swepo::UserError);
}

TEST(Paired, DiffOverSharedSeedsHandWorked) {
  // a = {1: 10, 2: 12, 3: 11}, b = {1: 11, 2: 14, 3: 12, 4: 20}: seed 4 has no partner.
  // d = 1, 2, 1; mean 4/3; deviations −1/3, 2/3, −1/3, squares 1/9 + 4/9 + 1/9 = 2/3; var = (2/3)/2
  // = 1/3; sd = 0.5773503; sd/√3 = 1/3; half-width = t_{0.975,2}/3 = 4.3026527/3 = 1.4342176;
  // interval [1.3333 − 1.4342, 1.3333 + 1.4342] = [−0.1009, 2.7676] holds 0: not resolved.
  PairedDiff d = paired_diff({{1, 10}, {2, 12}, {3, 11}}, {{1, 11}, {2, 14}, {3, 12}, {4, 20}});
  EXPECT_EQ(d.n, 3);
  EXPECT_EQ(d.seeds, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_NEAR(d.mean, 4.0 / 3.0, 1e-12);
  EXPECT_NEAR(d.sd, std::sqrt(1.0 / 3.0), 1e-12);
  EXPECT_NEAR(d.half_width, 1.4342176, 1e-6);
  EXPECT_NEAR(d.ci_lo, -0.1008842, 1e-6);
  EXPECT_NEAR(d.ci_hi, 2.7675509, 1e-6);
  EXPECT_FALSE(d.resolved);

  // d = 2, 3, 4, 3 (b − a): mean 3; deviations −1, 0, 1, 0, ss 2, var 2/3, sd 0.8164966;
  // sd/√4 = 0.4082483; half-width = t_{0.975,3}·0.4082483 = 3.1824463·0.4082483 = 1.2992283;
  // [1.7008, 4.2992] excludes 0: resolved. Swapping the sides flips the sign, not the width.
  const std::map<int64_t, double> a = {{0, 0}, {1, 1}, {2, 2}, {3, 3}}, b = {{0, 2}, {1, 4}, {2, 6}, {3, 6}};
  d = paired_diff(a, b);
  EXPECT_EQ(d.n, 4);
  EXPECT_DOUBLE_EQ(d.mean, 3.0);
  EXPECT_NEAR(d.half_width, 1.2992283, 1e-6);
  EXPECT_NEAR(d.ci_lo, 1.7007717, 1e-6);
  EXPECT_TRUE(d.resolved);
  const PairedDiff r = paired_diff(b, a);
  EXPECT_DOUBLE_EQ(r.mean, -3.0);
  EXPECT_NEAR(r.half_width, d.half_width, 1e-12);
  EXPECT_TRUE(r.resolved);

  // One shared seed: a difference, no interval, never resolved; none shared: n = 0.
  d = paired_diff({{5, 1.0}}, {{5, 3.0}, {6, 9.0}});
  EXPECT_EQ(d.n, 1);
  EXPECT_DOUBLE_EQ(d.mean, 2.0);
  EXPECT_DOUBLE_EQ(d.half_width, 0.0);
  EXPECT_FALSE(d.resolved);
  EXPECT_EQ(paired_diff({{1, 1.0}}, {{2, 1.0}}).n, 0);
}

TEST(Paired, MinimumDetectableDifferenceHandWorked) {
  // sd = 1, n = 5: (t_{0.975,4} + t_{0.80,4})/√5 = (2.7764451 + 0.9409646)/2.2360680 = 1.6624762.
  EXPECT_NEAR(paired_mdd(1.0, 5), 1.6624762, 1e-6);
  // It scales with sd: sd = √7, n = 3: (4.3026527 + 1.0606602)·√7/√3 = 5.3633129·1.5275252 = 8.1925958.
  EXPECT_NEAR(paired_mdd(std::sqrt(7.0), 3), 8.1925958, 1e-6);
  EXPECT_DOUBLE_EQ(paired_mdd(0.0, 4), 0.0);
  EXPECT_THROW(paired_mdd(1.0, 1), swepo::UserError);
  // Seeds to resolve Δ = 1 with sd = 1: n = 9 gives (2.3060041 + 0.8888895)/3 = 1.0649645 > 1,
  // n = 10 gives (2.2621572 + 0.8834039)/√10 = 3.1455611/3.1622777 = 0.9947137 <= 1: 10.
  EXPECT_EQ(paired_seeds_needed(1.0, 1.0), 10);
  // sd = √7, Δ = 1: MDD(56) = 1.0084, MDD(57) = 0.9992 (the same formula, mpmath): 57.
  EXPECT_EQ(paired_seeds_needed(std::sqrt(7.0), 1.0), 57);
  EXPECT_EQ(paired_seeds_needed(0.0, 0.5), 2);  // no spread: the smallest n with an interval
  EXPECT_EQ(paired_seeds_needed(100.0, 0.01, 50), std::nullopt);
  EXPECT_THROW(paired_seeds_needed(1.0, 0.0), swepo::UserError);
}

TEST(Paired, PromptBootstrapIntervalAndSeeding) {
  // b − a = 1, 1, 1, 1, 1: every resample's mean is 1, so the interval is [1, 1] and resolved.
  PairedBootstrap c = paired_bootstrap({0, 1, 2, 3, 4}, {1, 2, 3, 4, 5}, 200, 3);
  EXPECT_EQ(c.n, 5);
  EXPECT_DOUBLE_EQ(c.mean, 1.0);
  EXPECT_DOUBLE_EQ(c.ci_lo, 1.0);
  EXPECT_DOUBLE_EQ(c.ci_hi, 1.0);
  EXPECT_TRUE(c.resolved);
  // d = −1, +1 alternating over 40 prompts (a constant per-prompt offset in `a` cancels): mean 0,
  // the interval brackets 0 and lies within [−1, 1]; the normal approximation's half-width is
  // 1.96·1/√40 = 0.31, so the percentile interval is roughly ±0.3.
  std::vector<double> a(40), b(40);
  for (int i = 0; i < 40; ++i) {
    a[i] = 10.0 * i;
    b[i] = a[i] + (i % 2 ? 1.0 : -1.0);
  }
  c = paired_bootstrap(a, b, 2000, 11);
  EXPECT_NEAR(c.mean, 0.0, 1e-12);
  EXPECT_LT(c.ci_lo, 0.0);
  EXPECT_GT(c.ci_hi, 0.0);
  EXPECT_NEAR(c.ci_lo, -0.31, 0.08);
  EXPECT_NEAR(c.ci_hi, 0.31, 0.08);
  EXPECT_FALSE(c.resolved);
  // Seeded: the same seed gives the same interval.
  const PairedBootstrap again = paired_bootstrap(a, b, 2000, 11);
  EXPECT_DOUBLE_EQ(again.ci_lo, c.ci_lo);
  EXPECT_DOUBLE_EQ(again.ci_hi, c.ci_hi);
  EXPECT_THROW(paired_bootstrap({1, 2}, {1}, 10, 0), swepo::UserError);
  EXPECT_THROW(paired_bootstrap({}, {}, 10, 0), swepo::UserError);
}
