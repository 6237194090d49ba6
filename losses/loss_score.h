// Implicit scores and masked reductions shared by the losses (docs/SPEC.md section 1).
//
// Dimension glossary: B prompts, K response slots per prompt.
// Padding never matters: every helper first replaces padded entries (mask false) with harmless
// values through where(), so NaN or garbage in padding neither leaks into the forward pass nor
// produces NaN gradients (where() routes an exact 0 gradient to the padded slots).
#pragma once
#include <ATen/core/Tensor.h>

#include "losses/loss.h"

namespace swepo {

// Logit used for excluded entries before a log-sum-exp: finite (so no inf - inf), and small
// enough that exp() of it relative to any real score (|s| <= 1e4) is exactly 0.
constexpr double kMaskedLogit = -1e30;

// The dtype losses compute in: float32/float64 as given; half and bfloat16 are upcast to float32.
at::Tensor loss_compute_dtype(const at::Tensor& x);  // same shape, float32 or float64

// s = β (log πθ − log πref)                                         -> [B, K], 0 at padding
at::Tensor implicit_scores(const PreferenceBatch& batch, double beta);
// SimPO's reference-free score s = β log πθ / |y|                   -> [B, K], 0 at padding
at::Tensor length_normalised_scores(const PreferenceBatch& batch, double beta);
// Annotator scores as float64, detached, 0 at padding                -> [B, K]
at::Tensor clean_scores(const PreferenceBatch& batch);

// log Σ_{k: include[b,k]} exp(x[b,k]) over K. A row with nothing included gives a finite, very
// negative value (callers mark such prompts unused).                  x [B, K], include [B, K] -> [B]
at::Tensor masked_logsumexp(const at::Tensor& x, const at::Tensor& include);
// Σ_k x[b,k] over included entries (exact 0 elsewhere, NaN-safe).    -> [B]
at::Tensor masked_sum(const at::Tensor& x, const at::Tensor& include);

}  // namespace swepo
