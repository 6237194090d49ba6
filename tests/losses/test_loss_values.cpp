// Per-loss values worked out by hand in float64 (arithmetic in the comments).
//
// Shared group G: scores S = [3, 1, 2], policy log-probs [-1, -3, -2], reference [-2, -2, -2], so
// log-ratios are [1, -1, 0] and with β = 0.5 the implicit scores are s = [0.5, -0.5, 0].
// best = 0 (S = 3), worst = 1 (S = 1). softplus(x) = log(1 + e^x), and −log σ(h) = softplus(−h).
#include <gtest/gtest.h>

#include <cmath>

#include "loss_test_util.h"

namespace swepo::test {
namespace {

const Group kG{{-1, -3, -2}, {-2, -2, -2}, {3, 1, 2}, {}};

double softplus(double x) { return std::log1p(std::exp(x)); }

TEST(LossValues, DpoBestVsWorst) {
  // h = s_w − s_l = 0.5 − (−0.5) = 1; L = softplus(−1) = log(1 + e^−1) = 0.31326168751822286.
  auto loss = loss_named("dpo", "{beta: 0.5, pairing: best_vs_worst}");
  PreferenceBatch b = make_batch({kG});
  EXPECT_NEAR(mean_value(*loss, b), softplus(-1), 1e-12);
  EXPECT_NEAR(mean_value(*loss, b), 0.31326168751822286, 1e-12);
  // dL/dh = −σ(−h) = −0.26894142; dL/dπ_w = β dL/dh = −0.13447071, dL/dπ_l = +0.13447071, 0 else.
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), -0.13447071068499755, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), 0.13447071068499755, 1e-12);
  EXPECT_EQ(g[0][2].item<double>(), 0.0);
}

TEST(LossValues, DpoLabelSmoothing) {
  // cDPO, ε = 0.1, h = 1: 0.9 softplus(−1) + 0.1 softplus(1); softplus(1) − softplus(−1) = 1, so
  // L = softplus(−1) + 0.1 = 0.41326168751822286.
  auto loss = loss_named("dpo", "{beta: 0.5, pairing: best_vs_worst, label_smoothing: 0.1}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kG})), 0.41326168751822286, 1e-12);
}

TEST(LossValues, DpoBestVsRandomDrawsAnOtherResponseUniformly) {
  // K = 3 with distinct s: the drawn l is 1 (h = 1) or 2 (h = 0.5), never the best; over 3000
  // prompts each appears ~1500 times (binomial sd ≈ 27; we allow ±200).
  auto loss = loss_named("dpo", "{beta: 0.5}");
  std::vector<Group> groups(3000, kG);
  PreferenceBatch b = make_batch(groups);
  LossOutput out = run(*loss, b, 7);
  at::Tensor per = out.per_prompt.detach();  // [B]
  int64_t vs_worst = per.sub(softplus(-1)).abs().lt(1e-12).sum().item<int64_t>();
  int64_t vs_mid = per.sub(softplus(-0.5)).abs().lt(1e-12).sum().item<int64_t>();
  EXPECT_EQ(vs_worst + vs_mid, 3000);
  EXPECT_NEAR(static_cast<double>(vs_worst), 1500.0, 200.0);
  // Deterministic for a seed; another seed draws differently.
  EXPECT_TRUE(at::equal(per, run(*loss, b, 7).per_prompt.detach()));
  EXPECT_FALSE(at::equal(per, run(*loss, b, 8).per_prompt.detach()));
}

TEST(LossValues, DpoBestVsRest) {
  // Pairs (0,1): h = 1; (0,2): h = 0.5. L = (softplus(−1) + softplus(−0.5))/2
  //   = (0.31326169 + 0.47407698)/2 = 0.39366933584916475.
  auto loss = loss_named("dpo_best_vs_rest", "{beta: 0.5}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kG})), 0.39366933584916475, 1e-12);
}

TEST(LossValues, DpoAllPairs) {
  // Pairs with S_i > S_j: (0,1) h = 1, (0,2) h = 0.5, (2,1) h = 0 − (−0.5) = 0.5.
  // L = (softplus(−1) + 2 softplus(−0.5))/3 = (0.31326169 + 0.94815397)/3 = 0.42047188529281204.
  auto loss = loss_named("dpo_all_pairs", "{beta: 0.5}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kG})), 0.42047188529281204, 1e-12);
  // With S = [2, 2, 1] the tied pair (0,1) is skipped: pairs (0,2) h = 0.5, (1,2) h = −0.5 − 0 =
  // −0.5. L = (softplus(−0.5) + softplus(0.5))/2 = (0.47407698 + 0.97407698)/2 = 0.72407698.
  Group tied = kG;
  tied.scores = {2, 2, 1};
  EXPECT_NEAR(mean_value(*loss, make_batch({tied})), (softplus(-0.5) + softplus(0.5)) / 2, 1e-12);
}

TEST(LossValues, Ipo) {
  // d = (s_w − s_l)/β = 1/0.5 = 2 (the raw log-ratio difference 1 − (−1)); target 1/(2β) = 1;
  // L = (2 − 1)² = 1. dL/dd = 2(d − 1) = 2, so dL/dπ_w = 2, dL/dπ_l = −2.
  auto loss = loss_named("ipo", "{beta: 0.5, pairing: best_vs_worst}");
  PreferenceBatch b = make_batch({kG});
  EXPECT_NEAR(mean_value(*loss, b), 1.0, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), 2.0, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), -2.0, 1e-12);
}

// InfoNCA/NCA group: β = 1, τ = 2, S = [2 ln 3, 0, 0] so S/τ = [ln 3, 0, 0] and p = [3/5, 1/5, 1/5];
// policy [ln 2, 0, 0] against reference 0 gives s = [ln 2, 0, 0].
const Group kNce{{std::log(2.0), 0, 0}, {0, 0, 0}, {2 * std::log(3.0), 0, 0}, {}};

TEST(LossValues, Infonca) {
  // softmax(s) = [2/4, 1/4, 1/4]; L = −(3/5 ln(1/2) + 2/5 ln(1/4)) = (3/5 + 4/5) ln 2 = 7/5 ln 2
  //   = 0.9704060527839233. dL/ds = softmax(s) − p = [1/2 − 3/5, 1/4 − 1/5, 1/4 − 1/5]
  //   = [−0.1, 0.05, 0.05].
  auto loss = loss_named("infonca", "{beta: 1, reward_temperature: 2}");
  PreferenceBatch b = make_batch({kNce});
  EXPECT_NEAR(mean_value(*loss, b), 0.9704060527839233, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), -0.1, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), 0.05, 1e-12);
}

TEST(LossValues, Nca) {
  // σ(ln 2) = 2/3, σ(0) = 1/2, σ(−ln 2) = 1/3.
  // L = −[3/5 ln(2/3) + 2/5 ln(1/2)] − 1/3 [ln(1/3) + 2 ln(1/2)]
  //   = 0.24327906 + 0.27725887 + 0.36620409 + 0.46209812 = 1.3488401536848769.
  auto loss = loss_named("nca", "{beta: 1, reward_temperature: 2}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kNce})), 1.3488401536848769, 1e-12);
}

TEST(LossValues, Swepo1vk) {
  // β = 1, s = [ln 2, 0, 0], best = 0: L = −ln 2 + ln(2 + 1 + 1) = ln 2 = 0.6931471805599453.
  // dL/ds = softmax(s) − onehot(best) = [−1/2, 1/4, 1/4].
  Group g = kNce;
  g.scores = {3, 1, 2};
  auto loss = loss_named("swepo_1vk", "{beta: 1}");
  PreferenceBatch b = make_batch({g});
  EXPECT_NEAR(mean_value(*loss, b), std::log(2.0), 1e-12);
  at::Tensor grad = grad_of(*loss, b);
  EXPECT_NEAR(grad[0][0].item<double>(), -0.5, 1e-12);
  EXPECT_NEAR(grad[0][2].item<double>(), 0.25, 1e-12);
}

// Swepo group: β = 1, policy = reference (s = 0), S = [3, 1, 2]: S̄ = 2, Δ = [1, −1, 0], Y+ = {0}.
const Group kSwepo{{0, 0, 0}, {0, 0, 0}, {3, 1, 2}, {}};

TEST(LossValues, SwepoAbs) {
  // α = 1, p = 1: u = [1, 1, 0], s' = [1, 1, 0]. L = −1 + ln(e + e + 1) = −1 + ln(6.43656366)
  //   = 0.861994804058251. dL/ds = −softmax_{Y+}(s') + softmax(s'), Z = 2e + 1:
  //   [−1 + e/Z, e/Z, 1/Z] = [−0.57768120, 0.42231880, 0.15536240].
  // Weights: w = e^u = [e, e, 1]; weights/accepted = e, weights/rejected = (e + 1)/2.
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1}");
  PreferenceBatch b = make_batch({kSwepo});
  EXPECT_NEAR(mean_value(*loss, b), 0.861994804058251, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), -0.5776812017484818, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), 0.4223187982515182, 1e-12);
  EXPECT_NEAR(g[0][2].item<double>(), 0.15536240349696362, 1e-12);
  auto m = finalize_metrics(run(*loss, b).metrics, run(*loss, b).used);
  EXPECT_NEAR(m.at("weights/accepted"), std::exp(1.0), 1e-12);
  EXPECT_NEAR(m.at("weights/rejected"), (std::exp(1.0) + 1) / 2, 1e-12);
}

TEST(LossValues, SwepoSigned) {
  // signed: s' = [1, −1, 0]; L = −1 + ln(e + e^−1 + 1) = 0.40760596444438035.
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1, weighting: signed}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kSwepo})), 0.40760596444438035, 1e-12);
}

TEST(LossValues, SwepoTwoAccepted) {
  // S = [4, 3, 1, 0]: S̄ = 2, Δ = [2, 1, −1, −2], Y+ = {0, 1}; α = 1, p = 1, s = 0: s' = [2, 1, 1, 2].
  // L = −ln(e² + e) + ln(2e² + 2e) = ln 2.
  Group g{{0, 0, 0, 0}, {0, 0, 0, 0}, {4, 3, 1, 0}, {}};
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1}");
  EXPECT_NEAR(mean_value(*loss, make_batch({g})), std::log(2.0), 1e-12);
  // p = 2, α = 0.5: u = [4, 1, 1, 4], s' = [2, 0.5, 0.5, 2]:
  // L = −ln(e² + e^0.5) + ln(2e² + 2e^0.5) = ln 2 again (Y+ and Y− mirror each other).
  auto loss2 = loss_named("swepo", "{beta: 1, alpha: 0.5, p: 2}");
  EXPECT_NEAR(mean_value(*loss2, make_batch({g})), std::log(2.0), 1e-12);
}

TEST(LossValues, SwepoSkipsTiedPromptAndAveragesOverUsed) {
  // Group 0 as SwepoAbs (L = 0.861994804058251), group 1 all scores equal: Y+ empty, skipped with
  // loss exactly 0; the batch mean is over the one used group.
  Group tied{{-1, -2, -3}, {0, 0, 0}, {5, 5, 5}, {}};
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1}");
  PreferenceBatch b = make_batch({kSwepo, tied});
  LossOutput out = run(*loss, b);
  EXPECT_TRUE(out.used[0].item<bool>());
  EXPECT_FALSE(out.used[1].item<bool>());
  EXPECT_EQ(out.per_prompt[1].item<double>(), 0.0);
  EXPECT_NEAR(out.mean_loss().item<double>(), 0.861994804058251, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_EQ(g[1].abs().sum().item<double>(), 0.0);
  auto m = finalize_metrics(out.metrics, out.used);
  EXPECT_EQ(m.at("groups/used"), 1.0);
  EXPECT_EQ(m.at("groups/skipped"), 1.0);
}

TEST(LossValues, Simpo) {
  // β = 0.5, γ = 0.25, policy [−4, −6, −3], lengths [4, 3, 1], no reference:
  // s = β π/|y| = [0.5·(−1), 0.5·(−2), 0.5·(−3)] = [−0.5, −1, −1.5]; S = [3, 1, 2] → w = 0, l = 1.
  // L = −log σ(s_w − s_l − γ) = softplus(−(0.5 − 0.25)) = softplus(−0.25) = 0.5759394198788437.
  // dL/dπ_w = −σ(−0.25) β/|y_w| = −0.43782350 · 0.125 = −0.05472794.
  Group g{{-4, -6, -3}, {}, {3, 1, 2}, {4, 3, 1}};
  auto loss = loss_named("simpo", "{beta: 0.5, gamma: 0.25, pairing: best_vs_worst}");
  PreferenceBatch b = make_batch({g});
  EXPECT_FALSE(b.ref_logps.defined());
  EXPECT_NEAR(mean_value(*loss, b), 0.5759394198788437, 1e-12);
  double sig = 1 / (1 + std::exp(0.25));
  EXPECT_NEAR(grad_of(*loss, b)[0][0].item<double>(), -sig * 0.125, 1e-12);
}

TEST(LossValues, DpoMetrics) {
  // dpo best_vs_worst on G: chosen s_w = 0.5, rejected s_l = −0.5, margin 1, accuracy 1.
  // Second group with s_w < s_l: policy [−3, −1], reference [−2, −2], S = [2, 1] → s = [−0.5, 0.5],
  // chosen −0.5, rejected 0.5, not accurate. Means: chosen 0, rejected 0, margins 0, accuracy 1/2.
  Group flip{{-3, -1}, {-2, -2}, {2, 1}, {}};
  auto loss = loss_named("dpo", "{beta: 0.5, pairing: best_vs_worst}");
  LossOutput out = run(*loss, make_batch({kG, flip}));
  auto m = finalize_metrics(out.metrics, out.used);
  EXPECT_NEAR(m.at("rewards/chosen"), 0.0, 1e-12);
  EXPECT_NEAR(m.at("rewards/rejected"), 0.0, 1e-12);
  EXPECT_NEAR(m.at("rewards/margins"), 0.0, 1e-12);
  EXPECT_NEAR(m.at("rewards/accuracies"), 0.5, 1e-12);
  EXPECT_EQ(m.at("groups/used"), 2.0);
  EXPECT_EQ(m.at("groups/skipped"), 0.0);
  // Accumulating the first group alone plus the second alone gives the same sums.
  auto a = run(*loss, make_batch({kG})).metrics;
  accumulate_metrics(a, run(*loss, make_batch({flip})).metrics);
  for (const auto& [key, value] : out.metrics) {
    EXPECT_NEAR(a.at(key).sum.item<double>(), value.sum.item<double>(), 1e-12) << key;
    EXPECT_EQ(a.at(key).count.item<double>(), value.count.item<double>()) << key;
  }
}

TEST(LossValues, SwepoMetricsUseAcceptedSets) {
  // S = [4, 3, 1, 0], s = β(π − πref) with β = 1, π = [2, −1, 1, 0], πref = 0: Y+ = {0, 1}.
  // chosen = (2 − 1)/2 = 0.5, rejected = (1 + 0)/2 = 0.5; accuracies over the 4 (acc, rej) pairs:
  // 2 > 1, 2 > 0, −1 > 1 no, −1 > 0 no → 2/4 = 0.5.
  Group g{{2, -1, 1, 0}, {0, 0, 0, 0}, {4, 3, 1, 0}, {}};
  auto loss = loss_named("swepo", "{beta: 1}");
  LossOutput out = run(*loss, make_batch({g}));
  auto m = finalize_metrics(out.metrics, out.used);
  EXPECT_NEAR(m.at("rewards/chosen"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("rewards/rejected"), 0.5, 1e-12);
  EXPECT_NEAR(m.at("rewards/accuracies"), 0.5, 1e-12);
}

}  // namespace
}  // namespace swepo::test
