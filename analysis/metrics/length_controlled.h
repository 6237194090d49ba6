// AlpacaEval 2's length-controlled win rate (`length_controlled_v1` and its variants), exactly as
// docs/SPEC.md section 4 and tatsu-lab/alpaca_eval's metrics/glm_winrate.py define it. Tensor-free.
//
// Features of a row (no intercept):
//   not_gamed_baseline   1 for the model's rows, 0 for the gamed-baseline (regularisation) rows
//   tanh(Δlen / sd)      Δlen = baseline_len − output_len (characters); sd = sample std (ddof = 1,
//                        not centred on anything but the usual mean) of Δlen over the rows of the
//                        same generator (the model's rows; each gamed set separately); 0 if sd = 0
//   instruction_difficulty γ_i   (v1, noreg; the coefficient ψ is fitted, γ_i is given)
// Labels: pref − 1 in [0, 1] as soft labels; weights 1 (model rows) and λ/2 (gamed rows, v1 only).
// Fit: fit_l1_logistic_cv over default_Cs() with 5 folds grouped by row, then refit.
// LC = 100 · mean over the model's rows of σ(θ + ψ·γ_i) (the prediction at Δlen = 0).
//   length_controlled_v1      all three features + gamed rows (λ = 0.2)
//   length_controlled_noreg   all three features, gamed rows dropped
//   length_controlled_minimal not_gamed + length only, gamed rows dropped
#pragma once
#include <string>
#include <vector>

#include "analysis/metrics/winrate.h"

namespace swepo::metrics {

std::vector<std::string> glm_names();  // the three variants above
void check_glm_name(const std::string& glm);  // UserError listing the valid names
bool glm_uses_difficulty(const std::string& glm);
bool glm_uses_gamed_rows(const std::string& glm);

struct LcRow {
  double preference = 1.5;   // in [1, 2]
  double output_len = 0;     // characters of the model's (or gamed baseline's) output
  double baseline_len = 0;   // characters of the baseline's output
  double difficulty = 0;     // γ_i of the instruction
  bool not_gamed = true;     // false: a regularisation row (verbose/concise baseline)
  std::string gamed_set;     // which gamed generator a regularisation row comes from (sd per set)
};

struct LcOptions {
  std::string glm = "length_controlled_v1";
  double lambda = 0.2;  // regularisation towards the baseline (weight λ/2 per gamed row)
  int n_folds = 5;
};

struct LcResult {
  std::string glm;
  WinRate raw;                 // WR over the model's rows
  double lc = 0;               // percent
  int n = 0;                   // model rows
  int n_gamed = 0;             // regularisation rows used in the fit
  double C = 0;                // chosen by CV
  double coef_not_gamed = 0;   // θ
  double coef_length = 0;      // coefficient of tanh(Δlen / sd)
  double coef_difficulty = 0;  // ψ (0 for minimal)
  double sd_delta_len = 0;     // sd of Δlen over the model's rows
  std::vector<double> cv_loss; // [10] per C
};

LcResult length_controlled_winrate(const std::vector<LcRow>& rows, const LcOptions& opt = {});

}  // namespace swepo::metrics
