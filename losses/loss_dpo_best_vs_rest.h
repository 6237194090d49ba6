// dpo_best_vs_rest: DPO on (best, j) for every other valid response j, averaged over the pairs;
// the Swepo paper's "DPOx3" baseline at K = 4 (Gupta et al. 2025; DPO: Rafailov et al. 2023).
//
//   L = 1/(K_b − 1) Σ_{j ≠ best} [ −(1 − ε) log σ(s_best − s_j) − ε log σ(s_j − s_best) ]
//
// Metrics: chosen = {best}, rejected = every other valid response.
#pragma once
#include <memory>

#include "losses/loss_dpo_pairs_options.h"
#include "losses/loss_impl.h"

namespace swepo {

using DpoBestVsRestOptions = DpoPairsOptions;

std::unique_ptr<Loss> make_loss_dpo_best_vs_rest(const DpoBestVsRestOptions& options, LossId id);

}  // namespace swepo
