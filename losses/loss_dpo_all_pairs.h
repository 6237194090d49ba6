// dpo_all_pairs: DPO on every ordered pair (i, j) of a prompt with S_i > S_j (tied pairs skipped),
// averaged over the pairs (Rafailov et al. 2023; all K-choose-2 comparisons as in InstructGPT's
// reward model, Ouyang et al. 2022).
//
//   L = 1/|P| Σ_{(i,j) ∈ P} [ −(1 − ε) log σ(s_i − s_j) − ε log σ(s_j − s_i) ],  P = {(i,j): S_i > S_j}
//
// A prompt with no such pair (all scores equal) is skipped. Metrics: over the pairs P.
#pragma once
#include <memory>

#include "losses/loss_impl.h"

namespace swepo {

struct DpoAllPairsOptions {
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

std::unique_ptr<Loss> make_loss_dpo_all_pairs(const DpoAllPairsOptions& options, LossId id);

}  // namespace swepo
