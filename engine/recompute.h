// Activation checkpointing (trainer.activation_checkpointing): LibTorch's C++ API has no
// checkpoint(), so this is the custom autograd function torch.utils.checkpoint is. Forward runs
// `fn(x)` without a graph and keeps only `x`; backward reruns `fn(x)` with a graph (under the
// autocast state and with the CPU RNG state of the forward, so dropout draws the same mask) and
// backpropagates the incoming gradient into `x` and every tensor of `params` that requires grad.
// The result equals fn(x) and its gradients equal the plain path's (tests/engine/test_recompute.cpp).
//
// `fn` must be a function of `x` and `params` (and of constants that need no gradient).
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include <ATen/core/Tensor.h>

namespace swepo {

using RecomputeFn = std::function<at::Tensor(const at::Tensor&)>;

at::Tensor recompute_in_backward(const RecomputeFn& fn, const at::Tensor& x, const std::vector<at::Tensor>& params);

// Recomputations run by backward passes so far, in this process (tests check the path is taken).
int64_t recomputations();

}  // namespace swepo
