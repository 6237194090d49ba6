#include "analysis/metrics/length_controlled.h"

#include <cmath>
#include <map>

#include "analysis/metrics/l1_logistic.h"
#include "analysis/metrics/stats.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::metrics {

std::vector<std::string> glm_names() {
  return {"length_controlled_v1", "length_controlled_noreg", "length_controlled_minimal"};
}

void check_glm_name(const std::string& glm) {
  for (const auto& g : glm_names())
    if (g == glm) return;
  throw UserError("unknown glm '" + glm + "'" + did_you_mean(glm, glm_names()) + "; valid: " +
                  join(glm_names(), ", "));
}

bool glm_uses_difficulty(const std::string& glm) { return glm != "length_controlled_minimal"; }
bool glm_uses_gamed_rows(const std::string& glm) { return glm == "length_controlled_v1"; }

LcResult length_controlled_winrate(const std::vector<LcRow>& rows, const LcOptions& opt) {
  check_glm_name(opt.glm);
  const bool use_gamed = glm_uses_gamed_rows(opt.glm);
  const bool use_diff = glm_uses_difficulty(opt.glm);
  LcResult res;
  res.glm = opt.glm;

  // Rows that enter the fit, and Δlen per generator group ("" = the model).
  std::vector<const LcRow*> used;
  std::map<std::string, std::vector<double>> deltas;
  std::vector<double> prefs;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    if (!(r.preference >= 1.0 && r.preference <= 2.0))
      throw UserError("row " + std::to_string(i) + ": preference " + std::to_string(r.preference) +
                      " is outside [1, 2]");
    if (r.not_gamed) prefs.push_back(r.preference);
    if (!r.not_gamed && !use_gamed) continue;
    used.push_back(&r);
    deltas[r.not_gamed ? std::string() : "gamed:" + r.gamed_set].push_back(r.baseline_len - r.output_len);
  }
  if (prefs.empty()) throw UserError("length-controlled win rate: no model rows (not_gamed_baseline = true)");
  res.raw = win_rate(prefs);
  res.n = static_cast<int>(prefs.size());
  res.n_gamed = static_cast<int>(used.size()) - res.n;
  std::map<std::string, double> sd;
  for (const auto& kv : deltas) sd[kv.first] = sample_std(kv.second);
  res.sd_delta_len = sd[std::string()];

  LogisticData data;
  for (const LcRow* r : used) {
    const double s = sd[r->not_gamed ? std::string() : "gamed:" + r->gamed_set];
    const double dl = r->baseline_len - r->output_len;
    std::vector<double> x = {r->not_gamed ? 1.0 : 0.0, s > 0 ? std::tanh(dl / s) : 0.0};
    if (use_diff) x.push_back(r->difficulty);
    data.x.push_back(std::move(x));
    data.y.push_back(r->preference - 1.0);
    data.w.push_back(r->not_gamed ? 1.0 : opt.lambda / 2.0);
  }
  const L1CvResult fit = fit_l1_logistic_cv(data, default_Cs(), opt.n_folds);
  res.C = fit.C;
  res.cv_loss = fit.cv_loss;
  res.coef_not_gamed = fit.beta[0];
  res.coef_length = fit.beta[1];
  res.coef_difficulty = use_diff ? fit.beta[2] : 0.0;
  double s = 0;
  for (const auto& r : rows)
    if (r.not_gamed) s += sigmoid(res.coef_not_gamed + res.coef_difficulty * (use_diff ? r.difficulty : 0.0));
  res.lc = 100.0 * s / static_cast<double>(res.n);
  return res;
}

}  // namespace swepo::metrics
