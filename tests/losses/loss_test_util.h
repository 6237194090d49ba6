// Helpers for the loss tests: build float64 batches from per-group lists, run a loss by name,
// read its gradient, and compute central finite differences.
//
// Dimension glossary: B prompts (groups), K response slots (the largest group; others padded).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "losses/registry.h"

namespace swepo::test {

struct Group {
  std::vector<double> policy, ref, scores, lengths;  // [K_b] each; ref/lengths may be empty
};

// Pads groups to [B, K] (K = max(k_min, largest group)); padded slots get `pad` in every field
// (lengths: 1 unless pad is NaN) and mask false. policy_logps requires grad.
inline PreferenceBatch make_batch(const std::vector<Group>& groups, int64_t k_min = 0,
                                  double pad = 0.0, at::ScalarType dtype = at::kDouble) {
  int64_t b = static_cast<int64_t>(groups.size()), k = k_min;
  for (const auto& g : groups) k = std::max<int64_t>(k, g.policy.size());
  auto field = [&](std::vector<double> Group::*f, double fill) {
    at::Tensor t = at::full({b, k}, fill, at::kDouble);  // [B, K]
    bool any = false;
    for (int64_t i = 0; i < b; ++i)
      for (size_t j = 0; j < (groups[i].*f).size(); ++j) {
        t[i][static_cast<int64_t>(j)] = (groups[i].*f)[j];
        any = true;
      }
    return any ? t.to(dtype) : at::Tensor();
  };
  PreferenceBatch batch;
  batch.policy_logps = field(&Group::policy, pad).requires_grad_(true);
  batch.ref_logps = field(&Group::ref, pad);
  batch.scores = field(&Group::scores, pad);
  batch.lengths = field(&Group::lengths, std::isnan(pad) ? pad : 1.0);
  batch.mask = at::zeros({b, k}, at::kBool);
  for (int64_t i = 0; i < b; ++i)
    for (size_t j = 0; j < groups[i].policy.size(); ++j) batch.mask[i][static_cast<int64_t>(j)] = true;
  return batch;
}

// Builds `name` with options given as YAML flow text, e.g. "{beta: 0.5, pairing: best_vs_worst}".
inline std::unique_ptr<Loss> loss_named(const std::string& name, const std::string& options = "{}") {
  YAML::Node cfg = YAML::Load(options);
  cfg["name"] = name;
  return make_loss(cfg);
}

inline LossOutput run(const Loss& loss, const PreferenceBatch& batch, uint64_t seed = 0) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return loss.compute(batch, gen);
}

inline double mean_value(const Loss& loss, const PreferenceBatch& batch, uint64_t seed = 0) {
  return run(loss, batch, seed).mean_loss().item<double>();
}

// d mean_loss / d policy_logps                                              -> [B, K]
inline at::Tensor grad_of(const Loss& loss, const PreferenceBatch& batch, uint64_t seed = 0) {
  PreferenceBatch b = batch;
  b.policy_logps = batch.policy_logps.detach().clone().requires_grad_(true);
  run(loss, b, seed).mean_loss().backward();
  return b.policy_logps.grad();
}

// Central finite differences of mean_loss w.r.t. each valid policy_logps entry (0 at padding). -> [B, K]
inline at::Tensor finite_difference(const Loss& loss, const PreferenceBatch& batch, uint64_t seed = 0,
                                    double eps = 1e-6) {
  at::Tensor base = batch.policy_logps.detach().clone();  // [B, K]
  at::Tensor out = at::zeros_like(base);                  // [B, K]
  for (int64_t i = 0; i < base.size(0); ++i)
    for (int64_t j = 0; j < base.size(1); ++j) {
      if (!batch.mask[i][j].item<bool>()) continue;
      PreferenceBatch b = batch;
      b.policy_logps = base.clone();
      b.policy_logps[i][j] += eps;
      double up = mean_value(loss, b, seed);
      b.policy_logps = base.clone();
      b.policy_logps[i][j] -= eps;
      double down = mean_value(loss, b, seed);
      out[i][j] = (up - down) / (2 * eps);
    }
  return out;
}

}  // namespace swepo::test
