// Choosing responses from scores: best, worst, a seeded random other, ties, and the pair a
// pairwise loss (dpo, ipo, simpo) trains on. Everything here is detached index bookkeeping.
//
// Dimension glossary: B prompts, K response slots per prompt.
// `scores` is clean_scores() output (float64, 0 at padding), `mask` [B, K] bool.
#pragma once
#include <string>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include "losses/loss.h"

namespace swepo {

// argmax of the valid scores, lowest index among ties                     -> [B] int64
at::Tensor best_index(const at::Tensor& scores, const at::Tensor& mask);
// argmin of the valid scores, lowest index among ties                     -> [B] int64
at::Tensor worst_index(const at::Tensor& scores, const at::Tensor& mask);
// A valid response other than `exclude` [B], uniformly at random: the r-th other valid response,
// r = floor(u (K_b - 1)) with u ~ U[0,1) drawn on the CPU from `gen` (one [B] draw per call, so the
// choice is deterministic for a seed and independent of padding)          -> [B] int64
at::Tensor random_other_index(const at::Tensor& mask, const at::Tensor& exclude, at::Generator& gen);
// true where all valid scores of a prompt are equal                       -> [B] bool
at::Tensor scores_tied(const at::Tensor& scores, const at::Tensor& mask);
// Δ_i = S_i − S̄ (S̄: mean of the prompt's valid scores), float64, 0 at padding. A |Δ_i| within
// round-off of 0 (1e-12 relative to the prompt's largest |S|) is set to exactly 0, so a score equal
// to the mean is never accepted because of rounding in S̄.                 -> [B, K]
at::Tensor score_deviation(const at::Tensor& scores, const at::Tensor& mask);
// Population std of each prompt's valid deviations Δ (score_deviation()), with 1 where it is 0 (a
// tied prompt, whose Δ are all 0), so Δ / score_std(Δ) is the z-score            -> [B, 1] float64
at::Tensor score_std(const at::Tensor& delta, const at::Tensor& mask);
// Median of each prompt's valid scores (the mean of the two middle ones for an even count) -> [B]
at::Tensor score_median(const at::Tensor& scores, const at::Tensor& mask);
// Responses strictly above their prompt's mean score: mask & Δ > 0          -> [B, K] bool
at::Tensor above_mean(const at::Tensor& scores, const at::Tensor& mask);
// Prompts a loss uses before its own rules: all, or (traits.skips_ties) those whose valid
// scores are not all equal                                               -> [B] bool
at::Tensor prompts_used(const at::Tensor& scores, const at::Tensor& mask, const LossTraits& traits);
// one_hot(index [B], K) as bool                                            -> [B, K] bool
at::Tensor index_mask(const at::Tensor& index, int64_t k);
// Σ_k x[b, index[b]] picked out of x [B, K] (keeps x's autograd)          -> [B]
at::Tensor pick(const at::Tensor& x, const at::Tensor& index);

// The (w, l) pair of the pairwise losses. `pairing`: "best_vs_random" | "best_vs_worst".
struct ResponsePair {
  at::Tensor w;  // [B] int64: chosen response (best score, lowest index on ties)
  at::Tensor l;  // [B] int64: rejected response
};
ResponsePair select_pair(const at::Tensor& scores, const at::Tensor& mask, const std::string& pairing,
                         at::Generator& gen);

// Options shared by the pairwise losses: the documented values of `pairing`.
inline const char* kPairingHelp =
    "which pair to train on: best_vs_random (w = best score, l drawn uniformly among the other "
    "valid responses from the seeded RNG; the Zephyr recipe) | best_vs_worst (l = lowest score)";

}  // namespace swepo
