// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_swepo.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

LossOutput loss_swepo(const SwepoOptions& o, const PreferenceBatch& batch,
                      const LossTraits& traits, at::Generator& /*gen*/) {
  at::Tensor s = implicit_scores(batch, o.beta);                        // [B, K]
  at::Tensor scores = clean_scores(batch);                              // [B, K]
  at::Tensor delta = score_deviation(scores, batch.mask);               // [B, K] float64
  // center: S − S̄ has the same Δ; zscore divides Δ by the prompt's std (0 stays 0: tied).
  if (o.score_norm == "zscore") delta = delta / score_std(delta, batch.mask);  // [B, K]
  at::Tensor u = delta.abs().pow(o.p);                                  // [B, K]: 0^0 = 1
  if (o.weighting == "signed") u = delta.sign() * u;                    // [B, K]
  at::Tensor log_w = o.alpha * u;                                       // [B, K] float64, no grad
  at::Tensor shifted = s + log_w.to(s.scalar_type());                   // [B, K]: s'
  at::Tensor pos = batch.mask.logical_and(delta.gt(0));                 // [B, K]: Y+ (mean split)
  if (o.split == "median") {
    // Above the median; when the best responses tie at the median ([1, 5, 5, 5]), those at it. So
    // a prompt is used exactly when its scores are not all equal, as for the mean split (the
    // trainer's accumulation counts on the traits' prediction of the prompts used).
    at::Tensor med = score_median(scores, batch.mask).unsqueeze(1);      // [B, 1]
    at::Tensor above = batch.mask.logical_and(scores.gt(med));          // [B, K]
    pos = at::where(above.any(1, /*keepdim=*/true), above, batch.mask.logical_and(scores.ge(med)));
  }
  at::Tensor neg = batch.mask.logical_and(pos.logical_not());           // [B, K]: Y−
  at::Tensor used = prompts_used(scores, batch.mask, traits).logical_and(pos.any(1));  // [B]
  // An unused prompt's Y+ is empty: use its valid set instead so the value stays finite.
  at::Tensor pos_safe = at::where(used.unsqueeze(1), pos, batch.mask);  // [B, K]
  at::Tensor raw = -masked_logsumexp(shifted, pos_safe) + masked_logsumexp(shifted, batch.mask);  // [B]
  auto metrics = metrics_from_sets(s, pos, neg, used);
  at::Tensor w = log_w.exp();                                           // [B, K] float64
  metrics["weights/accepted"] = metric_mean(w, pos.logical_and(used.unsqueeze(1)));
  metrics["weights/rejected"] = metric_mean(w, neg.logical_and(used.unsqueeze(1)));
  return make_loss_output(raw, used, std::move(metrics));
}

}  // namespace swepo
