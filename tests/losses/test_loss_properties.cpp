// Per-loss properties in float64: autograd against central finite differences, invariance to the
// order of responses within a group (deterministic pairings), and padding that changes nothing and
// gets zero gradient.
#include <gtest/gtest.h>

#include <cmath>

#include "loss_test_util.h"

namespace swepo::test {
namespace {

struct Case {
  const char* name;
  const char* options;  // YAML flow mapping
};

// Every loss, with deterministic pairings where the loss has a choice, and options away from the
// defaults where that exercises more code.
const std::vector<Case> kCases = {
    {"dpo", "{beta: 0.3, pairing: best_vs_worst}"},
    {"dpo", "{beta: 0.3, pairing: best_vs_worst, label_smoothing: 0.2}"},
    {"dpo_best_vs_rest", "{beta: 0.3, label_smoothing: 0.1}"},
    {"dpo_all_pairs", "{beta: 0.3}"},
    {"ipo", "{beta: 0.3, pairing: best_vs_worst}"},
    {"infonca", "{beta: 0.3, reward_temperature: 1.5}"},
    {"nca", "{beta: 0.3, reward_temperature: 1.5}"},
    {"swepo_1vk", "{beta: 0.3}"},
    {"swepo", "{beta: 0.3, alpha: 0.7, p: 1}"},
    {"swepo", "{beta: 0.3, alpha: 0.7, p: 2, weighting: signed}"},
    {"swepo", "{beta: 0.3, alpha: 2, p: 0}"},
    {"simpo", "{beta: 0.3, gamma: 0.2, pairing: best_vs_worst}"},
};

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  return std::string(info.param.name) + "_" + std::to_string(info.index);
}

// Three groups with distinct scores (K = 4, 3 and 2), irregular log-probs.
std::vector<Group> groups() {
  return {{{-3.1, -7.4, -2.2, -5.0}, {-4.0, -6.1, -3.3, -4.2}, {7, 2, 9, 4}, {5, 9, 3, 6}},
          {{-10.5, -8.2, -12.0}, {-9.0, -9.5, -11.0}, {3.5, 8, 1}, {12, 8, 15}},
          {{-1.7, -2.9}, {-2.5, -2.0}, {6, 5}, {2, 3}}};
}

class LossProperties : public ::testing::TestWithParam<Case> {};

TEST_P(LossProperties, GradientMatchesFiniteDifferences) {
  auto loss = loss_named(GetParam().name, GetParam().options);
  PreferenceBatch b = make_batch(groups());
  at::Tensor g = grad_of(*loss, b);             // [B, K]
  at::Tensor fd = finite_difference(*loss, b);  // [B, K]
  EXPECT_TRUE(at::allclose(g, fd, 1e-6, 1e-7)) << "autograd\n" << g << "\nfinite differences\n" << fd;
}

TEST_P(LossProperties, PermutingResponsesChangesNothing) {
  auto loss = loss_named(GetParam().name, GetParam().options);
  std::vector<Group> gs = groups();
  std::vector<Group> perm = gs;
  const std::vector<int> order = {2, 0, 3, 1};  // group 0 (K = 4): slot j takes response order[j]
  for (auto field : {&Group::policy, &Group::ref, &Group::scores, &Group::lengths})
    for (size_t j = 0; j < 4; ++j) (perm[0].*field)[j] = (gs[0].*field)[order[j]];
  std::swap(perm[1].policy[0], perm[1].policy[2]);  // group 1: swap responses 0 and 2
  std::swap(perm[1].ref[0], perm[1].ref[2]);
  std::swap(perm[1].scores[0], perm[1].scores[2]);
  std::swap(perm[1].lengths[0], perm[1].lengths[2]);
  PreferenceBatch a = make_batch(gs), p = make_batch(perm);
  LossOutput la = run(*loss, a), lp = run(*loss, p);
  EXPECT_TRUE(at::allclose(la.per_prompt, lp.per_prompt, 1e-12, 1e-12));
  at::Tensor ga = grad_of(*loss, a), gp = grad_of(*loss, p);  // [B, K]
  for (size_t j = 0; j < 4; ++j)
    EXPECT_NEAR(gp[0][j].item<double>(), ga[0][order[j]].item<double>(), 1e-12);
  EXPECT_NEAR(gp[1][0].item<double>(), ga[1][2].item<double>(), 1e-12);
  EXPECT_NEAR(gp[1][2].item<double>(), ga[1][0].item<double>(), 1e-12);
  auto ma = finalize_metrics(la.metrics, la.used), mp = finalize_metrics(lp.metrics, lp.used);
  for (const auto& [key, value] : ma) EXPECT_NEAR(mp.at(key), value, 1e-12) << key;
}

TEST_P(LossProperties, PaddingChangesNothingAndGetsZeroGradient) {
  auto loss = loss_named(GetParam().name, GetParam().options);
  PreferenceBatch tight = make_batch(groups());  // K = 4
  // The same groups padded to K = 6 with NaN in every padded field.
  PreferenceBatch padded = make_batch(groups(), 6, std::nan(""));
  LossOutput lt = run(*loss, tight), lp = run(*loss, padded);
  EXPECT_TRUE(at::allclose(lt.per_prompt, lp.per_prompt, 1e-12, 1e-12))
      << lt.per_prompt << "\n" << lp.per_prompt;
  at::Tensor gt = grad_of(*loss, tight), gp = grad_of(*loss, padded);  // [3, 4], [3, 6]
  EXPECT_TRUE(at::allclose(gp.narrow(1, 0, 4), gt, 1e-12, 1e-12));
  at::Tensor pad_grad = at::where(padded.mask, at::zeros_like(gp), gp);  // [3, 6]
  EXPECT_EQ(pad_grad.abs().sum().item<double>(), 0.0);
  EXPECT_FALSE(at::isnan(gp).any().item<bool>());
  auto mt = finalize_metrics(lt.metrics, lt.used), mp = finalize_metrics(lp.metrics, lp.used);
  for (const auto& [key, value] : mt) EXPECT_NEAR(mp.at(key), value, 1e-12) << key;
}

INSTANTIATE_TEST_SUITE_P(AllLosses, LossProperties, ::testing::ValuesIn(kCases), case_name);

TEST(LossProperties, DpoRandomPairingIgnoresPadding) {
  // best_vs_random draws one uniform per prompt and takes the r-th other valid response, so the
  // same seed picks the same rejected response with or without padding.
  auto loss = loss_named("dpo", "{beta: 0.3}");
  PreferenceBatch tight = make_batch(groups()), padded = make_batch(groups(), 7, std::nan(""));
  for (uint64_t seed = 0; seed < 5; ++seed)
    EXPECT_TRUE(at::allclose(run(*loss, tight, seed).per_prompt, run(*loss, padded, seed).per_prompt,
                             1e-12, 1e-12));
}

}  // namespace
}  // namespace swepo::test
