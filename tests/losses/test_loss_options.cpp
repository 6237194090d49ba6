// Options added for the reproduction at the authors' scale (issue 16), worked by hand: swepo's
// score_norm (none | center | zscore) and split (mean | median), and the auxiliary NLL term every
// registered loss has (nll_weight): its value, its gradient against finite differences, and
// nll_weight = 0 being the loss exactly as without it.
#include <gtest/gtest.h>

#include <cmath>

#include "core/util/error.h"
#include "loss_test_util.h"
#include "losses/loss_select.h"

namespace swepo::test {
namespace {

// One prompt, β = 1, policy = reference (s = 0), α = 1, p = 1, S = [1, 2, 4, 9]:
// S̄ = 4, Δ = [−3, −2, 0, 5], median = (2 + 4)/2 = 3.
const Group kFour{{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 2, 4, 9}, {}};

TEST(LossOptions, SwepoScoreNormNoneAndCenterAreTheSame) {
  // none: u = |Δ| = [3, 2, 0, 5], Y+ = {3}: L = −5 + ln(e³ + e² + 1 + e⁵) = 0.1755153626167143.
  // center: S − S̄ = Δ, whose own mean is 0, so Δ and the loss are unchanged.
  for (const char* opts : {"{beta: 1, alpha: 1, p: 1}", "{beta: 1, alpha: 1, p: 1, score_norm: none}",
                           "{beta: 1, alpha: 1, p: 1, score_norm: center}"})
    EXPECT_NEAR(mean_value(*loss_named("swepo", opts), make_batch({kFour})), 0.1755153626167143, 1e-12) << opts;
}

TEST(LossOptions, SwepoZscore) {
  // σ = sqrt((9 + 4 + 0 + 25)/4) = sqrt(9.5) (population std); u = |Δ|/σ; Y+ = {3} (the split is
  // unchanged by a positive scale): L = −5/σ + ln(e^{3/σ} + e^{2/σ} + 1 + e^{5/σ}) = 0.7409426438307072.
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1, score_norm: zscore}");
  EXPECT_NEAR(mean_value(*loss, make_batch({kFour})), 0.7409426438307072, 1e-12);
  // z-scores do not depend on the score scale: S·10 + 7 gives the same loss.
  Group scaled{{0, 0, 0, 0}, {0, 0, 0, 0}, {17, 27, 47, 97}, {}};
  EXPECT_NEAR(mean_value(*loss, make_batch({scaled})), 0.7409426438307072, 1e-12);
  // σ = 0 (all tied): skipped as without normalisation, exactly 0, no NaN.
  Group tied{{-1, -2, -3}, {0, 0, 0}, {5, 5, 5}, {}};
  LossOutput out = run(*loss, make_batch({kFour, tied}));
  EXPECT_FALSE(out.used[1].item<bool>());
  EXPECT_EQ(out.per_prompt[1].item<double>(), 0.0);
  EXPECT_NEAR(out.mean_loss().item<double>(), 0.7409426438307072, 1e-12);
}

TEST(LossOptions, SwepoSplitMedian) {
  // K = 4: median 3, Y+ = {S = 4, S = 9} = slots {2, 3}; the weights still use Δ from the mean,
  // s' = [3, 2, 0, 5]: L = −ln(1 + e⁵) + ln(e³ + e² + 1 + e⁵) = 0.16880001412759604.
  // dL/ds = −softmax_{Y+}(s') + softmax(s'), Z = e³ + e² + 1 + e⁵, P = 1 + e⁵:
  //   [e³/Z, e²/Z, −1/P + 1/Z, −e⁵/P + e⁵/Z].
  auto loss = loss_named("swepo", "{beta: 1, alpha: 1, p: 1, split: median}");
  PreferenceBatch b = make_batch({kFour});
  EXPECT_NEAR(mean_value(*loss, b), 0.16880001412759604, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), 0.11354961935990124, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), 0.04177257051535045, 1e-12);
  EXPECT_NEAR(g[0][2].item<double>(), -0.0010395482620685252, 1e-12);
  EXPECT_NEAR(g[0][3].item<double>(), -0.15428264161318317, 1e-12);
  // K_b = 3 padded to K = 4, S = [0, 4, 5]: S̄ = 3, Δ = [−3, 1, 2], median 4 (padding ignored).
  //   mean split:   Y+ = {1, 2}: L = −ln(e + e²) + ln(e³ + e + e²) = 1.0943442769261575
  //   median split: Y+ = {2}:    L = −2 + ln(e³ + e + e²)          = 1.4076059644443801
  Group three{{0, 0, 0}, {0, 0, 0}, {0, 4, 5}, {}};
  PreferenceBatch b3 = make_batch({three}, 4, 100.0);
  EXPECT_NEAR(mean_value(*loss_named("swepo", "{beta: 1, alpha: 1, p: 1}"), b3), 1.0943442769261575, 1e-12);
  EXPECT_NEAR(mean_value(*loss, b3), 1.4076059644443801, 1e-12);
  // Both prompts in one batch: the mean of the two.
  PreferenceBatch both = make_batch({kFour, three});
  EXPECT_NEAR(mean_value(*loss, both), (0.16880001412759604 + 1.4076059644443801) / 2, 1e-12);
  // Nothing strictly above the median (S = [1, 5, 5, 5]: median 5): Y+ = the three at the median,
  // so the prompt is used (as with the mean split: only all-equal scores are skipped, which the
  // trainer's accumulation relies on). S̄ = 4, Δ = [−3, 1, 1, 1], s' = [3, 1, 1, 1]:
  //   L = −ln(3e) + ln(e³ + 3e) = 1.2421406652450213.
  Group top{{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 5, 5, 5}, {}};
  LossOutput out = run(*loss, make_batch({top}));
  EXPECT_TRUE(out.used[0].item<bool>());
  EXPECT_NEAR(mean_value(*loss, make_batch({top})), 1.2421406652450213, 1e-12);
  Group tied{{0, 0, 0}, {0, 0, 0}, {5, 5, 5}, {}};
  EXPECT_FALSE(run(*loss, make_batch({tied})).used[0].item<bool>());  // all equal: skipped
}

TEST(LossOptions, ScoreMedianHelper) {
  // [1, 2, 4, 9] -> 3; [0, 4, 5, pad] -> 4; [7, pad, pad, pad] -> 7.
  PreferenceBatch b = make_batch({kFour, {{0, 0, 0}, {}, {0, 4, 5}, {}}, {{0}, {}, {7}, {}}}, 4, -50.0);
  at::Tensor m = score_median(b.scores, b.mask);
  EXPECT_DOUBLE_EQ(m[0].item<double>(), 3);
  EXPECT_DOUBLE_EQ(m[1].item<double>(), 4);
  EXPECT_DOUBLE_EQ(m[2].item<double>(), 7);
}

TEST(LossOptions, SwepoOptionChoicesAreChecked) {
  EXPECT_THROW(loss_named("swepo", "{score_norm: minmax}"), UserError);
  EXPECT_THROW(loss_named("swepo", "{split: mode}"), UserError);
  EXPECT_THROW(loss_named("dpo", "{nll_weight: -1}"), UserError);
}

// NLL group: policy = reference = [−2, −6, −3] (s = 0), S = [3, 1, 2], lengths [4, 3, 1]; best = 0.
const Group kNll{{-2, -6, -3}, {-2, -6, -3}, {3, 1, 2}, {4, 3, 1}};

TEST(LossOptions, NllTermValueGradientAndMetrics) {
  // DPO best_vs_worst, β = 1: L_pref = −log σ(0) = ln 2; NLL = −(−2)/4 = 0.5; λ = 0.1:
  // L = ln 2 + 0.05 = 0.7431471805599453. dL/dπ_0 = −σ(0) − λ/|y_0| = −0.5 − 0.025 = −0.525,
  // dL/dπ_1 (worst) = +0.5, dL/dπ_2 = 0.
  auto loss = loss_named("dpo", "{beta: 1, pairing: best_vs_worst, nll_weight: 0.1}");
  EXPECT_TRUE(loss->traits().needs_lengths);
  PreferenceBatch b = make_batch({kNll});
  EXPECT_NEAR(mean_value(*loss, b), 0.7431471805599453, 1e-12);
  at::Tensor g = grad_of(*loss, b);
  EXPECT_NEAR(g[0][0].item<double>(), -0.525, 1e-12);
  EXPECT_NEAR(g[0][1].item<double>(), 0.5, 1e-12);
  EXPECT_NEAR(g[0][2].item<double>(), 0.0, 1e-12);
  EXPECT_TRUE(at::allclose(g, finite_difference(*loss, b), 1e-6, 1e-7));
  LossOutput out = run(*loss, b);
  auto m = finalize_metrics(out.metrics, out.used);
  EXPECT_NEAR(m.at("loss/pref"), std::log(2.0), 1e-12);
  EXPECT_NEAR(m.at("loss/nll"), 0.5, 1e-12);
  // A tied prompt is skipped by DPO and gets no NLL either (exactly 0, no gradient).
  Group tied{{-1, -2, -3}, {0, 0, 0}, {5, 5, 5}, {1, 1, 1}};
  LossOutput two = run(*loss, make_batch({kNll, tied}));
  EXPECT_EQ(two.per_prompt[1].item<double>(), 0.0);
  EXPECT_NEAR(two.mean_loss().item<double>(), 0.7431471805599453, 1e-12);
  // Lengths are required once nll_weight > 0, even for a loss that does not read them otherwise.
  PreferenceBatch nolen = make_batch({kNll});
  nolen.lengths = at::Tensor();
  EXPECT_THROW(run(*loss, nolen), UserError);
  EXPECT_NO_THROW(run(*loss_named("dpo", "{beta: 1, pairing: best_vs_worst}"), nolen));
}

// Every registered loss: nll_weight 0 is the loss exactly as without the option; nll_weight λ adds
// λ · mean over used prompts of −π_best/|y_best|, and its gradient matches finite differences.
class NllEveryLoss : public ::testing::TestWithParam<std::string> {};

TEST_P(NllEveryLoss, ZeroIsIdenticalAndLambdaAddsTheTerm) {
  const std::string name = GetParam();
  const bool ref = find_loss(name).traits.needs_reference;
  // Two prompts with distinct scores, one padded to K_b = 3; best slots 0 (S 8) and 2 (S 3).
  std::vector<Group> groups = {{{-5, -6, -7, -4}, {-5.5, -5, -7, -6}, {8, 3, 5, 1}, {10, 12, 9, 4}},
                               {{-4, -3, -6}, {-4.5, -3.5, -5}, {1, 2, 3}, {6, 5, 8}}};
  PreferenceBatch b = make_batch(groups);
  if (!ref) b.ref_logps = at::Tensor();
  auto base = loss_named(name, "{beta: 0.5}");
  auto zero = loss_named(name, "{beta: 0.5, nll_weight: 0}");
  auto with = loss_named(name, "{beta: 0.5, nll_weight: 0.3}");
  LossOutput o0 = run(*base, b), oz = run(*zero, b), ol = run(*with, b);
  EXPECT_TRUE(at::equal(o0.per_prompt, oz.per_prompt)) << name;
  EXPECT_TRUE(at::equal(grad_of(*base, b), grad_of(*zero, b))) << name;
  EXPECT_EQ(o0.metrics.size(), oz.metrics.size()) << name;
  EXPECT_EQ(oz.metrics.count("loss/nll"), 0u) << name;
  // NLL per prompt: best slot 0 (S 8): −(−5)/10 = 0.5; best slot 2 (S 3): −(−6)/8 = 0.75.
  const double nll[2] = {0.5, 0.75};
  for (int i = 0; i < 2; ++i) {
    if (!o0.used[i].item<bool>()) continue;
    EXPECT_NEAR(ol.per_prompt[i].item<double>() - o0.per_prompt[i].item<double>(), 0.3 * nll[i], 1e-12) << name;
  }
  EXPECT_TRUE(at::allclose(grad_of(*with, b), finite_difference(*with, b), 1e-6, 1e-7)) << name;
  auto m = finalize_metrics(ol.metrics, ol.used);
  EXPECT_NEAR(m.at("loss/pref"), o0.mean_loss().item<double>(), 1e-12) << name;
}

INSTANTIATE_TEST_SUITE_P(Registry, NllEveryLoss, ::testing::ValuesIn(loss_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace swepo::test
