#include "analysis/metrics/stats.h"

#include <algorithm>
#include <cmath>

#include "core/util/seeding.h"
#include "core/util/error.h"

namespace swepo::metrics {

double mean(const std::vector<double>& x) {
  if (x.empty()) return 0.0;
  double s = 0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double sample_var(const std::vector<double>& x) {
  if (x.size() < 2) return 0.0;
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1);
}

double sample_std(const std::vector<double>& x) { return std::sqrt(sample_var(x)); }

double percentile(std::vector<double> x, double q) {
  if (x.empty()) throw UserError("percentile of an empty sample");
  std::sort(x.begin(), x.end());
  const double pos = q / 100.0 * static_cast<double>(x.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, x.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return x[lo] + (x[hi] - x[lo]) * frac;
}

double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

double log_sigmoid(double z) {
  // log σ(z) = −softplus(−z) = −(max(−z, 0) + log1p(exp(−|z|)))
  return -(std::max(-z, 0.0) + std::log1p(std::exp(-std::fabs(z))));
}

SeedStats seed_stats(const std::vector<double>& values, int n_bootstrap, uint64_t seed) {
  SeedStats s;
  s.n = static_cast<int>(values.size());
  if (values.empty()) return s;
  s.mean = mean(values);
  s.var = sample_var(values);
  s.std = std::sqrt(s.var);
  s.min = *std::min_element(values.begin(), values.end());
  s.max = *std::max_element(values.begin(), values.end());
  if (n_bootstrap <= 0) {
    s.ci_lo = s.ci_hi = s.mean;
    return s;
  }
  Rng rng(derive_seed(seed, "seed_stats"));
  std::vector<double> means;
  means.reserve(n_bootstrap);
  const int64_t n = s.n;
  for (int b = 0; b < n_bootstrap; ++b) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += values[rng.uniform_int(0, n - 1)];
    means.push_back(sum / static_cast<double>(n));
  }
  s.ci_lo = percentile(means, 2.5);
  s.ci_hi = percentile(means, 97.5);
  return s;
}

}  // namespace swepo::metrics
