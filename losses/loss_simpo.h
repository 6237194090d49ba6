// simpo: Simple Preference Optimisation (Meng et al. 2024): reference-free, the reward is the
// length-normalised policy log-prob, and a target margin γ separates w from l.
//
//   s_i = β log πθ(y_i|x) / |y_i|,  L = −log σ(s_w − s_l − γ)
//
// Pairs as dpo. Metrics (on SimPO's own s): chosen = {w}, rejected = {l}.
#pragma once
#include <string>

#include "losses/loss.h"
#include "losses/loss_select.h"

namespace swepo {

struct SimpoOptions {
  double beta = 0.1;  // docs/SPEC.md: every loss's default (the SimPO paper tunes β in [2, 2.5])
  // SimPO recommends γ/β ≈ 0.5; at the default β = 0.1 that is γ = 0.05.
  double gamma = 0.05;
  std::string pairing = "best_vs_random";  // as dpo
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the length-normalised reward s = β log πθ / |y|; > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("gamma", gamma, "target reward margin γ (SimPO recommends γ/β ≈ 0.5)");
    v("pairing", pairing, kPairingHelp);
    v.choice("pairing", pairing, {"best_vs_random", "best_vs_worst"});
  }
};

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_simpo(const SimpoOptions& o, const PreferenceBatch& batch,
                      const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
