// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_dpo_best_vs_rest.h"

#include <torch/torch.h>

#include "losses/loss_dpo.h"
#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

LossOutput loss_dpo_best_vs_rest(const DpoBestVsRestOptions& o, const PreferenceBatch& batch,
                                 const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);                    // [B, K]
  at::Tensor scores = clean_scores(batch);                          // [B, K]
  at::Tensor best = best_index(scores, batch.mask);                 // [B]
  at::Tensor is_best = index_mask(best, s.size(1));                 // [B, K]
  at::Tensor rest = batch.mask.logical_and(is_best.logical_not());  // [B, K]
  at::Tensor used = prompts_used(scores, batch.mask, traits);       // [B]
  at::Tensor h = pick(s, best).unsqueeze(1) - s;                    // [B, K]: s_best − s_j
  at::Tensor pair_loss = dpo_pair_loss(h, o.label_smoothing);       // [B, K]
  at::Tensor n = rest.sum({1}).clamp_min(1).to(s.scalar_type());    // [B]
  at::Tensor raw = masked_sum(pair_loss, rest) / n;                 // [B]
  return make_loss_output(raw, used, metrics_from_sets(s, is_best, rest, used));
}

}  // namespace swepo
