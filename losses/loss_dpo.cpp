// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_dpo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"

namespace swepo {

at::Tensor dpo_pair_loss(const at::Tensor& h, double label_smoothing) {
  at::Tensor l = -at::log_sigmoid(h);  // same shape as h
  if (label_smoothing > 0) l = (1 - label_smoothing) * l - label_smoothing * at::log_sigmoid(-h);
  return l;
}

LossOutput loss_dpo(const DpoOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& gen) {
  at::Tensor s = implicit_scores(batch, o.beta);                     // [B, K]
  at::Tensor scores = clean_scores(batch);                           // [B, K]
  ResponsePair p = select_pair(scores, batch.mask, o.pairing, gen);  // w, l: [B]
  at::Tensor used = prompts_used(scores, batch.mask, traits);        // [B]
  at::Tensor h = pick(s, p.w) - pick(s, p.l);                        // [B]
  int64_t k = s.size(1);
  return make_loss_output(dpo_pair_loss(h, o.label_smoothing), used,
                          metrics_from_sets(s, index_mask(p.w, k), index_mask(p.l, k), used));
}

}  // namespace swepo
