// Statistics for the report tables (tensor-free): the regularized incomplete beta function, the F
// distribution's upper tail, and the Brown-Forsythe test of equal variances (Levene's test centred
// on the group medians). Seed means, variances and bootstrap intervals are metrics::seed_stats
// (analysis/metrics/stats.h).
#pragma once
#include <optional>
#include <vector>

namespace swepo::report {

// I_x(a, b) for a, b > 0 and x in [0, 1] (continued fraction, modified Lentz; relative error ~1e-14).
// Throws UserError for arguments outside the domain.
double incomplete_beta(double a, double b, double x);

// P(F > f) for F ~ F(d1, d2), d1, d2 > 0: I_{d2 / (d2 + d1 f)}(d2 / 2, d1 / 2); 1 for f <= 0.
double f_sf(double f, double d1, double d2);

struct BrownForsythe {
  double statistic = 0;  // W, F-distributed with (df1, df2) under equal variances
  double df1 = 0;        // k − 1
  double df2 = 0;        // N − k
  double p_value = 1;    // P(F(df1, df2) > W)
};

// Brown-Forsythe test over k >= 2 groups of values (scipy.stats.levene(..., center='median')):
//   z_ij = |x_ij − median_i|,  W = (N − k) / (k − 1) · Σ_i n_i (z̄_i − z̄)² / Σ_ij (z_ij − z̄_i)².
// nullopt when the test is undefined: fewer than 2 groups, an empty group, N <= k, or every
// z_ij equal to its group mean (zero within-group spread).
std::optional<BrownForsythe> brown_forsythe(const std::vector<std::vector<double>>& groups);

double median(std::vector<double> x);  // x must be non-empty (numpy.median)

}  // namespace swepo::report
