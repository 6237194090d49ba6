// The auxiliary NLL term every registered loss can add (`nll_weight`, RPO: Pang et al. 2024; TRL's
// `sft` loss_type): the length-normalised negative log-likelihood of each prompt's best-scored valid
// response, computed from the [B, K] policy log-probs and lengths the loss already receives.
//
//   L_b = L_pref,b + λ · (−log πθ(y_best,b | x_b) / |y_best,b|)     for every prompt the loss uses
//
// y_best is best_index() of the annotator scores (lowest slot among ties). Unused prompts stay
// exactly 0 (so the mean over used prompts and gradient accumulation are unchanged). Applied once,
// by the registry's wrapper (losses/registry.cpp), to every loss; λ = 0 leaves a loss untouched.
//
// Dimension glossary: B prompts, K response slots per prompt.
#pragma once
#include <ATen/core/Tensor.h>

#include "losses/loss.h"

namespace swepo {

// `nll_weight`'s declaration, shared by every loss's options (see NllOptions in registry.cpp).
inline const char* kNllWeightHelp =
    "λ of the auxiliary NLL term λ · (−log πθ(y_best|x) / |y_best|) of the best-scored valid response "
    "(RPO; TRL's sft loss_type); 0 = none; > 0 needs the response lengths; >= 0";

// −log πθ(y_best|x) / |y_best| of each prompt (keeps policy_logps' autograd; the best slot is
// always valid, so padding never leaks)                                        -> [B]
at::Tensor best_response_nll(const PreferenceBatch& batch);

// Adds λ · best_response_nll to out.per_prompt where out.used, and the metrics loss/pref (the
// preference loss alone) and loss/nll (the unweighted NLL), both means over the used prompts.
void add_nll_term(LossOutput& out, const PreferenceBatch& batch, double weight);

}  // namespace swepo
