#include <gtest/gtest.h>

#include <cmath>

#include "analysis/metrics/length_controlled.h"
#include "core/util/error.h"
#include "reference_fista.h"

using namespace swepo::metrics;

namespace {

LcRow row(double pref, double out_len, double base_len, double diff = 0, bool not_gamed = true,
          const char* set = "") {
  return {pref, out_len, base_len, diff, not_gamed, set};
}

}  // namespace

TEST(LengthControlled, ConstantLengthsAnalytic) {
  // 50 model rows, all with preference 1.7 and the same Δlen (sd = 0 -> the length feature is 0).
  // The minimal GLM is then θ alone; every fold looks like the whole set, so held-out loss falls
  // as C grows: C = 1e4 wins. Refit on 50 rows: σ(θ) = .7 − 1/(C n) = .7 − 1/(1e4 · 50) = .699998.
  // LC = 100 σ(θ) = 69.9998; WR = 70, standard error 0.
  std::vector<LcRow> rows(50, row(1.7, 12, 10));
  LcOptions o;
  o.glm = "length_controlled_minimal";
  LcResult r = length_controlled_winrate(rows, o);
  EXPECT_NEAR(r.C, 1e4, 1e-6);
  EXPECT_NEAR(r.raw.win_rate, 70.0, 1e-12);
  EXPECT_NEAR(r.raw.standard_error, 0.0, 1e-12);
  EXPECT_NEAR(r.lc, 69.9998, 1e-7);
  EXPECT_NEAR(r.coef_not_gamed, std::log(0.699998 / 0.300002), 1e-7);
  EXPECT_EQ(r.coef_length, 0.0);
  EXPECT_EQ(r.n, 50);
  EXPECT_EQ(r.n_gamed, 0);
}

TEST(LengthControlled, DifficultyTermRecoversTwoLevels) {
  // noreg, 60 rows alternating γ = 0 (preference 1.6) and γ = 1 (preference 1.8), equal lengths.
  // Near the unpenalised optimum (C = 1e4): θ = logit .6, θ + ψ = logit .8, so
  // LC = 100 · (.6 + .8) / 2 = 70 (up to the tiny L1 shrinkage).
  std::vector<LcRow> rows;
  for (int i = 0; i < 60; ++i) rows.push_back(i % 2 ? row(1.8, 9, 9, 1.0) : row(1.6, 9, 9, 0.0));
  LcOptions o;
  o.glm = "length_controlled_noreg";
  LcResult r = length_controlled_winrate(rows, o);
  EXPECT_NEAR(r.C, 1e4, 1e-6);
  EXPECT_NEAR(r.lc, 70.0, 1e-3);
  EXPECT_NEAR(r.coef_not_gamed, std::log(0.6 / 0.4), 1e-3);
  EXPECT_NEAR(r.coef_difficulty, std::log(0.8 / 0.2) - std::log(0.6 / 0.4), 1e-3);
}

TEST(LengthControlled, LengthFeatureAgainstReference) {
  // Δlen = baseline − output = [0, −2, 2, −4, 0, 4]; mean 0; sd = sqrt((4+4+16+16)/5) = sqrt(8).
  // Longer outputs are preferred, so the length coefficient is negative (Δlen < 0 means a longer
  // model output). Coefficients are compared with an independent FISTA fit at the chosen C.
  std::vector<LcRow> rows = {row(1.5, 10, 10), row(1.8, 12, 10), row(1.3, 8, 10),
                             row(1.9, 14, 10), row(1.5, 10, 10), row(1.1, 6, 10)};
  LcOptions o;
  o.glm = "length_controlled_minimal";
  LcResult r = length_controlled_winrate(rows, o);
  EXPECT_NEAR(r.sd_delta_len, std::sqrt(8.0), 1e-12);
  EXPECT_NEAR(r.raw.win_rate, 100.0 * 3.1 / 6.0, 1e-12);
  std::vector<std::vector<double>> x;
  std::vector<double> y, w;
  for (const auto& rr : rows) {
    x.push_back({1.0, std::tanh((rr.baseline_len - rr.output_len) / std::sqrt(8.0))});
    y.push_back(rr.preference - 1);
    w.push_back(1.0);
  }
  const auto ref = reference::fista_l1_logistic(x, y, w, r.C, 200000);
  EXPECT_NEAR(r.coef_not_gamed, ref[0], 1e-6);
  EXPECT_NEAR(r.coef_length, ref[1], 1e-6);
  EXPECT_LT(r.coef_length, 0.0);
  EXPECT_NEAR(r.lc, 100.0 * reference::sig(ref[0]), 1e-5);
}

TEST(LengthControlled, GamedRowsEnterWithHalfLambdaAndTheirOwnSd) {
  // 10 model rows, longer outputs preferred; verbose-baseline rows (gamed, longer than the
  // baseline) and concise ones, each set with its own Δlen sd, weight λ/2 = .1.
  std::vector<LcRow> rows;
  for (int i = 0; i < 10; ++i)
    rows.push_back(row(1.0 + 0.08 * i + 0.1, 8 + i, 12, 0.1 * (i % 3)));
  for (int i = 0; i < 10; ++i) rows.push_back(row(1.7 - 0.02 * i, 18 + (i % 4), 12, 0.1 * (i % 3), false, "verbose"));
  for (int i = 0; i < 10; ++i) rows.push_back(row(1.3 + 0.01 * i, 6 + (i % 2), 12, 0.1 * (i % 3), false, "concise"));
  LcResult r = length_controlled_winrate(rows, {});
  EXPECT_EQ(r.glm, "length_controlled_v1");
  EXPECT_EQ(r.n, 10);
  EXPECT_EQ(r.n_gamed, 20);
  // Reference features: sd per set (sample std of Δlen over that set's rows).
  auto sd_of = [&](bool not_gamed, const std::string& set) {
    std::vector<double> d;
    for (const auto& rr : rows)
      if (rr.not_gamed == not_gamed && rr.gamed_set == set) d.push_back(rr.baseline_len - rr.output_len);
    double m = 0, s = 0;
    for (double v : d) m += v / d.size();
    for (double v : d) s += (v - m) * (v - m);
    return std::sqrt(s / (d.size() - 1));
  };
  std::vector<std::vector<double>> x;
  std::vector<double> y, w;
  for (const auto& rr : rows) {
    const double sd = sd_of(rr.not_gamed, rr.gamed_set);
    x.push_back({rr.not_gamed ? 1.0 : 0.0, std::tanh((rr.baseline_len - rr.output_len) / sd), rr.difficulty});
    y.push_back(rr.preference - 1);
    w.push_back(rr.not_gamed ? 1.0 : 0.1);
  }
  const auto ref = reference::fista_l1_logistic(x, y, w, r.C, 200000);
  EXPECT_NEAR(r.coef_not_gamed, ref[0], 1e-5);
  EXPECT_NEAR(r.coef_length, ref[1], 1e-5);
  EXPECT_NEAR(r.coef_difficulty, ref[2], 1e-5);
  double lc = 0;
  for (int i = 0; i < 10; ++i) lc += 100.0 * reference::sig(ref[0] + ref[2] * rows[i].difficulty) / 10;
  EXPECT_NEAR(r.lc, lc, 1e-4);
  // Longer model outputs won more often: controlling for length lowers the win rate.
  EXPECT_LT(r.lc, r.raw.win_rate);
  // noreg drops the 20 gamed rows.
  LcOptions o;
  o.glm = "length_controlled_noreg";
  EXPECT_EQ(length_controlled_winrate(rows, o).n_gamed, 0);
}

TEST(LengthControlled, UnknownGlmIsAUserError) {
  LcOptions o;
  o.glm = "length_controled_v1";
  try {
    length_controlled_winrate({row(1.5, 1, 1)}, o);
    FAIL();
  } catch (const swepo::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'length_controlled_v1'"), std::string::npos) << e.what();
  }
}
