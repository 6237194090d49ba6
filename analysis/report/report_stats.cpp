#include "analysis/report/report_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/util/error.h"

namespace swepo::report {
namespace {

// Continued fraction of I_x(a, b) (Numerical Recipes' betacf), evaluated with modified Lentz.
double beta_continued_fraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-15;
  const double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    const double m2 = 2.0 * m;
    // even step: d_{2m} = m (b − m) x / ((a + 2m − 1)(a + 2m))
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    // odd step: d_{2m+1} = −(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < eps) return h;
  }
  return h;  // not converged in 10000 terms (only for extreme a, b); best estimate
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
    throw UserError("incomplete_beta: need a > 0, b > 0, 0 <= x <= 1 (got a=" + std::to_string(a) +
                    ", b=" + std::to_string(b) + ", x=" + std::to_string(x) + ")");
  if (x == 0.0) return 0.0;
  if (x == 1.0) return 1.0;
  // front = x^a (1 − x)^b / (a B(a, b)), in logs.
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                           b * std::log1p(-x);
  // The fraction converges fast for x < (a + 1) / (a + b + 2); otherwise use I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1.0) / (a + b + 2.0)) return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
  return 1.0 - std::exp(log_front) * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double f_sf(double f, double d1, double d2) {
  if (!(d1 > 0) || !(d2 > 0))
    throw UserError("f_sf: degrees of freedom must be > 0 (got " + std::to_string(d1) + ", " +
                    std::to_string(d2) + ")");
  if (!(f > 0)) return 1.0;
  if (std::isinf(f)) return 0.0;
  return incomplete_beta(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * f));
}

double median(std::vector<double> x) {
  if (x.empty()) throw UserError("median of an empty sample");
  std::sort(x.begin(), x.end());
  const size_t n = x.size();
  return n % 2 ? x[n / 2] : 0.5 * (x[n / 2 - 1] + x[n / 2]);
}

std::optional<BrownForsythe> brown_forsythe(const std::vector<std::vector<double>>& groups) {
  const size_t k = groups.size();
  if (k < 2) return std::nullopt;
  size_t N = 0;
  for (const auto& g : groups) {
    if (g.empty()) return std::nullopt;
    N += g.size();
  }
  if (N <= k) return std::nullopt;
  std::vector<std::vector<double>> z(k);  // z[i][j] = |x_ij − median_i|
  std::vector<double> zbar(k, 0.0);       // group means of z
  double zall = 0;                        // grand mean of z
  for (size_t i = 0; i < k; ++i) {
    const double med = median(groups[i]);
    for (double v : groups[i]) z[i].push_back(std::fabs(v - med));
    for (double v : z[i]) zbar[i] += v;
    zall += zbar[i];
    zbar[i] /= static_cast<double>(z[i].size());
  }
  zall /= static_cast<double>(N);
  double between = 0, within = 0;
  for (size_t i = 0; i < k; ++i) {
    between += static_cast<double>(z[i].size()) * (zbar[i] - zall) * (zbar[i] - zall);
    for (double v : z[i]) within += (v - zbar[i]) * (v - zbar[i]);
  }
  if (!(within > 0)) return std::nullopt;
  BrownForsythe r;
  r.df1 = static_cast<double>(k - 1);
  r.df2 = static_cast<double>(N - k);
  r.statistic = r.df2 / r.df1 * between / within;
  r.p_value = f_sf(r.statistic, r.df1, r.df2);
  return r;
}

}  // namespace swepo::report
