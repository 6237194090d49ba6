// Options shared by the DPO losses that average over several pairs per prompt
// (dpo_best_vs_rest, dpo_all_pairs): β and cDPO's label smoothing, applied to every pair.
#pragma once

namespace swepo {

struct DpoPairsOptions {
  double beta = 0.1;             // docs/SPEC.md: every loss's default
  double label_smoothing = 0.0;  // 0: plain DPO on each pair
  template <class V>
  void visit(V& v) {
    v("beta", beta, "β of the implicit reward s = β (log πθ − log πref); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("label_smoothing", label_smoothing, "cDPO ε in [0, 0.5) applied to every pair");
    v.require(label_smoothing >= 0 && label_smoothing < 0.5, "label_smoothing", "must be in [0, 0.5)");
  }
};

}  // namespace swepo
