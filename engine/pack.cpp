// Dimension glossary: B groups, K response slots, L packed tokens, G groups and S responses packed,
// Pm longest prompt, Rm longest packed response, M scored positions.
#include "engine/pack.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "core/util/error.h"

namespace swepo {
namespace {

// One group (or SFT example) laid out on its own: the prompt, then each packed response.
struct Unit {
  std::vector<int64_t> tokens, positions;  // [L_g]
  int64_t prompt_len = 0;                  // tokens [0, prompt_len) are the prompt
  std::vector<std::pair<int64_t, int64_t>> responses;  // (first token, count) of each packed response
  struct Scored {
    int64_t col, target, slot;  // col: index into tokens
  };
  std::vector<Scored> scored;
};

// The unit of group `b` with the responses of `slots`; fills valid/lengths/scores of that row.
Unit make_unit(const TokenizedGroup& g, int64_t b, int64_t K, const SpecialIds& ids,
               const TruncationConfig& t, SlotRange slots, PackedBatch& out) {
  auto valid = out.valid.accessor<bool, 2>();
  auto lengths = out.lengths.accessor<int64_t, 2>();
  auto scores = out.scores.accessor<float, 2>();
  Unit u;
  bool prompt_cut = false;
  const int64_t k_end = slots.k_end > 0 ? slots.k_end : K;
  for (size_t kk = 0; kk < g.responses.size(); ++kk) {
    const int64_t k = static_cast<int64_t>(kk);
    valid[b][k] = true;
    scores[b][k] = static_cast<float>(g.scores[kk]);
    if (k < slots.k_begin || k >= k_end) continue;
    Row r = make_row(g.prompt, g.responses[kk], ids, t);
    prompt_cut = prompt_cut || r.prompt_truncated;
    out.truncated_responses += r.response_truncated ? 1 : 0;
    lengths[b][k] = r.score_count;
    const int64_t sb = r.score_begin;  // the last token before the response (the SEP, if any)
    if (u.prompt_len == 0) {           // the prompt, once: [BOS] prompt [SEP] at positions 0..sb
      for (int64_t j = 0; j <= sb; ++j) {
        u.tokens.push_back(r.tokens[static_cast<size_t>(j)]);
        u.positions.push_back(j);
      }
      u.prompt_len = sb + 1;
    }
    // Scored position j of the row (j = 0 at the SEP) predicts r.tokens[sb + 1 + j]; positions
    // j >= 1 are response tokens, packed here at the row's own positions sb + j.
    const int64_t slot = b * K + k;
    const int64_t first = static_cast<int64_t>(u.tokens.size());
    for (int64_t j = 1; j < r.score_count; ++j) {
      u.tokens.push_back(r.tokens[static_cast<size_t>(sb + j)]);
      u.positions.push_back(sb + j);
    }
    u.responses.emplace_back(first, r.score_count - 1);
    for (int64_t j = 0; j < r.score_count; ++j)
      u.scored.push_back({j == 0 ? sb : first + j - 1, r.tokens[static_cast<size_t>(sb + 1 + j)], slot});
  }
  out.truncated_prompts += prompt_cut ? 1 : 0;
  return u;
}

// Concatenates the units and builds the index and mask tensors of the two attention parts.
void place_units(const std::vector<Unit>& units, PackedBatch& out) {
  int64_t L = 0, G = 0, S = 0, Pm = 1, Rm = 1;
  for (const auto& u : units) {
    if (u.tokens.empty()) continue;
    L += static_cast<int64_t>(u.tokens.size());
    ++G;
    Pm = std::max(Pm, u.prompt_len);
    for (const auto& r : u.responses) {
      ++S;
      Rm = std::max(Rm, r.second);
    }
  }
  auto lopt = torch::TensorOptions().dtype(at::kLong);
  auto bopt = torch::TensorOptions().dtype(at::kBool);
  const int64_t Gs = std::max<int64_t>(G, 1), Ss = std::max<int64_t>(S, 1);
  out.tokens = torch::zeros({std::max<int64_t>(L, 1)}, lopt);     // [L]
  out.positions = torch::zeros({std::max<int64_t>(L, 1)}, lopt);  // [L]
  out.attn.prompt_idx = torch::zeros({Gs, Pm}, lopt);                  // [G, Pm]
  out.attn.prompt_valid = torch::zeros({Gs, Pm}, bopt);                // [G, Pm]
  out.attn.resp_idx = torch::zeros({Ss, Rm}, lopt);                    // [S, Rm]
  out.attn.resp_valid = torch::zeros({Ss, Rm}, bopt);                  // [S, Rm]
  out.attn.resp_group = torch::zeros({Ss}, lopt);                      // [S]
  auto tok = out.tokens.accessor<int64_t, 1>();
  auto pos = out.positions.accessor<int64_t, 1>();
  auto pidx = out.attn.prompt_idx.accessor<int64_t, 2>();
  auto pval = out.attn.prompt_valid.accessor<bool, 2>();
  auto ridx = out.attn.resp_idx.accessor<int64_t, 2>();
  auto rval = out.attn.resp_valid.accessor<bool, 2>();
  auto rgrp = out.attn.resp_group.accessor<int64_t, 1>();
  std::vector<int64_t> scol, starget, sslot;
  int64_t base = 0, g = 0, s = 0;
  for (const auto& u : units) {
    if (u.tokens.empty()) continue;
    for (size_t j = 0; j < u.tokens.size(); ++j) {
      tok[base + static_cast<int64_t>(j)] = u.tokens[j];
      pos[base + static_cast<int64_t>(j)] = u.positions[j];
    }
    for (int64_t j = 0; j < u.prompt_len; ++j) {
      pidx[g][j] = base + j;
      pval[g][j] = true;
    }
    for (const auto& [first, count] : u.responses) {
      for (int64_t j = 0; j < count; ++j) {
        ridx[s][j] = base + first + j;
        rval[s][j] = true;
      }
      rgrp[s] = g;
      ++s;
    }
    for (const auto& sc : u.scored) {
      scol.push_back(base + sc.col);
      starget.push_back(sc.target);
      sslot.push_back(sc.slot);
    }
    base += static_cast<int64_t>(u.tokens.size());
    ++g;
  }
  out.tokens_total = L;
  // Prompt part: causal over valid keys; every query may attend to itself (padding stays finite).
  at::Tensor causal_p = torch::ones({Pm, Pm}, bopt).tril();                          // [Pm, Pm]
  at::Tensor eye_p = torch::eye(Pm, bopt);                                           // [Pm, Pm]
  out.attn.prompt_allowed = ((causal_p.unsqueeze(0) & out.attn.prompt_valid.unsqueeze(1)) | eye_p)
                           .unsqueeze(1);                                             // [G, 1, Pm, Pm]
  // Response part: keys = the group's prompt [Pm], then the response's own tokens [Rm].
  at::Tensor kp = out.attn.prompt_valid.index_select(0, out.attn.resp_group)                  // [S, Pm]
                      .unsqueeze(1).expand({Ss, Rm, Pm});                            // [S, Rm, Pm]
  at::Tensor causal_r = torch::ones({Rm, Rm}, bopt).tril();                          // [Rm, Rm]
  at::Tensor kr = (causal_r.unsqueeze(0) & out.attn.resp_valid.unsqueeze(1)) | torch::eye(Rm, bopt);  // [S, Rm, Rm]
  out.attn.resp_allowed = torch::cat({kp, kr}, 2).unsqueeze(1);                           // [S, 1, Rm, Pm+Rm]
  out.score_col = torch::tensor(scol, lopt);
  out.score_target = torch::tensor(starget, lopt);
  out.score_slot = torch::tensor(sslot, lopt);
}

}  // namespace

PackedBatch pack_groups(const std::vector<TokenizedGroup>& groups, const SpecialIds& ids,
                        const TruncationConfig& t, int64_t k_slots, SlotRange slots) {
  const int64_t K = group_slots(groups, k_slots, "pack_groups");
  PackedBatch out;
  out.B = static_cast<int64_t>(groups.size());
  out.K = K;
  out.valid = torch::zeros({out.B, K}, torch::TensorOptions().dtype(at::kBool));    // [B, K]
  out.lengths = torch::zeros({out.B, K}, torch::TensorOptions().dtype(at::kLong));  // [B, K]
  out.scores = torch::zeros({out.B, K}, torch::TensorOptions().dtype(at::kFloat));  // [B, K]
  std::vector<Unit> units;
  units.reserve(groups.size());
  for (int64_t b = 0; b < out.B; ++b)
    units.push_back(make_unit(groups[static_cast<size_t>(b)], b, K, ids, t, slots, out));
  place_units(units, out);
  return out;
}

int64_t packed_group_tokens(const TokenizedGroup& group, const SpecialIds& ids, const TruncationConfig& t) {
  int64_t n = 0;
  for (size_t k = 0; k < group.responses.size(); ++k) {
    const Row r = make_row(group.prompt, group.responses[k], ids, t);
    if (k == 0) n += r.score_begin + 1;  // BOS prompt SEP
    n += r.score_count - 1;              // the response's scored tokens after the SEP
  }
  return n;
}

PackedBatch pack_sft(const std::vector<TokenizedSft>& examples, const SpecialIds& ids,
                     const TruncationConfig& t) {
  if (examples.empty()) throw UserError("pack_sft: empty batch");
  std::vector<TokenizedGroup> groups;
  groups.reserve(examples.size());
  for (const auto& e : examples) groups.push_back(TokenizedGroup{e.prompt, {e.response}, {0.0}});
  return pack_groups(groups, ids, t, 1);
}

}  // namespace swepo
