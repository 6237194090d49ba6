// docs/SPEC.md section 2's identities and gradient signs, and numerical stability.
#include <gtest/gtest.h>

#include <cmath>

#include "loss_test_util.h"

namespace swepo::test {
namespace {

// Random groups (K = 5, some padded to K_b = 3) with integer scores 1..10 that are not all equal.
std::vector<Group> random_groups(int n, uint64_t seed) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  std::vector<Group> out;
  for (int i = 0; i < n; ++i) {
    int k = i % 3 == 0 ? 3 : 5;
    at::Tensor pol = at::randn({k}, gen, at::kDouble) * 5 - 20;                      // [k]
    at::Tensor ref = pol + at::randn({k}, gen, at::kDouble) * 3;                     // [k]
    at::Tensor sc = at::randint(1, 11, {k}, gen, at::TensorOptions().dtype(at::kDouble));  // [k]
    if ((sc == sc[0]).all().item<bool>()) sc[0] = sc[0].item<double>() == 10 ? 1.0 : 10.0;
    Group g;
    for (int j = 0; j < k; ++j) {
      g.policy.push_back(pol[j].item<double>());
      g.ref.push_back(ref[j].item<double>());
      g.scores.push_back(sc[j].item<double>());
    }
    out.push_back(g);
  }
  return out;
}

TEST(LossIdentities, SwepoLemma53GradientSigns) {
  // ∂L/∂s_j > 0 for every j ∈ Y− and ∂L/∂s_i < 0 for every i ∈ Y+ (s = β(π − πref), so the
  // gradient w.r.t. π has the same sign). Y+ = {i : S_i > S̄}.
  std::vector<Group> gs = random_groups(40, 1);
  PreferenceBatch b = make_batch(gs);
  for (const char* opt : {"{alpha: 1, p: 1}", "{alpha: 0.5, p: 2}", "{alpha: 3, p: 0}",
                          "{alpha: 1, p: 1, weighting: signed}"}) {
    auto loss = loss_named("swepo", opt);
    at::Tensor g = grad_of(*loss, b);  // [B, K]
    for (size_t i = 0; i < gs.size(); ++i) {
      double mean = 0;
      for (double s : gs[i].scores) mean += s / gs[i].scores.size();
      for (size_t j = 0; j < gs[i].scores.size(); ++j) {
        double gij = g[i][j].item<double>();
        if (gs[i].scores[j] > mean + 1e-9)
          EXPECT_LT(gij, 0.0) << opt << " group " << i << " response " << j;
        else
          EXPECT_GT(gij, 0.0) << opt << " group " << i << " response " << j;
      }
    }
  }
}

TEST(LossIdentities, SwepoWithTwoResponsesIsDpoBestVsWorst) {
  // K = 2: Δ = ±d, so u is equal on both sides and α u cancels; L = −s_w + LSE(s_w, s_l)
  // = log(1 + e^{−(s_w − s_l)}) = dpo.
  std::vector<Group> gs;
  for (auto& g : random_groups(12, 2)) {
    g.policy.resize(2), g.ref.resize(2), g.scores.resize(2);
    if (g.scores[0] == g.scores[1]) g.scores[1] += 1;
    gs.push_back(g);
  }
  PreferenceBatch b = make_batch(gs);
  for (const char* opt : {"{alpha: 1, p: 1}", "{alpha: 2.5, p: 2}"}) {
    auto swepo = loss_named("swepo", std::string(opt).insert(1, "beta: 0.2, "));
    auto dpo = loss_named("dpo", "{beta: 0.2, pairing: best_vs_worst}");
    EXPECT_TRUE(at::allclose(run(*swepo, b).per_prompt, run(*dpo, b).per_prompt, 1e-12, 1e-12));
    EXPECT_TRUE(at::allclose(grad_of(*swepo, b), grad_of(*dpo, b), 1e-12, 1e-12));
  }
}

TEST(LossIdentities, Swepo1vkIsInfoncaWithOneHotTarget) {
  // τ = 1e-3 with integer scores: softmax(S/τ) puts e^{−1000} = 0 (in float64) on every response
  // but the best; where the best score is tied, the one-hot is not reached, so break ties first.
  std::vector<Group> gs = random_groups(20, 3);
  for (auto& g : gs)
    for (size_t j = 0; j < g.scores.size(); ++j) g.scores[j] += 0.01 * j;  // distinct scores
  PreferenceBatch b = make_batch(gs);
  auto one_vs_k = loss_named("swepo_1vk", "{beta: 0.1}");
  auto infonca = loss_named("infonca", "{beta: 0.1, reward_temperature: 0.0001}");
  EXPECT_TRUE(at::allclose(run(*one_vs_k, b).per_prompt, run(*infonca, b).per_prompt, 1e-12, 1e-12));
  EXPECT_TRUE(at::allclose(grad_of(*one_vs_k, b), grad_of(*infonca, b), 1e-12, 1e-12));
}

TEST(LossIdentities, SwepoWithPZeroIsIndependentOfAlpha) {
  // p = 0: u = 1 for every response (0^0 = 1), s' = s + α shifts all logits alike and cancels.
  std::vector<Group> gs = random_groups(20, 4);
  gs[0].scores = {3, 5, 4};  // a response exactly at the mean (Δ = 0 → u = 0^0 = 1)
  PreferenceBatch b = make_batch(gs);
  auto base = loss_named("swepo", "{alpha: 0, p: 0}");
  at::Tensor l0 = run(*base, b).per_prompt, g0 = grad_of(*base, b);
  for (double alpha : {0.5, 1.0, 7.0}) {
    auto loss = loss_named("swepo", "{p: 0, alpha: " + std::to_string(alpha) + "}");
    EXPECT_TRUE(at::allclose(run(*loss, b).per_prompt, l0, 1e-12, 1e-12)) << alpha;
    EXPECT_TRUE(at::allclose(grad_of(*loss, b), g0, 1e-12, 1e-12)) << alpha;
  }
}

TEST(LossIdentities, StableForLargeImplicitScores) {
  // |s| up to 1e4: β = 0.1, log-ratios ±1e5. Every loss stays finite in value and gradient, in
  // float32 and float64.
  Group g{{1e5, -1e5, 5e4, -5e4}, {0, 0, 0, 0}, {1, 9, 4, 6}, {1, 1, 1, 1}};
  Group h{{-1e5, 1e5, 0, 3}, {0, 0, 0, 0}, {9, 1, 4, 6}, {1, 1, 1, 1}};
  for (auto dtype : {at::kDouble, at::kFloat})
    for (const auto& name : loss_names()) {
      auto loss = loss_named(name);
      PreferenceBatch b = make_batch({g, h}, 0, 0.0, dtype);
      b.policy_logps = b.policy_logps.detach().requires_grad_(true);
      LossOutput out = run(*loss, b);
      EXPECT_TRUE(at::isfinite(out.per_prompt).all().item<bool>()) << name << out.per_prompt;
      out.mean_loss().backward();
      EXPECT_TRUE(at::isfinite(b.policy_logps.grad()).all().item<bool>()) << name;
    }
}

}  // namespace
}  // namespace swepo::test
