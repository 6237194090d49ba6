// nca: NCA (Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit
// Rewards"): each response's own sigmoid, pulled up in proportion to its score target and pushed
// down uniformly.
//
//   p = softmax(S/τ) over the valid responses,  L = −Σ_i p_i log σ(s_i) − (1/K_b) Σ_i log σ(−s_i)
//
// Every prompt is used. Metrics: chosen = responses scored above the prompt's mean, rejected = rest.
#pragma once
#include "losses/loss.h"

namespace swepo {

struct NcaOptions {
  double beta = 0.1;                // docs/SPEC.md: every loss's default
  double reward_temperature = 1.0;  // as infonca
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("reward_temperature", reward_temperature, "τ of the targets softmax(S/τ), in score units; > 0");
    v.require(reward_temperature > 0, "reward_temperature", "must be > 0");
  }
};

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_nca(const NcaOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
