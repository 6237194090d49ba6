// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_nca.h"

#include <torch/torch.h>

#include "losses/loss_infonca.h"
#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

LossOutput loss_nca(const NcaOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);                        // [B, K]
  at::Tensor scores = clean_scores(batch);                              // [B, K]
  at::Tensor p = score_targets(scores, batch.mask, o.reward_temperature).to(s.scalar_type());  // [B, K]
  at::Tensor k_b = batch.mask.sum({1}).to(s.scalar_type());             // [B]
  at::Tensor pull = masked_sum(p * at::log_sigmoid(s), batch.mask);     // [B]
  at::Tensor push = masked_sum(at::log_sigmoid(-s), batch.mask) / k_b;  // [B]
  at::Tensor raw = -pull - push;                                        // [B]
  return make_mean_split_output(raw, s, scores, batch.mask, traits);
}

}  // namespace swepo
