#include "analysis/metrics/winrate.h"

#include <cmath>
#include <string>

#include "analysis/metrics/stats.h"
#include "core/util/error.h"

namespace swepo::metrics {

WinRate win_rate(const std::vector<double>& preferences) {
  std::vector<double> p;
  p.reserve(preferences.size());
  for (size_t i = 0; i < preferences.size(); ++i) {
    const double v = preferences[i];
    if (!(v >= 1.0 && v <= 2.0))
      throw UserError("preference[" + std::to_string(i) + "] = " + std::to_string(v) +
                      " is outside [1, 2]");
    p.push_back(v - 1.0);
  }
  WinRate r;
  r.n = static_cast<int>(p.size());
  if (p.empty()) return r;
  r.win_rate = 100.0 * mean(p);
  r.standard_error = p.size() < 2 ? 0.0 : 100.0 * sample_std(p) / std::sqrt(static_cast<double>(p.size()));
  return r;
}

double judge_preference(double diff, double temperature) { return 1.0 + sigmoid(diff / temperature); }

}  // namespace swepo::metrics
