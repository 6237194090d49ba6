// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_swepo_1vk.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

LossOutput loss_swepo_1vk(const Swepo1vkOptions& o, const PreferenceBatch& batch,
                          const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);                      // [B, K]
  at::Tensor scores = clean_scores(batch);                            // [B, K]
  at::Tensor best = best_index(scores, batch.mask);                   // [B]
  at::Tensor raw = -pick(s, best) + masked_logsumexp(s, batch.mask);  // [B]
  at::Tensor used = prompts_used(scores, batch.mask, traits);         // [B]
  at::Tensor acc = index_mask(best, s.size(1));                       // [B, K]
  at::Tensor rej = batch.mask.logical_and(acc.logical_not());         // [B, K]
  return make_loss_output(raw, used, metrics_from_sets(s, acc, rej, used));
}

}  // namespace swepo
