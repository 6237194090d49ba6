// dpo_best_vs_rest: DPO on (best, j) for every other valid response j, averaged over the pairs;
// the Swepo paper's "DPOx3" baseline at K = 4 (Gupta et al. 2025; DPO: Rafailov et al. 2023).
//
//   L = 1/(K_b − 1) Σ_{j ≠ best} [ −(1 − ε) log σ(s_best − s_j) − ε log σ(s_j − s_best) ]
//
// Metrics: chosen = {best}, rejected = every other valid response.
#pragma once
#include <memory>

#include "losses/loss_impl.h"

namespace swepo {

struct DpoBestVsRestOptions {
  double beta = 0.1;             // SPEC.md: every loss's default
  double label_smoothing = 0.0;  // 0: plain DPO on each pair
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("label_smoothing", label_smoothing, "cDPO ε in [0, 0.5) applied to every pair");
    v.require(label_smoothing >= 0 && label_smoothing < 0.5, "label_smoothing", "must be in [0, 0.5)");
  }
};

std::unique_ptr<Loss> make_loss_dpo_best_vs_rest(const DpoBestVsRestOptions& options, LossId id);

}  // namespace swepo
