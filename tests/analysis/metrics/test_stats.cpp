#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/stats.h"

using namespace swepo::metrics;

TEST(Stats, PercentileLinearLikeNumpy) {
  // numpy.percentile([1,2,3,4], 25): position .25·3 = .75 -> 1 + .75·(2 − 1) = 1.75.
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 25), 1.75);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 100), 4.0);
  EXPECT_DOUBLE_EQ(percentile({7}, 2.5), 7.0);
}

TEST(Stats, SigmoidStable) {
  EXPECT_DOUBLE_EQ(sigmoid(0), 0.5);
  EXPECT_NEAR(sigmoid(800), 1.0, 1e-300);
  EXPECT_GT(sigmoid(-800), -1e-300);
  EXPECT_NEAR(log_sigmoid(-800), -800.0, 1e-9);
  EXPECT_NEAR(log_sigmoid(std::log(3.0)), std::log(0.75), 1e-12);
}

TEST(Stats, SeedStatsHandWorked) {
  // [1,2,3,4]: mean 2.5; squared deviations 2.25+.25+.25+2.25 = 5; var = 5/3; std = 1.2909944.
  SeedStats s = seed_stats({1, 2, 3, 4}, 2000, 7);
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.mean, 2.5);
  EXPECT_NEAR(s.var, 5.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.std, std::sqrt(5.0 / 3.0), 1e-12);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
  // Bootstrap means lie in [1, 4]; the interval brackets the mean and is narrower than the range.
  EXPECT_GE(s.ci_lo, 1.0);
  EXPECT_LE(s.ci_hi, 4.0);
  EXPECT_LT(s.ci_lo, 2.5);
  EXPECT_GT(s.ci_hi, 2.5);
  EXPECT_GT(s.ci_hi - s.ci_lo, 0.5);
  // Seeded: the same seed gives the same interval, another seed (almost surely) another.
  SeedStats t = seed_stats({1, 2, 3, 4}, 2000, 7);
  EXPECT_EQ(s.ci_lo, t.ci_lo);
  EXPECT_EQ(s.ci_hi, t.ci_hi);
}

TEST(Stats, ConstantValuesHaveZeroSpread) {
  SeedStats s = seed_stats({3, 3, 3}, 100, 0);
  EXPECT_EQ(s.var, 0.0);
  EXPECT_EQ(s.ci_lo, 3.0);
  EXPECT_EQ(s.ci_hi, 3.0);
}
