// AlpacaEval-style raw win rate: WR = 100 · mean(pref − 1), standard error with ddof = 1
// (docs/SPEC.md section 4). Tensor-free.
#pragma once
#include <vector>

namespace swepo::metrics {

struct WinRate {
  double win_rate = 0;        // percent
  double standard_error = 0;  // percent, std(pref − 1; ddof = 1) / sqrt(n) · 100 (0 when n < 2)
  int n = 0;
};

// `preferences` in [1, 2] (1: baseline better, 2: model better); UserError naming the index otherwise.
WinRate win_rate(const std::vector<double>& preferences);

// Judge preference in [1, 2] from a reward difference: 1 + σ(diff / temperature).
double judge_preference(double diff, double temperature);

}  // namespace swepo::metrics
