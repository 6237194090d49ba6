// AdamW construction with parameter groups, the learning-rate setter, and a gradient clipper that
// keeps the norm on the device (no host synchronisation).
//
// Groups: weight decay applies to weight matrices (dim >= 2) except embeddings (names containing
// "emb"); norm gains, biases and embeddings get none. With a tied head the embedding matrix is the
// head: no decay either.
#pragma once
#include <memory>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

namespace swepo {

struct TrainerConfig;

// AdamW over the trainable parameters of `model` (requires_grad), two groups as above.
std::unique_ptr<torch::optim::Optimizer> make_adamw(torch::nn::Module& model,
                                                    const TrainerConfig& cfg);

// Sets the learning rate of every group.
void set_learning_rate(torch::optim::Optimizer& opt, double lr);

// Scales the gradients of `params` so that their global L2 norm is at most `max_norm` (when
// max_norm > 0) and returns the norm before clipping as a 0-d float tensor on the parameters'
// device. Same arithmetic as torch.nn.utils.clip_grad_norm_ (coef = max_norm / (norm + 1e-6),
// capped at 1), but without reading the norm on the host.
at::Tensor clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

}  // namespace swepo
