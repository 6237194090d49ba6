// Test-only reference: FISTA (accelerated proximal gradient) for
//   F(β) = ||β||_1 + C · Σ_i w_i [−y_i log σ(x_i·β) − (1 − y_i) log σ(−x_i·β)],
// independent of the library's proximal-Newton solver; run long enough to converge tightly.
#pragma once
#include <cmath>
#include <vector>

namespace reference {

inline double sig(double z) { return z >= 0 ? 1 / (1 + std::exp(-z)) : std::exp(z) / (1 + std::exp(z)); }

inline std::vector<double> fista_l1_logistic(const std::vector<std::vector<double>>& x, const std::vector<double>& y,
                                             const std::vector<double>& w, double C, int iters = 200000) {
  const size_t n = y.size(), d = x[0].size();
  double L = 0;  // Lipschitz constant of the smooth part's gradient: C Σ w ||x||² / 4
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (double v : x[i]) s += v * v;
    L += C * w[i] * s / 4;
  }
  std::vector<double> beta(d, 0), prev(d, 0), z(d, 0);
  double t = 1;
  for (int it = 0; it < iters; ++it) {
    std::vector<double> g(d, 0);
    for (size_t i = 0; i < n; ++i) {
      double zi = 0;
      for (size_t j = 0; j < d; ++j) zi += x[i][j] * z[j];
      const double r = C * w[i] * (sig(zi) - y[i]);
      for (size_t j = 0; j < d; ++j) g[j] += r * x[i][j];
    }
    prev = beta;
    for (size_t j = 0; j < d; ++j) {
      const double a = z[j] - g[j] / L, th = 1 / L;
      beta[j] = a > th ? a - th : (a < -th ? a + th : 0);
    }
    const double tn = (1 + std::sqrt(1 + 4 * t * t)) / 2;
    for (size_t j = 0; j < d; ++j) z[j] = beta[j] + (t - 1) / tn * (beta[j] - prev[j]);
    t = tn;
  }
  return beta;
}

}  // namespace reference
