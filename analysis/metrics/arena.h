// Arena-Hard-style win rate against a baseline (docs/SPEC.md section 4). Tensor-free.
// A game's verdict is on 5 levels; a decisive verdict (≫) counts as 3 battles, a clear one (>) as 1,
// a tie as 1 battle scored half. With every battle against the baseline, the Bradley-Terry win rate
// equals the weighted share of wins: WR = 100 · Σ score / Σ battles. The 95% interval is the
// 2.5 / 97.5 percentiles (numpy linear interpolation) over n_bootstrap resamples of the battles,
// drawn with a seeded portable RNG.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace swepo::metrics {

enum class Verdict { ModelMuchBetter, ModelBetter, Tie, BaselineBetter, BaselineMuchBetter };
const char* verdict_name(Verdict v);  // "A>>B" ... from the model's side (model = A)

// Verdict from a judged score difference d (model − baseline): |d| < tie_margin: Tie;
// |d| >= decisive_margin: ≫; otherwise >.
Verdict arena_verdict(double d, double tie_margin, double decisive_margin);

struct ArenaResult {
  double win_rate = 0;  // percent
  double ci_lo = 0, ci_hi = 0;
  int n_games = 0, n_battles = 0;
};
ArenaResult arena_winrate(const std::vector<Verdict>& games, int n_bootstrap = 100, uint64_t seed = 0);

}  // namespace swepo::metrics
