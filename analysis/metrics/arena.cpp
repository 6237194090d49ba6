#include "analysis/metrics/arena.h"

#include <cmath>

#include "analysis/metrics/stats.h"
#include "core/util/seeding.h"

namespace swepo::metrics {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::ModelMuchBetter: return "A>>B";
    case Verdict::ModelBetter: return "A>B";
    case Verdict::Tie: return "A=B";
    case Verdict::BaselineBetter: return "B>A";
    case Verdict::BaselineMuchBetter: return "B>>A";
  }
  return "?";
}

Verdict arena_verdict(double d, double tie_margin, double decisive_margin) {
  const double a = std::fabs(d);
  if (a < tie_margin) return Verdict::Tie;
  if (a >= decisive_margin) return d > 0 ? Verdict::ModelMuchBetter : Verdict::BaselineMuchBetter;
  return d > 0 ? Verdict::ModelBetter : Verdict::BaselineBetter;
}

ArenaResult arena_winrate(const std::vector<Verdict>& games, int n_bootstrap, uint64_t seed) {
  // Expand games into battles: each battle's score for the model is 1, 0.5 or 0.
  std::vector<double> battles;
  for (Verdict v : games) {
    switch (v) {
      case Verdict::ModelMuchBetter: battles.insert(battles.end(), 3, 1.0); break;
      case Verdict::ModelBetter: battles.push_back(1.0); break;
      case Verdict::Tie: battles.push_back(0.5); break;
      case Verdict::BaselineBetter: battles.push_back(0.0); break;
      case Verdict::BaselineMuchBetter: battles.insert(battles.end(), 3, 0.0); break;
    }
  }
  ArenaResult r;
  r.n_games = static_cast<int>(games.size());
  r.n_battles = static_cast<int>(battles.size());
  if (battles.empty()) return r;
  r.win_rate = 100.0 * mean(battles);
  if (n_bootstrap <= 0) {
    r.ci_lo = r.ci_hi = r.win_rate;
    return r;
  }
  Rng rng(derive_seed(seed, "arena_bootstrap"));
  std::vector<double> rates;
  const int64_t n = r.n_battles;
  for (int b = 0; b < n_bootstrap; ++b) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += battles[rng.uniform_int(0, n - 1)];
    rates.push_back(100.0 * s / static_cast<double>(n));
  }
  r.ci_lo = percentile(rates, 2.5);
  r.ci_hi = percentile(rates, 97.5);
  return r;
}

}  // namespace swepo::metrics
