// Dimension glossary: B prompts, K response slots per prompt.
#include "losses/loss_metrics.h"

#include <torch/torch.h>

#include "losses/loss_select.h"

namespace swepo {

MetricSum metric_mean(const at::Tensor& x, const at::Tensor& include) {
  at::Tensor xd = x.detach().to(at::kDouble);                                     // same shape
  at::Tensor sum = at::where(include, xd, at::zeros({}, xd.options())).sum();      // []
  at::Tensor count = include.sum().to(at::kDouble);                               // []
  return {sum, count};
}

namespace {

// rewards/accuracies over pairs [B, K, K] of s [B, K] (detached float64).
MetricSum pair_accuracy(const at::Tensor& sd, const at::Tensor& pairs) {
  at::Tensor wins = sd.unsqueeze(2).gt(sd.unsqueeze(1)).logical_and(pairs);  // [B, K, K]
  return {wins.sum().to(at::kDouble), pairs.sum().to(at::kDouble)};
}

}  // namespace

std::map<std::string, MetricSum> metrics_from_sets(const at::Tensor& s, const at::Tensor& accepted,
                                                   const at::Tensor& rejected, const at::Tensor& used) {
  at::Tensor sd = s.detach().to(at::kDouble);                        // [B, K]
  at::Tensor acc = accepted.logical_and(used.unsqueeze(1));          // [B, K]
  at::Tensor rej = rejected.logical_and(used.unsqueeze(1));          // [B, K]
  at::Tensor pairs = acc.unsqueeze(2).logical_and(rej.unsqueeze(1));  // [B, K, K]
  return {{"rewards/chosen", metric_mean(sd, acc)},
          {"rewards/rejected", metric_mean(sd, rej)},
          {"rewards/accuracies", pair_accuracy(sd, pairs)}};
}

std::map<std::string, MetricSum> metrics_from_pairs(const at::Tensor& s, const at::Tensor& pairs,
                                                    const at::Tensor& used) {
  at::Tensor sd = s.detach().to(at::kDouble);                                       // [B, K]
  at::Tensor p = pairs.logical_and(used.view({-1, 1, 1}));                          // [B, K, K]
  at::Tensor count = p.sum().to(at::kDouble);                                       // []
  at::Tensor chosen = (p.to(at::kDouble) * sd.unsqueeze(2)).sum();                  // []: Σ s_i
  at::Tensor rejected = (p.to(at::kDouble) * sd.unsqueeze(1)).sum();                // []: Σ s_j
  return {{"rewards/chosen", {chosen, count}},
          {"rewards/rejected", {rejected, count}},
          {"rewards/accuracies", pair_accuracy(sd, p)}};
}

LossOutput make_loss_output(const at::Tensor& raw, const at::Tensor& used,
                            std::map<std::string, MetricSum> metrics) {
  LossOutput out;
  out.per_prompt = at::where(used, raw, at::zeros({}, raw.options()));  // [B]
  out.used = used;                                                      // [B]
  out.metrics = std::move(metrics);
  return out;
}

LossOutput make_mean_split_output(const at::Tensor& raw, const at::Tensor& s, const at::Tensor& scores,
                                  const at::Tensor& mask, const LossTraits& traits) {
  at::Tensor used = prompts_used(scores, mask, traits);  // [B]
  at::Tensor acc = above_mean(scores, mask);             // [B, K]
  at::Tensor rej = mask.logical_and(acc.logical_not());  // [B, K]
  return make_loss_output(raw, used, metrics_from_sets(s, acc, rej, used));
}

}  // namespace swepo
