#include "engine/recompute.h"

#include <torch/torch.h>

#include <atomic>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/ivalue.h>

#include "engine/autocast.h"

namespace swepo {
namespace {

std::atomic<int64_t> g_recomputations{0};

// `fn` travels to the backward pass in the context's saved data, as a capsule.
struct FnHolder : torch::CustomClassHolder {
  explicit FnHolder(RecomputeFn f) : fn(std::move(f)) {}
  RecomputeFn fn;
};

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Recompute : torch::autograd::Function<Recompute> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, at::TensorList params,
                            c10::intrusive_ptr<FnHolder> holder) {
    ctx->saved_data["fn"] = at::IValue::make_capsule(holder);
    ctx->saved_data["autocast"] = autocast_active();
    ctx->saved_data["n_params"] = static_cast<int64_t>(params.size());
    ctx->saved_data["rng"] = at::detail::getDefaultCPUGenerator().get_state();
    ctx->save_for_backward(std::vector<at::Tensor>{x});
    for (const auto& p : params) ctx->saved_data["p" + std::to_string(&p - params.data())] = p;
    torch::NoGradGuard no_grad;  // Function::forward runs without a graph already; made explicit
    return holder->fn(x);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    const at::Tensor saved_x = ctx->get_saved_variables()[0];
    const auto holder = c10::static_intrusive_pointer_cast<FnHolder>(ctx->saved_data["fn"].toCapsule());
    const int64_t n = ctx->saved_data["n_params"].toInt();
    std::vector<at::Tensor> params;
    for (int64_t i = 0; i < n; ++i) params.push_back(ctx->saved_data["p" + std::to_string(i)].toTensor());

    // Recompute with a graph, in the forward's RNG and autocast state.
    at::Generator cpu = at::detail::getDefaultCPUGenerator();
    const at::Tensor rng_now = cpu.get_state();
    cpu.set_state(ctx->saved_data["rng"].toTensor());
    at::Tensor x = saved_x.detach().requires_grad_(saved_x.requires_grad());
    at::Tensor y;
    {
      torch::AutoGradMode grad(true);
      AutocastGuard autocast(ctx->saved_data["autocast"].toBool());
      y = holder->fn(x);
    }
    cpu.set_state(rng_now);
    ++g_recomputations;

    std::vector<at::Tensor> inputs;
    if (x.requires_grad()) inputs.push_back(x);
    for (const auto& p : params)
      if (p.requires_grad()) inputs.push_back(p);
    variable_list grads = inputs.empty() ? variable_list{}
                                         : torch::autograd::grad({y}, inputs, {grad_out[0]}, /*retain_graph=*/false,
                                                                 /*create_graph=*/false, /*allow_unused=*/true);
    // One gradient per forward input: x, each param, then the (non-tensor) holder.
    variable_list out;
    size_t g = 0;
    out.push_back(x.requires_grad() ? grads[g++] : at::Tensor());
    for (const auto& p : params) out.push_back(p.requires_grad() ? grads[g++] : at::Tensor());
    out.push_back(at::Tensor());
    return out;
  }
};

}  // namespace

int64_t recomputations() { return g_recomputations.load(); }

at::Tensor recompute_in_backward(const RecomputeFn& fn, const at::Tensor& x, const std::vector<at::Tensor>& params) {
  return Recompute::apply(x, at::TensorList(params), c10::make_intrusive<FnHolder>(fn));
}

}  // namespace swepo
