// dpo_best_vs_rest: DPO on (best, j) for every other valid response j, averaged over the pairs;
// the Swepo paper's "DPOx3" baseline at K = 4 (Gupta et al. 2025; DPO: Rafailov et al. 2023).
//
//   L = 1/(K_b − 1) Σ_{j ≠ best} [ −(1 − ε) log σ(s_best − s_j) − ε log σ(s_j − s_best) ]
//
// Metrics: chosen = {best}, rejected = every other valid response.
#pragma once
#include "losses/loss.h"
#include "losses/loss_dpo_pairs_options.h"

namespace swepo {

using DpoBestVsRestOptions = DpoPairsOptions;

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_dpo_best_vs_rest(const DpoBestVsRestOptions& o, const PreferenceBatch& batch,
                                 const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
