// Activation checkpointing (engine/recompute.h, trainer.activation_checkpointing): the recomputed
// path gives the plain path's values and gradients, the same dropout mask, and one trainer step
// gives the same update in both layouts.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/metrics_sink.h"
#include "engine/recompute.h"
#include "engine/train_pref.h"
#include "losses/registry.h"
#include "train_test_util.h"

namespace swepo {
namespace {

auto f64 = torch::TensorOptions().dtype(torch::kDouble);

// y = dropout(tanh(x W) * g): parameters W, g; the dropout draws from the global CPU generator.
struct Toy {
  at::Tensor W = torch::randn({5, 4}, f64).requires_grad_(true);
  at::Tensor g = torch::randn({4}, f64).requires_grad_(true);
  at::Tensor operator()(const at::Tensor& x) const { return torch::dropout(torch::tanh(x.matmul(W)) * g, 0.5, true); }
};

TEST(Recompute, ValuesAndGradientsEqualThePlainPathWithTheSameDropoutMask) {
  torch::manual_seed(3);
  Toy toy;
  const at::Tensor x0 = torch::randn({3, 5}, f64);
  const at::Tensor w = torch::randn({3, 4}, f64);  // the downstream weighting of y
  auto run = [&](bool recompute) {
    at::Tensor x = x0.clone().requires_grad_(true);
    torch::manual_seed(11);  // the same dropout draw in the forward of both paths
    at::Tensor y = recompute ? recompute_in_backward([&](const at::Tensor& h) { return toy(h); }, x, {toy.W, toy.g})
                             : toy(x);
    torch::randn({100});  // draws between forward and backward must not change the recomputed mask
    (y * w).sum().backward();
    std::vector<at::Tensor> out = {y.detach(), x.grad().clone(), toy.W.grad().clone(), toy.g.grad().clone()};
    toy.W.mutable_grad().zero_();
    toy.g.mutable_grad().zero_();
    return out;
  };
  const auto plain = run(false), rec = run(true);
  ASSERT_GT(plain[0].eq(0).sum().item<int64_t>(), 0);  // dropout dropped something
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_TRUE(torch::equal(plain[i], rec[i])) << "tensor " << i;
}

TEST(Recompute, FrozenParametersAndInputGetNoGradient) {
  Toy toy;
  toy.W.set_requires_grad(false);
  at::Tensor x = torch::randn({2, 5}, f64);  // no grad
  at::Tensor y = recompute_in_backward([&](const at::Tensor& h) { return torch::tanh(h.matmul(toy.W)) * toy.g; }, x,
                                       {toy.W, toy.g});
  y.sum().backward();
  EXPECT_FALSE(toy.W.grad().defined());
  EXPECT_TRUE(toy.g.grad().defined());
}

// The model in float64: logits and every parameter's gradient equal with checkpointing on/off.
TEST(Recompute, ModelGradientsEqualThePlainPathFloat64) {
  ModelConfig c = test::tiny_model_config();
  seed_model_init(4);
  ModelBuild build;
  build.dtype = torch::kDouble;
  Transformer plain(c, build);
  Transformer ckpt = clone_model(plain);
  ckpt->set_activation_checkpointing(true);
  const at::Tensor tokens = torch::randint(0, c.vocab_size, {2, 12}, torch::kLong);
  const at::Tensor w = torch::randn({2, 12, c.vocab_size}, f64);
  at::Tensor la = plain->forward(tokens), lb = ckpt->forward(tokens);
  EXPECT_TRUE(torch::allclose(la, lb, 0, 0));
  (la * w).sum().backward();
  (lb * w).sum().backward();
  auto pa = plain->named_parameters(), pb = ckpt->named_parameters();
  for (const auto& item : pa) {
    const at::Tensor& ga = item.value().grad();
    const at::Tensor& gb = pb[item.key()].grad();
    ASSERT_TRUE(ga.defined() && gb.defined()) << item.key();
    const double rel = (ga - gb).norm().item<double>() / std::max(ga.norm().item<double>(), 1e-300);
    EXPECT_LE(rel, 1e-12) << item.key();
  }
  // Without autograd (reference passes, generation) nothing is recomputed: the same values.
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::allclose(plain->forward(tokens), ckpt->forward(tokens), 0, 0));
}

// One preference step (lr 1, AdamW eps 1: the update is a smooth function of the gradient) with
// and without trainer.activation_checkpointing, in both layouts: relative L2 difference <= 1e-6
// (float32).
TEST(Recompute, TrainerStepGivesThePlainUpdateInBothLayouts) {
  for (const std::string layout : {"shared_prompt", "rows"}) {
    auto update = [&](bool ckpt) {
      TrainerConfig cfg = test::one_step_config();
      cfg.layout = layout;
      cfg.activation_checkpointing = ckpt;
      const int64_t n0 = recomputations();
      const at::Tensor u = test::one_step_update("swepo", cfg);
      // One recomputation per layer and micro-batch when on (2 layers, 1 micro-batch), none when off.
      EXPECT_EQ(recomputations() - n0, ckpt ? 2 : 0) << layout;
      return u;
    };
    const at::Tensor plain = update(false), ckpt = update(true);
    ASSERT_GT(plain.norm().item<double>(), 0.0);
    EXPECT_LE((ckpt - plain).norm().item<double>() / plain.norm().item<double>(), 1e-6) << layout;
  }
}

}  // namespace
}  // namespace swepo
