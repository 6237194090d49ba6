// Paired comparisons of two methods (docs/SPEC.md section 4's seeds, paired): runs of one seed share
// the SFT model, the data order and the evaluation sampling streams, so method B's run with seed s
// is compared with method A's run with seed s, and the statistics are those of the per-seed
// differences d_s = b_s − a_s. Within one seed, two runs' per-prompt values (same prompts) are
// paired the same way over prompts. Tensor-free; the Student t quantile is Boost.Math's
// (header-only).
//
//   paired_diff            d_s over the seeds both have: mean, sd (ddof = 1), n and the 95%
//                          t-interval mean ± t_{0.975,n−1}·sd/√n; resolved = it excludes 0.
//   paired_bootstrap       one seed, per-prompt values of two runs: the 95% percentile interval of
//                          the mean difference over prompt resamples (seeded portable RNG).
//   paired_mdd             the minimum detectable difference at 80% power, two-sided 5%:
//                          (t_{0.975,n−1} + t_{0.80,n−1})·sd/√n.
//   paired_seeds_needed    the smallest n >= 2 whose MDD with this sd is <= Δ.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace swepo::metrics {

// The p-quantile of Student's t with df > 0 degrees of freedom, p in (0, 1): t_{p,df}.
// t_{0.975,1} = 12.706, t_{0.975,30} = 2.042, → 1.960 as df → ∞. UserError outside the domain.
double t_quantile(double p, double df);

struct PairedDiff {
  int n = 0;                    // seeds both sides have
  double mean = 0;              // mean of d_s = b_s − a_s
  double sd = 0;                // sample std of d_s (ddof = 1); 0 for n < 2
  double half_width = 0;        // t_{0.975,n−1}·sd/√n; 0 for n < 2 (no interval)
  double ci_lo = 0, ci_hi = 0;  // mean ∓ half_width
  bool resolved = false;        // n >= 2 and the interval excludes 0
  std::vector<int64_t> seeds;   // the paired seeds, ascending
};
// `a` is the baseline: d_s = b[s] − a[s] for every seed s in both maps (others are ignored).
PairedDiff paired_diff(const std::map<int64_t, double>& a, const std::map<int64_t, double>& b);

struct PairedBootstrap {
  int n = 0;                    // prompts
  double mean = 0;              // mean of b_i − a_i
  double ci_lo = 0, ci_hi = 0;  // percentiles 2.5 / 97.5 of the resampled means
  bool resolved = false;        // the interval excludes 0
};
// a[i], b[i]: the two runs' values on prompt i (same prompts, same order; UserError otherwise or
// when empty). Each of n_bootstrap (>= 1) resamples draws n prompt indices with replacement from
// Rng(derive_seed(seed, "paired_bootstrap")), the generator seed_stats uses.
PairedBootstrap paired_bootstrap(const std::vector<double>& a, const std::vector<double>& b,
                                 int n_bootstrap = 1000, uint64_t seed = 0);

// (t_{0.975,n−1} + t_{0.80,n−1})·sd/√n for n >= 2 paired seeds; UserError for n < 2 or sd < 0.
double paired_mdd(double sd, int n);
// Smallest n in [2, n_max] with paired_mdd(sd, n) <= delta (delta > 0); nullopt when none is.
std::optional<int> paired_seeds_needed(double sd, double delta, int n_max = 1000);

}  // namespace swepo::metrics
