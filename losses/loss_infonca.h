// infonca: InfoNCA (Chen et al. 2024, "Noise Contrastive Alignment of Language Models with Explicit
// Rewards"): cross-entropy from score targets to the softmax of the implicit rewards.
//
//   p = softmax(S/τ) over the valid responses,  L = −Σ_i p_i log softmax(s)_i
//
// Every prompt is used (equal scores give uniform targets). Metrics: chosen = responses scored
// above the prompt's mean, rejected = the rest.
#pragma once
#include "losses/loss.h"

namespace swepo {

struct InfoncaOptions {
  double beta = 0.1;  // docs/SPEC.md: every loss's default
  // τ in score units; 1.0 keeps the annotator's 1-10 scale as logits (our choice: the paper tunes
  // it per data set).
  double reward_temperature = 1.0;
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("reward_temperature", reward_temperature, "τ of the targets softmax(S/τ), in score units; > 0");
    v.require(reward_temperature > 0, "reward_temperature", "must be > 0");
  }
};

// Targets softmax(S/τ) over valid responses, 0 at padding. scores [B, K] float64   -> [B, K]
at::Tensor score_targets(const at::Tensor& scores, const at::Tensor& mask, double temperature);

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_infonca(const InfoncaOptions& o, const PreferenceBatch& batch,
                        const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
