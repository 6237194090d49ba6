// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_nll.h"

#include <torch/torch.h>

#include "losses/loss_metrics.h"
#include "losses/loss_score.h"
#include "losses/loss_select.h"

namespace swepo {

at::Tensor best_response_nll(const PreferenceBatch& batch) {
  at::Tensor pol = loss_compute_dtype(batch.policy_logps);                        // [B, K]
  at::Tensor best = best_index(clean_scores(batch), batch.mask);                  // [B] int64
  at::Tensor len = batch.lengths.to(pol.scalar_type()).detach();                  // [B, K]
  return -pick(pol, best) / pick(len, best);                                      // [B]
}

void add_nll_term(LossOutput& out, const PreferenceBatch& batch, double weight) {
  at::Tensor pref = out.per_prompt;                                               // [B]
  at::Tensor nll = best_response_nll(batch).to(pref.scalar_type());               // [B]
  at::Tensor zero = at::zeros({}, pref.options());                                // []
  out.per_prompt = at::where(out.used, pref + weight * nll, zero);                // [B]
  out.metrics["loss/pref"] = metric_mean(pref, out.used);
  out.metrics["loss/nll"] = metric_mean(nll, out.used);
}

}  // namespace swepo
