// The shared-prompt layout: each group's prompt once, then its valid responses, as one flat token
// sequence per micro-batch (no padding in the linear layers). The exact alternative to the row
// layout of collate.h.
//
// Dimension glossary: B prompts (groups), K response slots, L packed tokens, G groups with a
// packed response, S packed responses, Pm longest prompt, Rm longest packed response, M scored
// positions, H heads, D model width.
//
// One group (P' = P + 2 prompt tokens, BOS and SEP included; R_k packed tokens of response k):
//
//   token:     BOS prompt SEP | y1[0] .. y1[R1-1] | y2[0] .. y2[R2-1] | next group ...
//   position:  0   ..   P'-1  | P' .. P'+R1-1     | P' .. P'+R2-1     | 0 ...   (RoPE restarts)
//
// Attention (the cheapest exact form, as Prefix Grouper): the prompt attends causally to itself,
// computed once per group ([G, Pm] queries over [G, Pm] keys); each response attends to its
// group's prompt and causally to its own tokens ([S, Rm] queries over [S, Pm + Rm] keys), never to
// another response. Cost G·Pm² + S·Rm·(Pm + Rm) instead of K rows of (P + R)² or a dense mask over
// (P + K·R)². Each response sees exactly what its own row of the row layout sees, at the same
// positions. The EOS is a target only (it predicts nothing), so a response packs the tokens whose
// logits are scored after the SEP: the SEP's logits score every response's first token (one logit
// row shared by the K responses), y_k[j] scores y_k[j+1] (or the EOS). Scored positions and
// lengths are the row layout's, truncation included (make_row decides both); invalid slots pack
// nothing.
//
// SFT examples pack the same way, as groups of one response.
#pragma once
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "engine/collate.h"
#include "engine/model.h"
#include "engine/tokenized.h"

namespace swepo {

struct PackedBatch {
  int64_t B = 0, K = 0;
  at::Tensor tokens;     // [L] int64
  at::Tensor positions;  // [L] int64: RoPE position of each token
  PackedAttention attn;  // which token attends to which (engine/model.h)
  // Scoring.
  at::Tensor score_col;     // [M] int64: the token whose logits are scored
  at::Tensor score_target;  // [M] int64: the token it predicts
  at::Tensor score_slot;    // [M] int64: b*K + k, the response (SFT: the example) it belongs to
  at::Tensor valid;    // [B, K] bool
  at::Tensor lengths;  // [B, K] int64: scored positions per response (0 when invalid or left out)
  at::Tensor scores;   // [B, K] float32
  int64_t truncated_prompts = 0;
  int64_t truncated_responses = 0;
  int64_t tokens_total = 0;  // L
};

// Which responses to pack: slots k in [k_begin, k_end) of every group (k_end <= 0: all). The
// chunked backward packs one chunk of response slots at a time; the others get logp 0, length 0.
struct SlotRange {
  int64_t k_begin = 0, k_end = 0;
};

// Packs `groups` in order. K = the largest K_b unless `k_slots` > 0. `t` must be resolved.
// Tensors are on the CPU.
PackedBatch pack_groups(const std::vector<TokenizedGroup>& groups, const SpecialIds& ids,
                        const TruncationConfig& t, int64_t k_slots = 0, SlotRange slots = {});

// Tokens one group occupies in the packed layout (prompt once + its responses), under `t`.
int64_t packed_group_tokens(const TokenizedGroup& group, const SpecialIds& ids, const TruncationConfig& t);

// SFT examples (B = examples, K = 1; score_slot = example index).
PackedBatch pack_sft(const std::vector<TokenizedSft>& examples, const SpecialIds& ids,
                     const TruncationConfig& t);

}  // namespace swepo
