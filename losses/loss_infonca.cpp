// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_infonca.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

at::Tensor score_targets(const at::Tensor& scores, const at::Tensor& mask, double temperature) {
  at::Tensor logits = (scores / temperature).masked_fill(mask.logical_not(), kMaskedLogit);  // [B, K]
  at::Tensor p = logits.softmax(1);                                                          // [B, K]
  return at::where(mask, p, at::zeros({}, p.options()));                                    // [B, K]
}

LossOutput loss_infonca(const InfoncaOptions& o, const PreferenceBatch& batch,
                        const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);        // [B, K]
  at::Tensor scores = clean_scores(batch);              // [B, K]
  at::Tensor p = score_targets(scores, batch.mask, o.reward_temperature).to(s.scalar_type());  // [B, K]
  at::Tensor log_q = s.masked_fill(batch.mask.logical_not(), kMaskedLogit).log_softmax(1);  // [B, K]
  at::Tensor raw = -masked_sum(p * log_q, batch.mask);  // [B]
  return make_mean_split_output(raw, s, scores, batch.mask, traits);
}

}  // namespace swepo
