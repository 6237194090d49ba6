// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_dpo_all_pairs.h"

#include <torch/torch.h>

#include "losses/loss_dpo.h"
#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

LossOutput loss_dpo_all_pairs(const DpoAllPairsOptions& o, const PreferenceBatch& batch,
                              const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);                    // [B, K]
  at::Tensor scores = clean_scores(batch);                          // [B, K]
  at::Tensor both = batch.mask.unsqueeze(2).logical_and(batch.mask.unsqueeze(1));  // [B, K, K]
  at::Tensor pairs = both.logical_and(scores.unsqueeze(2).gt(scores.unsqueeze(1)));  // [B, K, K]
  at::Tensor count = pairs.sum({1, 2});                             // [B]
  at::Tensor used = prompts_used(scores, batch.mask, traits).logical_and(count.gt(0));  // [B]
  at::Tensor h = s.unsqueeze(2) - s.unsqueeze(1);                   // [B, K, K]
  at::Tensor pair_loss = dpo_pair_loss(h, o.label_smoothing);       // [B, K, K]
  at::Tensor total =
      at::where(pairs, pair_loss, at::zeros({}, pair_loss.options())).sum({1, 2});  // [B]
  at::Tensor raw = total / count.clamp_min(1).to(s.scalar_type());  // [B]
  return make_loss_output(raw, used, metrics_from_pairs(s, pairs, used));
}

}  // namespace swepo
