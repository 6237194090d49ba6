// dpo_all_pairs: DPO on every ordered pair (i, j) of a prompt with S_i > S_j (tied pairs skipped),
// averaged over the pairs (Rafailov et al. 2023; all K-choose-2 comparisons as in InstructGPT's
// reward model, Ouyang et al. 2022).
//
//   L = 1/|P| Σ_{(i,j) ∈ P} [ −(1 − ε) log σ(s_i − s_j) − ε log σ(s_j − s_i) ],  P = {(i,j): S_i > S_j}
//
// A prompt with no such pair (all scores equal) is skipped. Metrics: over the pairs P.
#pragma once
#include "losses/loss.h"
#include "losses/loss_dpo_pairs_options.h"

namespace swepo {

using DpoAllPairsOptions = DpoPairsOptions;

// The per-prompt losses and metrics of a batch the registry has validated for `traits`.
LossOutput loss_dpo_all_pairs(const DpoAllPairsOptions& o, const PreferenceBatch& batch,
                              const LossTraits& traits, at::Generator& gen);

}  // namespace swepo
