#include "analysis/metrics/l1_logistic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "analysis/metrics/stats.h"
#include "core/util/error.h"

namespace swepo::metrics {
namespace {

std::vector<size_t> all_rows(const LogisticData& data, const std::vector<size_t>* rows) {
  if (rows) return *rows;
  std::vector<size_t> r(data.n());
  std::iota(r.begin(), r.end(), 0);
  return r;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t j = 0; j < a.size(); ++j) s += a[j] * b[j];
  return s;
}

double l1(const std::vector<double>& b) {
  double s = 0;
  for (double v : b) s += std::fabs(v);
  return s;
}

double soft_threshold(double a, double t) {
  if (a > t) return a - t;
  if (a < -t) return a + t;
  return 0.0;
}

// C · Σ w [−y log σ(z) − (1 − y) log σ(−z)]
double data_term(const LogisticData& data, double C, const std::vector<double>& beta,
                 const std::vector<size_t>& rows) {
  double s = 0;
  for (size_t i : rows) {
    const double z = dot(data.x[i], beta);
    s -= data.w[i] * (data.y[i] * log_sigmoid(z) + (1.0 - data.y[i]) * log_sigmoid(-z));
  }
  return C * s;
}

}  // namespace

double l1_logistic_objective(const LogisticData& data, double C, const std::vector<double>& beta,
                             const std::vector<size_t>* rows) {
  return l1(beta) + data_term(data, C, beta, all_rows(data, rows));
}

std::vector<double> fit_l1_logistic(const LogisticData& data, double C, const std::vector<size_t>* rows_in) {
  const std::vector<size_t> rows = all_rows(data, rows_in);
  const size_t d = data.d();
  std::vector<double> beta(d, 0.0);
  if (d == 0 || rows.empty()) return beta;
  double wsum = 0;
  for (size_t i : rows) wsum += data.w[i];
  const double tol = 1e-12 * (1.0 + C * wsum);
  double f = l1_logistic_objective(data, C, beta, &rows);
  for (int outer = 0; outer < 500; ++outer) {
    // Gradient and Hessian of the smooth part.
    std::vector<double> g(d, 0.0);
    std::vector<std::vector<double>> H(d, std::vector<double>(d, 0.0));
    for (size_t i : rows) {
      const auto& xi = data.x[i];
      const double q = sigmoid(dot(xi, beta));
      const double r = C * data.w[i] * (q - data.y[i]);
      const double h = C * data.w[i] * q * (1.0 - q);
      for (size_t j = 0; j < d; ++j) {
        g[j] += r * xi[j];
        for (size_t k = 0; k < d; ++k) H[j][k] += h * xi[j] * xi[k];
      }
    }
    // Optimality: minimum-norm subgradient.
    double opt = 0;
    for (size_t j = 0; j < d; ++j) {
      const double v = beta[j] != 0 ? std::fabs(g[j] + (beta[j] > 0 ? 1.0 : -1.0))
                                     : std::max(0.0, std::fabs(g[j]) - 1.0);
      opt = std::max(opt, v);
    }
    if (opt <= tol) break;
    // Inner coordinate descent on g·δ + ½ δᵀHδ + ||β + δ||_1.
    std::vector<double> delta(d, 0.0);
    for (int sweep = 0; sweep < 1000; ++sweep) {
      double change = 0;
      for (size_t j = 0; j < d; ++j) {
        const double a = H[j][j];
        if (a <= 1e-300) continue;
        double b = g[j];
        for (size_t k = 0; k < d; ++k)
          if (k != j) b += H[j][k] * delta[k];
        const double u = soft_threshold(beta[j] - b / a, 1.0 / a);
        const double nd = u - beta[j];
        change = std::max(change, std::fabs(nd - delta[j]));
        delta[j] = nd;
      }
      if (change <= 1e-15 * (1.0 + l1(beta))) break;
    }
    std::vector<double> bd(d);
    for (size_t j = 0; j < d; ++j) bd[j] = beta[j] + delta[j];
    const double decrease = dot(g, delta) + l1(bd) - l1(beta);  // <= 0
    if (decrease >= 0 || l1(delta) <= 1e-15 * (1.0 + l1(beta))) break;
    // The predicted decrease is below the rounding noise of F: a line search cannot tell steps
    // apart any more, but the local Newton step is accurate (quadratic convergence). Take it, stop.
    if (-decrease <= 1e-13 * (1.0 + std::fabs(f))) {
      beta = bd;
      break;
    }
    double alpha = 1.0, f_new = f;
    std::vector<double> trial(d);
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      for (size_t j = 0; j < d; ++j) trial[j] = beta[j] + alpha * delta[j];
      f_new = l1_logistic_objective(data, C, trial, &rows);
      if (f_new <= f + 1e-4 * alpha * decrease) {
        accepted = true;
        break;
      }
      alpha *= 0.5;
    }
    if (!accepted) break;  // no further decrease representable in floating point
    beta = trial;
    f = f_new;
  }
  return beta;
}

double weighted_log_loss(const LogisticData& data, const std::vector<double>& beta,
                         const std::vector<size_t>& rows) {
  if (rows.empty()) return 0.0;
  double s = 0;
  for (size_t i : rows) {
    const double q = std::clamp(sigmoid(dot(data.x[i], beta)), 1e-15, 1.0 - 1e-15);
    s -= data.w[i] * (data.y[i] * std::log(q) + (1.0 - data.y[i]) * std::log(1.0 - q));
  }
  return s / static_cast<double>(rows.size());
}

std::vector<double> default_Cs() {
  std::vector<double> cs;
  for (int k = 0; k < 10; ++k) cs.push_back(std::pow(10.0, -4.0 + 8.0 * k / 9.0));
  return cs;
}

L1CvResult fit_l1_logistic_cv(const LogisticData& data, const std::vector<double>& Cs, int n_folds) {
  if (Cs.empty()) throw UserError("fit_l1_logistic_cv: no C values");
  const size_t n = data.n();
  if (n == 0) throw UserError("fit_l1_logistic_cv: no rows");
  const size_t folds = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(1, n_folds)), n));
  L1CvResult res;
  res.cv_loss.assign(Cs.size(), 0.0);
  if (folds >= 2) {
    for (size_t f = 0; f < folds; ++f) {
      std::vector<size_t> train, test;
      for (size_t i = 0; i < n; ++i) (i % folds == f ? test : train).push_back(i);
      for (size_t c = 0; c < Cs.size(); ++c) {
        const auto beta = fit_l1_logistic(data, Cs[c], &train);
        res.cv_loss[c] += weighted_log_loss(data, beta, test) / static_cast<double>(folds);
      }
    }
  }
  size_t best = 0;
  for (size_t c = 1; c < Cs.size(); ++c)
    if (res.cv_loss[c] < res.cv_loss[best]) best = c;
  res.C = Cs[best];
  res.beta = fit_l1_logistic(data, res.C);
  return res;
}

}  // namespace swepo::metrics
