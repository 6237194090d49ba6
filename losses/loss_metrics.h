// docs/SPEC.md's metrics as (sum, count) pairs, computed detached in float64 from which responses a
// loss treats as accepted/chosen and rejected, restricted to the prompts it uses.
//
// Dimension glossary: B prompts, K response slots per prompt.
#pragma once
#include <map>
#include <string>

#include <ATen/core/Tensor.h>

#include "losses/loss.h"

namespace swepo {

// From response sets: rewards/chosen = mean s over accepted responses, rewards/rejected = mean s over
// rejected ones, rewards/accuracies = fraction of (accepted i, rejected j) pairs of the same prompt
// with s_i > s_j. s, accepted, rejected: [B, K]; used: [B] bool.
std::map<std::string, MetricSum> metrics_from_sets(const at::Tensor& s, const at::Tensor& accepted,
                                                   const at::Tensor& rejected, const at::Tensor& used);

// From explicit pairs [B, K, K] (pairs[b, i, j]: i chosen over j): chosen/rejected are means over
// pairs of s_i and s_j, accuracies the fraction of pairs with s_i > s_j.
std::map<std::string, MetricSum> metrics_from_pairs(const at::Tensor& s, const at::Tensor& pairs,
                                                    const at::Tensor& used);

// (Σ x over include, count of include) as a detached float64 MetricSum. x, include: same shape.
MetricSum metric_mean(const at::Tensor& x, const at::Tensor& include);

// Packs a loss's result: per_prompt = where(used, raw, 0) (exact 0 and no gradient where unused).
// raw: [B] (must be finite where used), used: [B] bool.
LossOutput make_loss_output(const at::Tensor& raw, const at::Tensor& used,
                            std::map<std::string, MetricSum> metrics);

// make_loss_output for the losses over all K responses with soft targets (InfoNCA, NCA): the prompts
// used per `traits`, metrics over the split at the mean score (accepted: above the mean; rejected:
// the other valid responses). raw: [B]; s, scores, mask: [B, K].
LossOutput make_mean_split_output(const at::Tensor& raw, const at::Tensor& s, const at::Tensor& scores,
                                  const at::Tensor& mask, const LossTraits& traits);

}  // namespace swepo
