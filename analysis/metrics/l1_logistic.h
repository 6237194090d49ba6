// L1-penalised logistic regression without intercept, on soft labels with sample weights: the
// estimator behind AlpacaEval's length-controlled win rate (sklearn LogisticRegressionCV with
// penalty='l1', solver='liblinear', fit_intercept=False). Tensor-free.
//
// Objective (sklearn/liblinear's convention, C multiplies the data term):
//   F(β) = ||β||_1 + C · Σ_i w_i · [ −y_i log σ(x_i·β) − (1 − y_i) log σ(−x_i·β) ]
// Soft labels y_i in [0, 1] are exactly AlpacaEval's trick of duplicating a row as label 1 with
// weight y·w and label 0 with weight (1 − y)·w.
// Solver: proximal Newton (full 3x3-ish Hessian, inner coordinate descent on the quadratic model,
// Armijo backtracking), until the minimum-norm subgradient is below 1e-12 · (1 + C·Σw) or the
// predicted decrease is below F's rounding noise (then one last full Newton step is taken).
#pragma once
#include <cstddef>
#include <vector>

namespace swepo::metrics {

struct LogisticData {
  std::vector<std::vector<double>> x;  // [n][d] features
  std::vector<double> y;               // [n] soft labels in [0, 1]
  std::vector<double> w;               // [n] sample weights >= 0
  size_t n() const { return y.size(); }
  size_t d() const { return x.empty() ? 0 : x[0].size(); }
};

// Fits on the rows listed in `rows` (all rows when null). Returns β [d].
std::vector<double> fit_l1_logistic(const LogisticData& data, double C,
                                    const std::vector<size_t>* rows = nullptr);
// F(β) on `rows` (all when null).
double l1_logistic_objective(const LogisticData& data, double C, const std::vector<double>& beta,
                             const std::vector<size_t>* rows = nullptr);
// AlpacaEval's CV score: mean over `rows` of −w·(y log q + (1 − y) log(1 − q)), q = σ(x·β) clipped
// to [1e-15, 1 − 1e-15].
double weighted_log_loss(const LogisticData& data, const std::vector<double>& beta,
                         const std::vector<size_t>& rows);

// The 10 values log-spaced in [1e-4, 1e4] (sklearn's default Cs = 10).
std::vector<double> default_Cs();

struct L1CvResult {
  double C = 0;                  // the chosen C
  std::vector<double> beta;      // [d] refit on all rows with C
  std::vector<double> cv_loss;   // [len(Cs)] mean over folds of the held-out weighted log-loss
};
// k-fold CV over Cs; row i is in fold i mod n_folds (rows are the groups: a duplicated soft-label
// row never straddles folds); the C with the lowest mean held-out loss wins (ties: the smaller C);
// then refit on all rows. n_folds is capped at n.
L1CvResult fit_l1_logistic_cv(const LogisticData& data, const std::vector<double>& Cs, int n_folds = 5);

}  // namespace swepo::metrics
