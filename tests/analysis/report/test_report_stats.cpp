// The report's statistics: the regularized incomplete beta function, the F distribution's upper
// tail and the Brown-Forsythe test, against closed forms and independently computed references
// (mpmath.betainc at 30 digits; scipy.stats.levene's documented example).
#include <gtest/gtest.h>

#include <cmath>

#include "analysis/report/report_stats.h"
#include "core/util/error.h"

using namespace swepo::report;

TEST(ReportStats, IncompleteBetaClosedForms) {
  for (double x : {0.0, 0.05, 0.3, 0.5, 0.77, 0.99, 1.0}) {
    EXPECT_NEAR(incomplete_beta(1, 1, x), x, 1e-14);                           // uniform
    EXPECT_NEAR(incomplete_beta(3, 1, x), x * x * x, 1e-14);                   // I_x(a, 1) = x^a
    EXPECT_NEAR(incomplete_beta(1, 4, x), 1 - std::pow(1 - x, 4), 1e-14);      // I_x(1, b) = 1 − (1−x)^b
    EXPECT_NEAR(incomplete_beta(2.5, 1.5, x), 1 - incomplete_beta(1.5, 2.5, 1 - x), 1e-14);  // symmetry
  }
  EXPECT_NEAR(incomplete_beta(7, 7, 0.5), 0.5, 1e-14);
  // I_0.3(2, 3) = Σ_{j=2..4} C(4,j) .3^j .7^(4−j) = 6·.09·.49 + 4·.027·.7 + .0081 = .2646 + .0756 + .0081
  EXPECT_NEAR(incomplete_beta(2, 3, 0.3), 0.3483, 1e-14);
  // I_x(1/2, 1/2) = (2/π) asin(√x)
  EXPECT_NEAR(incomplete_beta(0.5, 0.5, 0.2), 2 / M_PI * std::asin(std::sqrt(0.2)), 1e-13);
}

TEST(ReportStats, IncompleteBetaAgainstMpmath) {
  // mpmath.betainc(a, b, 0, x, regularized=True), mp.dps = 30
  EXPECT_NEAR(incomplete_beta(10, 3, 0.9), 0.889130022255000056776, 1e-13);
  EXPECT_NEAR(incomplete_beta(200, 300, 0.4), 0.502428616319931995690, 1e-11);
  EXPECT_NEAR(incomplete_beta(0.1, 5, 0.001), 0.612898359374994484194, 1e-13);
  EXPECT_NEAR(incomplete_beta(200, 300, 0.999), 1.0, 1e-14);
}

TEST(ReportStats, IncompleteBetaRejectsBadArguments) {
  EXPECT_THROW(incomplete_beta(0, 1, 0.5), swepo::UserError);
  EXPECT_THROW(incomplete_beta(1, -1, 0.5), swepo::UserError);
  EXPECT_THROW(incomplete_beta(1, 1, 1.5), swepo::UserError);
}

TEST(ReportStats, FTail) {
  // d1 = 2: P(F > f) = (d2 / (d2 + 2f))^(d2/2)
  EXPECT_NEAR(f_sf(1.7, 2, 9), std::pow(9.0 / (9.0 + 3.4), 4.5), 1e-14);
  // d1 = d2 = 1: F = T² with T Cauchy, P(F > f) = 1 − (2/π) atan(√f): f = 1 -> 1/2, f = 3 -> 1/3
  EXPECT_NEAR(f_sf(1, 1, 1), 0.5, 1e-14);
  EXPECT_NEAR(f_sf(3, 1, 1), 1.0 / 3.0, 1e-14);
  // mpmath references: I_{d2/(d2+d1 f)}(d2/2, d1/2)
  EXPECT_NEAR(f_sf(2.5, 3, 7), 0.143509456278939241703, 1e-13);
  EXPECT_NEAR(f_sf(0.8, 5, 12), 0.570523142814636230469, 1e-13);
  EXPECT_NEAR(f_sf(30, 1, 1), 0.114964117951033151419, 1e-13);
  EXPECT_EQ(f_sf(0, 3, 4), 1.0);
  EXPECT_EQ(f_sf(-1, 3, 4), 1.0);
}

TEST(ReportStats, MedianLikeNumpy) {
  EXPECT_EQ(median({3, 1, 2}), 2);
  EXPECT_EQ(median({4, 1, 3, 2}), 2.5);
  EXPECT_THROW(median({}), swepo::UserError);
}

TEST(ReportStats, BrownForsytheByHand) {
  // a = {1, 2, 6}: median 2, z = {1, 0, 4}, z̄_a = 5/3; b = {4, 5, 6}: median 5, z = {1, 0, 1},
  // z̄_b = 2/3; z̄ = 7/6. between = 3 (1/2)² + 3 (1/2)² = 3/2;
  // within = (4 + 25 + 49)/9 + (1 + 1 + 4)/9 = 84/9 = 28/3.
  // W = (6 − 2)/(2 − 1) · (3/2) / (28/3) = 9/14; p = P(F(1, 4) > 9/14) = 0.467604754609397 (mpmath).
  auto r = brown_forsythe({{1, 2, 6}, {4, 5, 6}});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->statistic, 9.0 / 14.0, 1e-14);
  EXPECT_EQ(r->df1, 1);
  EXPECT_EQ(r->df2, 4);
  EXPECT_NEAR(r->p_value, 0.467604754609397439843, 1e-12);
}

TEST(ReportStats, BrownForsytheMatchesScipyLeveneExample) {
  // scipy.stats.levene(a, b, c) (center='median', the default), from scipy's documentation:
  // LeveneResult(statistic=7.584952754501659, pvalue=0.002431505967249681). Three groups, so
  // df1 = 2 and also p = (27 / (27 + 2W))^13.5 in closed form.
  const std::vector<double> a = {8.88, 9.12, 9.04, 8.98, 9.00, 9.08, 9.01, 8.85, 9.06, 8.99};
  const std::vector<double> b = {8.88, 8.95, 9.29, 9.44, 9.15, 9.58, 8.36, 9.18, 8.67, 9.05};
  const std::vector<double> c = {8.95, 9.12, 8.95, 8.85, 9.03, 8.84, 9.07, 8.98, 8.86, 8.98};
  auto r = brown_forsythe({a, b, c});
  ASSERT_TRUE(r.has_value());
  EXPECT_NEAR(r->statistic, 7.584952754501659, 1e-11);
  EXPECT_NEAR(r->p_value, 0.002431505967249681, 1e-13);
  EXPECT_NEAR(r->p_value, std::pow(27.0 / (27.0 + 2 * r->statistic), 13.5), 1e-14);
}

TEST(ReportStats, BrownForsytheUndefinedCases) {
  EXPECT_FALSE(brown_forsythe({{1, 2, 3}}).has_value());        // one group
  EXPECT_FALSE(brown_forsythe({{1, 2}, {}}).has_value());       // empty group
  EXPECT_FALSE(brown_forsythe({{1}, {2}}).has_value());         // N <= k
  EXPECT_FALSE(brown_forsythe({{1, 1}, {5, 5}}).has_value());   // no spread at all
}
