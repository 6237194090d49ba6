// dpo: Direct Preference Optimization on one (w, l) pair per prompt (Rafailov et al. 2023), the
// rejected response drawn at random among the others by default (Zephyr, Tunstall et al. 2023);
// label smoothing is cDPO (Mitchell 2023). docs/SPEC.md section 2.
//
//   h = s_w − s_l,  L = −(1 − ε) log σ(h) − ε log σ(−h)
//
// Metrics: chosen = {w}, rejected = {l}.
#pragma once
#include <string>

#include <ATen/core/Tensor.h>

#include "losses/loss.h"
#include "losses/loss_select.h"

namespace swepo {

struct DpoOptions {
  double beta = 0.1;                     // docs/SPEC.md: every loss's default
  std::string pairing = "best_vs_random";  // the Zephyr recipe the paper's DPO baseline follows
  double label_smoothing = 0.0;          // 0: plain DPO
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("pairing", pairing, kPairingHelp);
    v.choice("pairing", pairing, {"best_vs_random", "best_vs_worst"});
    v("label_smoothing", label_smoothing,
      "cDPO ε in [0, 0.5): assumed probability that a preference label is flipped");
    v.require(label_smoothing >= 0 && label_smoothing < 0.5, "label_smoothing", "must be in [0, 0.5)");
  }
};

// −(1 − ε) log σ(h) − ε log σ(−h), elementwise on margins h (any shape).
at::Tensor dpo_pair_loss(const at::Tensor& h, double label_smoothing);

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_dpo(const DpoOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
