// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_select.h"

#include <torch/torch.h>

#include <limits>

#include "core/util/error.h"

namespace swepo {
namespace {

// The first k where `hit` [B, K] is true (rows are never all false here)    -> [B] int64
at::Tensor first_true_index(const at::Tensor& hit) {
  int64_t k = hit.size(1);
  at::Tensor rank = at::arange(k, 0, -1, hit.options().dtype(at::kLong));  // [K]: K, K-1, ..., 1
  return (hit.to(at::kLong) * rank).argmax(1);                             // [B]: unique maximum
}

}  // namespace

at::Tensor best_index(const at::Tensor& scores, const at::Tensor& mask) {
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor m = scores.masked_fill(mask.logical_not(), -inf);  // [B, K]
  at::Tensor top = std::get<0>(m.max(1, true));                 // [B, 1]
  return first_true_index(m.eq(top).logical_and(mask));          // [B]
}

at::Tensor worst_index(const at::Tensor& scores, const at::Tensor& mask) {
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor m = scores.masked_fill(mask.logical_not(), inf);  // [B, K]
  at::Tensor low = std::get<0>(m.min(1, true));                // [B, 1]
  return first_true_index(m.eq(low).logical_and(mask));         // [B]
}

at::Tensor random_other_index(const at::Tensor& mask, const at::Tensor& exclude, at::Generator& gen) {
  int64_t b = mask.size(0), k = mask.size(1);
  at::Tensor u = at::rand({b}, gen, at::TensorOptions().dtype(at::kDouble)).to(mask.device());  // [B]
  at::Tensor allowed = mask.logical_and(index_mask(exclude, k).logical_not());              // [B, K]
  at::Tensor n = allowed.sum({1});                                                          // [B]
  // r-th allowed slot, r uniform in [0, n): padding and its position never change the draw.
  at::Tensor r = at::minimum((u * n.to(at::kDouble)).floor().to(at::kLong), n - 1).clamp_min(0);  // [B]
  at::Tensor rank = allowed.to(at::kLong).cumsum(1) - 1;                                    // [B, K]
  return first_true_index(allowed.logical_and(rank.eq(r.unsqueeze(1))));                    // [B]
}

at::Tensor scores_tied(const at::Tensor& scores, const at::Tensor& mask) {
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor hi = std::get<0>(scores.masked_fill(mask.logical_not(), -inf).max(1));  // [B]
  at::Tensor lo = std::get<0>(scores.masked_fill(mask.logical_not(), inf).min(1));   // [B]
  return hi.eq(lo);                                                                   // [B]
}

at::Tensor score_deviation(const at::Tensor& scores, const at::Tensor& mask) {
  at::Tensor zero = at::zeros({}, scores.options());                              // []
  at::Tensor s = at::where(mask, scores, zero);                                   // [B, K]
  at::Tensor mean = s.sum({1}, true) / mask.sum({1}, true).to(s.scalar_type());  // [B, 1]
  at::Tensor scale = s.abs().amax({1}, true).clamp_min(1.0);                      // [B, 1]
  at::Tensor delta = s - mean;                                                    // [B, K]
  at::Tensor negligible = delta.abs().le(1e-12 * scale).logical_or(mask.logical_not());  // [B, K]
  return at::where(negligible, zero, delta);                                      // [B, K]
}

at::Tensor score_std(const at::Tensor& delta, const at::Tensor& mask) {
  at::Tensor zero = at::zeros({}, delta.options());                                 // []
  at::Tensor sq = at::where(mask, delta * delta, zero);                             // [B, K]
  at::Tensor var = sq.sum({1}, true) / mask.sum({1}, true).to(delta.scalar_type()); // [B, 1]
  at::Tensor sd = var.sqrt();                                                       // [B, 1]
  return at::where(sd.gt(0), sd, at::ones({}, delta.options()));                    // [B, 1]
}

at::Tensor score_median(const at::Tensor& scores, const at::Tensor& mask) {
  const double inf = std::numeric_limits<double>::infinity();
  at::Tensor sorted = std::get<0>(scores.masked_fill(mask.logical_not(), inf).sort(1));  // [B, K]: valid first
  at::Tensor n = mask.sum({1}).to(at::kLong);                                         // [B]
  at::Tensor lo = (n - 1).clamp_min(0).div(2, "floor").unsqueeze(1);                  // [B, 1]
  at::Tensor hi = n.div(2, "floor").unsqueeze(1);                                     // [B, 1]
  return (sorted.gather(1, lo) + sorted.gather(1, hi)).squeeze(1) / 2;                // [B]
}

at::Tensor above_mean(const at::Tensor& scores, const at::Tensor& mask) {
  return mask.logical_and(score_deviation(scores, mask).gt(0));  // [B, K]
}

at::Tensor prompts_used(const at::Tensor& scores, const at::Tensor& mask, const LossTraits& traits) {
  if (traits.skips_ties) return scores_tied(scores, mask).logical_not();  // [B]
  return at::ones({mask.size(0)}, mask.options());                         // [B]
}

at::Tensor index_mask(const at::Tensor& index, int64_t k) {
  at::Tensor slots = at::arange(k, index.options());     // [K]
  return slots.unsqueeze(0).eq(index.unsqueeze(1));      // [B, K]
}

at::Tensor pick(const at::Tensor& x, const at::Tensor& index) {
  return x.gather(1, index.unsqueeze(1)).squeeze(1);  // [B]
}

ResponsePair select_pair(const at::Tensor& scores, const at::Tensor& mask, const std::string& pairing,
                         at::Generator& gen) {
  ResponsePair p;
  p.w = best_index(scores, mask);  // [B]
  if (pairing == "best_vs_worst")
    p.l = worst_index(scores, mask);  // [B]
  else if (pairing == "best_vs_random")
    p.l = random_other_index(mask, p.w, gen);  // [B]
  else
    throw UserError("unknown pairing '" + pairing + "'; valid: best_vs_random, best_vs_worst");
  return p;
}

}  // namespace swepo
