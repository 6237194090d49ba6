#include "engine/optim.h"

#include <torch/torch.h>

#include "engine/train_config.h"

namespace swepo {

std::unique_ptr<torch::optim::Optimizer> make_adamw(torch::nn::Module& model,
                                                    const TrainerConfig& cfg) {
  std::vector<at::Tensor> decay, no_decay;
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const bool is_matrix = item.value().dim() >= 2;
    const bool is_embedding = item.key().find("emb") != std::string::npos;
    (is_matrix && !is_embedding ? decay : no_decay).push_back(item.value());
  }
  auto defaults = torch::optim::AdamWOptions(cfg.lr)
                      .betas({cfg.betas.at(0), cfg.betas.at(1)})
                      .eps(cfg.eps)
                      .weight_decay(cfg.weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto with_wd = std::make_unique<torch::optim::AdamWOptions>(defaults);
  auto without_wd = std::make_unique<torch::optim::AdamWOptions>(defaults);
  without_wd->weight_decay(0.0);
  // Both groups always exist (possibly empty) so the optimizer state layout is fixed.
  groups.emplace_back(decay, std::move(with_wd));
  groups.emplace_back(no_decay, std::move(without_wd));
  return std::make_unique<torch::optim::AdamW>(std::move(groups), defaults);
}

void set_learning_rate(torch::optim::Optimizer& opt, double lr) {
  for (auto& g : opt.param_groups()) g.options().set_lr(lr);
}

at::Tensor clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  std::vector<at::Tensor> grads;
  for (const auto& p : params)
    if (p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return torch::zeros({});
  std::vector<at::Tensor> norms;  // each 0-d float32
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(g.detach().to(torch::kFloat32).norm(2));
  at::Tensor total = torch::stack(norms).norm(2);  // 0-d float32
  if (max_norm > 0) {
    at::Tensor coef = (max_norm / (total + 1e-6)).clamp_max(1.0);  // 0-d
    for (auto& g : grads) g.detach().mul_(coef.to(g.scalar_type()));
  }
  return total;
}

}  // namespace swepo
