// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_score.h"

#include <torch/torch.h>

namespace swepo {

at::Tensor loss_compute_dtype(const at::Tensor& x) {
  if (x.scalar_type() == at::kDouble || x.scalar_type() == at::kFloat) return x;
  return x.to(at::kFloat);
}

at::Tensor implicit_scores(const PreferenceBatch& batch, double beta) {
  at::Tensor pol = loss_compute_dtype(batch.policy_logps);               // [B, K]
  at::Tensor ref = batch.ref_logps.to(pol.scalar_type()).detach();       // [B, K]
  at::Tensor zero = at::zeros({}, pol.options());                        // []
  at::Tensor diff = at::where(batch.mask, pol, zero) - at::where(batch.mask, ref, zero);  // [B, K]
  return beta * diff;                                                    // [B, K]
}

at::Tensor length_normalised_scores(const PreferenceBatch& batch, double beta) {
  at::Tensor pol = loss_compute_dtype(batch.policy_logps);                     // [B, K]
  at::Tensor len = batch.lengths.to(pol.scalar_type()).detach();               // [B, K]
  at::Tensor zero = at::zeros({}, pol.options());                              // []
  at::Tensor one = at::ones({}, pol.options());                                // []
  return beta * at::where(batch.mask, pol, zero) / at::where(batch.mask, len, one);  // [B, K]
}

at::Tensor clean_scores(const PreferenceBatch& batch) {
  at::Tensor s = batch.scores.detach().to(at::kDouble);            // [B, K]
  return at::where(batch.mask, s, at::zeros({}, s.options()));     // [B, K]
}

at::Tensor masked_logsumexp(const at::Tensor& x, const at::Tensor& include) {
  return x.masked_fill(include.logical_not(), kMaskedLogit).logsumexp({1});  // [B]
}

at::Tensor masked_sum(const at::Tensor& x, const at::Tensor& include) {
  return at::where(include, x, at::zeros({}, x.options())).sum({1});  // [B]
}

}  // namespace swepo
