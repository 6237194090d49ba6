// Collation of tokenized prompts and responses into padded rows for the model.
//
// Dimension glossary: B prompts, K response slots per prompt (prompt b has K_b <= K valid ones),
// N rows, T tokens per row (longest row of the batch).
//
// Row layout (one row per (prompt, response) pair, RIGHT-padded with PAD):
//
//   slot:   0     1 .. P     P+1    P+2 .. P+1+R    P+2+R    P+3+R .. T-1
//   token:  BOS   prompt     SEP    response        EOS      PAD ...
//
// Scored positions (response_mask / loss_mask): position t is scored when the token it predicts,
// tokens[t+1], is a response token or the EOS, i.e. t in [P+1, P+1+R]: R+1 positions. A truncated
// response has no EOS (it did not end there): t in [P+1, P+R], R' = kept tokens, R' positions.
// A response's length (lengths below) is its number of scored positions.
//
// Truncation policy (TruncationConfig): the prompt keeps its LAST max_prompt_tokens tokens; then a
// response keeps its FIRST tokens so that the row fits in max_total_tokens (specials included).
#pragma once
#include <cstdint>
#include <vector>

#include <ATen/core/Tensor.h>

#include "engine/tokenized.h"

namespace swepo {

struct TruncationConfig {
  int64_t max_prompt_tokens = 0;  // 0: max_total_tokens / 2
  int64_t max_total_tokens = 0;   // 0: the model's max_seq_len

  template <class V>
  void visit(V& v) {
    v("max_prompt_tokens", max_prompt_tokens,
      "prompt tokens kept (from the end; 0 = max_total_tokens / 2)");
    v("max_total_tokens", max_total_tokens,
      "longest row incl. BOS/SEP/EOS; responses are cut from the right (0 = model max_seq_len)");
    v.require(max_prompt_tokens >= 0, "max_prompt_tokens", "must be >= 0");
    v.require(max_total_tokens == 0 || max_total_tokens >= 4, "max_total_tokens",
              "must be 0 or >= 4");
  }
};

// Concrete limits for a model with `max_seq_len`: zeros replaced by their defaults; UserError when
// max_total_tokens > max_seq_len or max_prompt_tokens + 3 > max_total_tokens (no response room).
TruncationConfig truncation_resolve(const TruncationConfig& t, int64_t max_seq_len);

// Special ids used to build rows (from Tokenizer: bos_id(), sep_id(), eos_id(), pad_id()).
// bos, sep or eos = -1: the row has no such token (a chat template writes its own specials into
// the prompt and response text; engine/chat_tokenizer.h): [BOS] prompt [SEP] response [EOS], and
// the first scored position is the last token before the response. pad must be a valid id.
struct SpecialIds {
  int64_t bos, sep, eos, pad;
};
SpecialIds special_ids(const Tokenizer& tok);

// One row before padding: the token ids and the scored range.
struct Row {
  std::vector<int64_t> tokens;  // [L]: BOS prompt SEP response [EOS]
  int64_t score_begin = 0;      // first scored position (P+1)
  int64_t score_count = 0;      // scored positions (R+1, or R' when truncated)
  bool prompt_truncated = false;
  bool response_truncated = false;
};

// Builds one row under the resolved limits `t` (see truncation_resolve).
Row make_row(const std::vector<int64_t>& prompt, const std::vector<int64_t>& response,
             const SpecialIds& ids, const TruncationConfig& t);

struct CollatedBatch {
  int64_t B = 0, K = 0;
  at::Tensor tokens;         // [N, T] int64, N = B*K, row b*K + k; invalid slots are all-PAD rows
  at::Tensor response_mask;  // [N, T] bool: position scored (predicts a response token or EOS)
  at::Tensor valid;          // [B, K] bool: slot holds a response
  at::Tensor lengths;        // [B, K] int64: scored positions per response (0 when invalid)
  at::Tensor scores;         // [B, K] float32: scores (0 when invalid)
  int64_t truncated_prompts = 0;    // prompts cut by max_prompt_tokens (counted once per prompt)
  int64_t truncated_responses = 0;  // responses cut by max_total_tokens
};

// K of a batch of groups: the largest K_b, or `k_slots` when > 0. UserError (prefixed by `who`)
// for an empty batch, a group without responses, scores that do not match, or K_b > k_slots.
int64_t group_slots(const std::vector<TokenizedGroup>& groups, int64_t k_slots, const char* who);

// Collates groups (K = largest K_b unless `k_slots` > 0 is given; K_b > k_slots is a UserError).
// `t` must be resolved. Tensors are on the CPU; response_logps moves them to the model's device.
CollatedBatch collate_groups(const std::vector<TokenizedGroup>& groups, const SpecialIds& ids,
                             const TruncationConfig& t, int64_t k_slots = 0);

struct SftBatch {
  at::Tensor tokens;     // [N, T] int64, right-padded with PAD
  at::Tensor loss_mask;  // [N, T] bool: position predicts a response token or EOS
  int64_t truncated_prompts = 0;
  int64_t truncated_responses = 0;
};

// One row per example, same layout as above.
SftBatch collate_sft(const std::vector<TokenizedSft>& examples, const SpecialIds& ids,
                     const TruncationConfig& t);

}  // namespace swepo
