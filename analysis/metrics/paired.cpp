#include "analysis/metrics/paired.h"

#include <cmath>
#include <string>

#include <boost/math/distributions/students_t.hpp>

#include "analysis/metrics/stats.h"
#include "core/util/error.h"
#include "core/util/seeding.h"

namespace swepo::metrics {

double t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0))
    throw UserError("t_quantile: need 0 < p < 1 and df > 0 (got p=" + std::to_string(p) + ", df=" +
                    std::to_string(df) + ")");
  return boost::math::quantile(boost::math::students_t_distribution<double>(df), p);
}

PairedDiff paired_diff(const std::map<int64_t, double>& a, const std::map<int64_t, double>& b) {
  PairedDiff r;
  std::vector<double> d;
  for (const auto& [seed, bv] : b) {
    auto it = a.find(seed);
    if (it == a.end()) continue;
    d.push_back(bv - it->second);
    r.seeds.push_back(seed);
  }
  r.n = static_cast<int>(d.size());
  r.mean = mean(d);
  r.sd = sample_std(d);
  if (r.n >= 2) r.half_width = t_quantile(0.975, r.n - 1) * r.sd / std::sqrt(static_cast<double>(r.n));
  r.ci_lo = r.mean - r.half_width;
  r.ci_hi = r.mean + r.half_width;
  r.resolved = r.n >= 2 && (r.ci_lo > 0 || r.ci_hi < 0);
  return r;
}

PairedBootstrap paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b, int n_bootstrap,
                                 uint64_t seed) {
  if (a.size() != b.size())
    throw UserError("paired_bootstrap: the runs have " + std::to_string(a.size()) + " and " +
                    std::to_string(b.size()) + " prompts; pairing needs the same prompts");
  if (a.empty()) throw UserError("paired_bootstrap: no prompts");
  if (n_bootstrap < 1) throw UserError("paired_bootstrap: n_bootstrap must be >= 1");
  const int64_t n = static_cast<int64_t>(a.size());
  std::vector<double> d(a.size());
  for (size_t i = 0; i < a.size(); ++i) d[i] = b[i] - a[i];
  PairedBootstrap r;
  r.n = static_cast<int>(n);
  r.mean = mean(d);
  Rng rng(derive_seed(seed, "paired_bootstrap"));
  std::vector<double> means;
  means.reserve(n_bootstrap);
  for (int k = 0; k < n_bootstrap; ++k) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += d[rng.uniform_int(0, n - 1)];
    means.push_back(sum / static_cast<double>(n));
  }
  r.ci_lo = percentile(means, 2.5);
  r.ci_hi = percentile(means, 97.5);
  r.resolved = r.ci_lo > 0 || r.ci_hi < 0;
  return r;
}

double paired_mdd(double sd, int n) {
  if (n < 2 || !(sd >= 0))
    throw UserError("paired_mdd: need n >= 2 and sd >= 0 (got n=" + std::to_string(n) + ", sd=" +
                    std::to_string(sd) + ")");
  const double df = n - 1;
  return (t_quantile(0.975, df) + t_quantile(0.80, df)) * sd / std::sqrt(static_cast<double>(n));
}

std::optional<int> paired_seeds_needed(double sd, double delta, int n_max) {
  if (!(delta > 0)) throw UserError("paired_seeds_needed: delta must be > 0 (got " + std::to_string(delta) + ")");
  // The MDD falls monotonically with n (both the t factor and 1/√n do), so the first n that fits is it.
  for (int n = 2; n <= n_max; ++n)
    if (paired_mdd(sd, n) <= delta) return n;
  return std::nullopt;
}

}  // namespace swepo::metrics
