// Small numeric helpers shared by the metrics: means, sample std, percentiles (numpy's default
// linear interpolation), a stable logistic, and the seed statistics of docs/SPEC.md section 4. Tensor-free.
#pragma once
#include <cstdint>
#include <vector>

namespace swepo::metrics {

double mean(const std::vector<double>& x);         // 0 when empty
double sample_var(const std::vector<double>& x);   // ddof = 1; 0 when n < 2
double sample_std(const std::vector<double>& x);   // sqrt(sample_var)
// q in [0, 100]; numpy.percentile(x, q) with linear interpolation. x must be non-empty.
double percentile(std::vector<double> x, double q);
double sigmoid(double z);     // stable for large |z|
double log_sigmoid(double z); // log σ(z), stable

// Over seeds: mean, std and variance (ddof = 1), n, bootstrap 95% interval of the mean
// (percentiles 2.5 / 97.5 of the means of n_bootstrap resamples drawn with a seeded portable RNG),
// min and max.
struct SeedStats {
  int n = 0;
  double mean = 0, std = 0, var = 0, ci_lo = 0, ci_hi = 0, min = 0, max = 0;
};
SeedStats seed_stats(const std::vector<double>& values, int n_bootstrap = 1000, uint64_t seed = 0);

}  // namespace swepo::metrics
