// swepo: Swepo-dynamic (Gupta et al. 2025, "SWEPO: Simultaneous Weighted Preference Optimization
// for Group Contrastive Alignment"): responses scored above the prompt's mean against all, each
// response weighted by how far its score deviates from the mean (docs/SPEC.md section 2).
//
//   Δ_i = S_i − S̄,  u_i = |Δ_i|^p (0^0 = 1),  Y+ = {i : Δ_i > 0}
//   score_norm (per prompt over its valid responses, before the split and the weights):
//     none: S as given | center: S − S̄ (Δ is unchanged: the same loss as none) |
//     zscore: (S − S̄)/σ, σ = population std of the valid scores (σ = 0: all tied, skipped)
//   split: mean: Y+ = {Δ_i > 0} | median: Y+ = {S_i > median of the valid S}, or {S_i = median}
//     when the best responses tie at the median (the weights still use Δ from the mean)
//   abs:    s'_i = s_i + α u_i           (weight w_i = exp(α u_i))
//   signed: s'_i = s_i + α sign(Δ_i) u_i (weight w_i = exp(α sign(Δ_i) u_i))
//   L = −LSE_{i ∈ Y+} s'_i + LSE_{all j} s'_j
//
// A prompt whose scores are all equal has an empty Y+ and is skipped. Weights carry no gradient.
// Metrics: chosen = Y+, rejected = the rest; weights/accepted and weights/rejected = mean w.
#pragma once
#include <string>

#include "losses/loss.h"

namespace swepo {

struct SwepoOptions {
  double beta = 0.1;  // docs/SPEC.md: every loss's default
  // α scales the log-weight. The sources we could read state no default; 1.0 (weights e^{u}) is our
  // choice. p = 1 is the paper's best Table-1 row (Swepo-dynamic p=1).
  double alpha = 1.0;
  double p = 1.0;
  std::string weighting = "abs";  // docs/SPEC.md's default
  std::string score_norm = "none";  // none = the paper (scores as the annotator gives them)
  std::string split = "mean";       // mean = the paper
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("alpha", alpha, "α: weight w_i = exp(α u_i); 0 gives unweighted Swepo");
    v("p", p, "p of u_i = |S_i − S̄|^p (0^0 = 1: p = 0 weights every response by exp(α)); >= 0");
    v.require(p >= 0, "p", "must be >= 0");
    v("weighting", weighting,
      "abs: s'_i = s_i + α u_i (the paper) | signed: s'_i = s_i + α sign(S_i − S̄) u_i (down-weights "
      "negatives)");
    v.choice("weighting", weighting, {"abs", "signed"});
    v("score_norm", score_norm,
      "per prompt, over its valid responses, before the split and the weights: none (S as given) | "
      "center (S − S̄; the same loss as none, since Δ does not depend on a shift) | zscore ((S − S̄)/σ, "
      "σ = population std; σ = 0 is a tied prompt, skipped)");
    v.choice("score_norm", score_norm, {"none", "center", "zscore"});
    v("split", split,
      "which responses are Y+: mean (S_i > S̄, the paper) | median (S_i > the median of the valid "
      "scores, or those at the median when the best tie there; the weights still use |S_i − S̄|^p)");
    v.choice("split", split, {"mean", "median"});
  }
};

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_swepo(const SwepoOptions& o, const PreferenceBatch& batch,
                      const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
