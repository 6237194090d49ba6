#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/l1_logistic.h"
#include "core/util/seeding.h"
#include "reference_fista.h"

using namespace swepo::metrics;

namespace {

LogisticData constant_feature(const std::vector<double>& y) {
  LogisticData d;
  for (double v : y) {
    d.x.push_back({1.0});
    d.y.push_back(v);
    d.w.push_back(1.0);
  }
  return d;
}

LogisticData make_random_data(int n, uint64_t seed) {
  swepo::Rng rng(seed);
  LogisticData d;
  for (int i = 0; i < n; ++i) {
    const double a = rng.normal(), b = rng.uniform();
    d.x.push_back({1.0, a, b});
    // soft labels from a known logistic model plus noise, clipped to [0, 1]
    const double p = 1 / (1 + std::exp(-(0.4 + 1.2 * a - 0.8 * b)));
    d.y.push_back(std::min(1.0, std::max(0.0, p + 0.1 * rng.normal())));
    d.w.push_back(0.5 + rng.uniform());
  }
  return d;
}

}  // namespace

TEST(L1Logistic, SingleFeatureAnalytic) {
  // One constant feature, y = [1, 1, 1, 0] (mean .75), n = 4. For β > 0 the optimum satisfies
  // C · n · (σ(β) − .75) + 1 = 0, i.e. σ(β) = .75 − 1/(C n).
  // C = 2: σ(β) = .75 − 1/8 = .625 -> β = ln(.625/.375) = ln(5/3).
  auto d = constant_feature({1, 1, 1, 0});
  EXPECT_NEAR(fit_l1_logistic(d, 2.0)[0], std::log(5.0 / 3.0), 1e-9);
  // C = 100: σ(β) = .75 − .0025 = .7475.
  EXPECT_NEAR(fit_l1_logistic(d, 100.0)[0], std::log(0.7475 / 0.2525), 1e-9);
  // C = .25: the subgradient at 0 is |C n (.5 − .75)| = .25 <= 1 -> β = 0 exactly.
  EXPECT_EQ(fit_l1_logistic(d, 0.25)[0], 0.0);
  // Soft labels: y = .3 everywhere, C = 10, n = 4: σ(β) = .3 + 1/40 = .325 (β < 0).
  auto s = constant_feature({.3, .3, .3, .3});
  EXPECT_NEAR(fit_l1_logistic(s, 10.0)[0], std::log(0.325 / 0.675), 1e-9);
}

TEST(L1Logistic, MatchesIndependentFista) {
  auto d = make_random_data(60, 11);
  for (double C : {0.05, 0.5, 10.0}) {
    const auto beta = fit_l1_logistic(d, C);
    const auto ref = reference::fista_l1_logistic(d.x, d.y, d.w, C, 100000);
    for (size_t j = 0; j < beta.size(); ++j) EXPECT_NEAR(beta[j], ref[j], 1e-6) << "C=" << C << " j=" << j;
    EXPECT_LE(l1_logistic_objective(d, C, beta), l1_logistic_objective(d, C, ref) + 1e-9);
  }
}

TEST(L1Logistic, SmallCZeroesCoefficients) {
  auto d = make_random_data(40, 3);
  const auto beta = fit_l1_logistic(d, 1e-4);
  for (double b : beta) EXPECT_EQ(b, 0.0);
}

TEST(L1Logistic, WeightTwoEqualsDuplicatedRow) {
  auto d = make_random_data(20, 5);
  LogisticData dup = d;
  dup.x.push_back(d.x[0]);
  dup.y.push_back(d.y[0]);
  dup.w.push_back(d.w[0]);
  LogisticData w2 = d;
  w2.w[0] *= 2;
  const auto a = fit_l1_logistic(dup, 3.0), b = fit_l1_logistic(w2, 3.0);
  for (size_t j = 0; j < a.size(); ++j) EXPECT_NEAR(a[j], b[j], 1e-10);
}

TEST(L1Logistic, DefaultCsAreLogSpaced) {
  const auto cs = default_Cs();
  ASSERT_EQ(cs.size(), 10u);
  EXPECT_NEAR(cs[0], 1e-4, 1e-16);
  EXPECT_NEAR(cs[9], 1e4, 1e-8);
  for (size_t k = 1; k < cs.size(); ++k) EXPECT_NEAR(std::log10(cs[k] / cs[k - 1]), 8.0 / 9.0, 1e-12);
}

TEST(L1Logistic, CrossValidationByHand) {
  auto d = make_random_data(23, 9);
  const std::vector<double> Cs = {0.01, 1.0, 100.0};
  const L1CvResult r = fit_l1_logistic_cv(d, Cs, 5);
  // Recompute the CV losses: fold f holds rows i with i mod 5 == f.
  std::vector<double> loss(Cs.size(), 0.0);
  for (int f = 0; f < 5; ++f) {
    std::vector<size_t> train, test;
    for (size_t i = 0; i < d.n(); ++i) (static_cast<int>(i % 5) == f ? test : train).push_back(i);
    for (size_t c = 0; c < Cs.size(); ++c) {
      const auto beta = reference::fista_l1_logistic(
          [&] { std::vector<std::vector<double>> x; for (size_t i : train) x.push_back(d.x[i]); return x; }(),
          [&] { std::vector<double> y; for (size_t i : train) y.push_back(d.y[i]); return y; }(),
          [&] { std::vector<double> w; for (size_t i : train) w.push_back(d.w[i]); return w; }(), Cs[c], 60000);
      double s = 0;
      for (size_t i : test) {
        const double q = reference::sig(d.x[i][0] * beta[0] + d.x[i][1] * beta[1] + d.x[i][2] * beta[2]);
        s -= d.w[i] * (d.y[i] * std::log(q) + (1 - d.y[i]) * std::log(1 - q));
      }
      loss[c] += s / test.size() / 5.0;
    }
  }
  size_t best = 0;
  for (size_t c = 0; c < Cs.size(); ++c) {
    EXPECT_NEAR(r.cv_loss[c], loss[c], 1e-6) << c;
    if (loss[c] < loss[best]) best = c;
  }
  EXPECT_EQ(r.C, Cs[best]);
  const auto refit = fit_l1_logistic(d, r.C);
  for (size_t j = 0; j < refit.size(); ++j) EXPECT_DOUBLE_EQ(r.beta[j], refit[j]);
}
