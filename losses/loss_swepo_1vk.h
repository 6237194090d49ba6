// swepo_1vk: Swepo-1-vs-k (Gupta et al. 2025, "SWEPO: Simultaneous Weighted Preference Optimization
// for Group Contrastive Alignment"): the best response against all valid responses.
//
//   Y+ = {best},  L = −s_best + LSE_j s_j
//
// Equals infonca with a one-hot target on the best response. Metrics: chosen = {best}, rejected =
// the other valid responses.
#pragma once
#include "losses/loss.h"

namespace swepo {

struct Swepo1vkOptions {
  double beta = 0.1;  // docs/SPEC.md: every loss's default
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
  }
};

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_swepo_1vk(const Swepo1vkOptions& o, const PreferenceBatch& batch,
                          const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
