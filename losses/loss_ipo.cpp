// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_ipo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"

namespace swepo {

LossOutput loss_ipo(const IpoOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& gen) {
  at::Tensor s = implicit_scores(batch, o.beta);                     // [B, K]
  at::Tensor scores = clean_scores(batch);                           // [B, K]
  ResponsePair p = select_pair(scores, batch.mask, o.pairing, gen);  // w, l: [B]
  at::Tensor used = prompts_used(scores, batch.mask, traits);        // [B]
  at::Tensor d = (pick(s, p.w) - pick(s, p.l)) / o.beta;             // [B]
  at::Tensor raw = (d - 1.0 / (2.0 * o.beta)).pow(2);                // [B]
  int64_t k = s.size(1);
  return make_loss_output(raw, used,
                          metrics_from_sets(s, index_mask(p.w, k), index_mask(p.l, k), used));
}

}  // namespace swepo
