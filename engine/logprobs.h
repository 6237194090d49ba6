// Log-probabilities of responses under a model, and the SFT next-token loss.
//
// Dimension glossary: B prompts, K response slots, N = B*K rows, T tokens, V vocab.
// All log-probs are computed in float32 via log_softmax, whatever the model's compute dtype
// (bf16 under autocast); a float64 model (finite-difference tests) gets float64.
#pragma once
#include <ATen/core/Tensor.h>

#include "engine/collate.h"
#include "engine/model.h"
#include "engine/pack.h"

namespace swepo {

// logits [N, T, V], tokens [N, T] int64 -> [N, T] float32: at position t, log p(tokens[t+1] | <=t);
// the last position (nothing to predict) is 0.
at::Tensor next_token_logps(const at::Tensor& logits, const at::Tensor& tokens);

struct ResponseLogps {
  at::Tensor logps;    // [B, K] float32: summed scored-token log-probs; exactly 0 for invalid slots
  at::Tensor lengths;  // [B, K] float32: scored positions per response (0 when invalid)
};

// One forward pass over the batch's rows (moved to the model's device). Differentiable: call under
// torch::NoGradGuard (and model->eval()) for reference log-probs.
ResponseLogps response_logps(Transformer& model, const CollatedBatch& batch);

// The same in the shared-prompt layout (engine/pack.h): one forward over the packed rows, the head
// only at the M scored positions, each log-prob added into its response's slot. Equal to
// response_logps on the row layout of the same groups (tests/engine/test_pack.cpp).
ResponseLogps response_logps(Transformer& model, const PackedBatch& batch);

// log p(target) at the packed batch's scored positions: [M] (float32, float64 for a float64 model).
at::Tensor scored_logps(Transformer& model, const PackedBatch& batch);

// A loss as (sum, count), so that micro-batches reduce exactly: total = Σ sums / Σ counts.
struct NllSum {
  at::Tensor sum;    // 0-d float32: Σ of token NLL over loss_mask (has grad)
  at::Tensor count;  // 0-d float32: number of masked tokens
};

// Next-token NLL over the SFT batch's loss_mask (rows moved to the model's device).
NllSum sft_loss(Transformer& model, const SftBatch& batch);
NllSum sft_loss(Transformer& model, const PackedBatch& batch);  // pack_sft's layout

}  // namespace swepo
