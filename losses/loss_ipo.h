// ipo: Identity Preference Optimisation (Azar et al. 2024), a squared loss that regresses the
// log-ratio margin of one (w, l) pair to 1/(2β) instead of pushing it to infinity.
//
//   d = (s_w − s_l)/β = (log πθ(w) − log πref(w)) − (log πθ(l) − log πref(l)),  L = (d − 1/(2β))²
//
// Pairs as dpo. Metrics: chosen = {w}, rejected = {l}.
#pragma once
#include <string>

#include "losses/loss.h"
#include "losses/loss_select.h"

namespace swepo {

struct IpoOptions {
  double beta = 0.1;                     // docs/SPEC.md: every loss's default (IPO's τ)
  std::string pairing = "best_vs_random";  // as dpo
  template <class V>
  void visit(V& v) {
    v("beta", beta, "IPO's regulariser τ: the margin d is regressed to 1/(2β); > 0");
    v.require(beta > 0, "beta", "must be > 0");
    v("pairing", pairing, kPairingHelp);
    v.choice("pairing", pairing, {"best_vs_random", "best_vs_worst"});
  }
};

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_ipo(const IpoOptions& o, const PreferenceBatch& batch,
                    const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
