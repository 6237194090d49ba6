// Dimension glossary: B prompts, K response slots, N rows, T tokens per row.
#include "engine/collate.h"

#include <torch/torch.h>

#include <algorithm>
#include <string>

#include "core/util/error.h"

namespace swepo {

TruncationConfig truncation_resolve(const TruncationConfig& t, int64_t max_seq_len) {
  TruncationConfig r = t;
  if (r.max_total_tokens == 0) r.max_total_tokens = max_seq_len;
  if (r.max_prompt_tokens == 0) r.max_prompt_tokens = r.max_total_tokens / 2;
  if (r.max_total_tokens > max_seq_len)
    throw UserError("config key 'truncation.max_total_tokens' (" + std::to_string(r.max_total_tokens) +
                    ") exceeds model.max_seq_len (" + std::to_string(max_seq_len) + ")");
  if (r.max_prompt_tokens + 3 > r.max_total_tokens)
    throw UserError("config key 'truncation.max_prompt_tokens' (" +
                    std::to_string(r.max_prompt_tokens) + ") leaves no room for a response in " +
                    "max_total_tokens (" + std::to_string(r.max_total_tokens) +
                    "): need max_prompt_tokens + 3 <= max_total_tokens");
  return r;
}

SpecialIds special_ids(const Tokenizer& tok) {
  // A tokenizer without PAD (Llama-2/3) pads with EOS, else id 0: padding is never scored.
  const int64_t pad = tok.pad_id() >= 0 ? tok.pad_id() : std::max<int64_t>(tok.eos_id(), 0);
  return SpecialIds{tok.bos_id(), tok.sep_id(), tok.eos_id(), pad};
}

Row make_row(const std::vector<int64_t>& prompt, const std::vector<int64_t>& response,
             const SpecialIds& ids, const TruncationConfig& t) {
  if (t.max_prompt_tokens <= 0 || t.max_prompt_tokens + 3 > t.max_total_tokens)
    throw UserError("make_row: truncation limits are not resolved (see truncation_resolve)");
  const int64_t n_bos = ids.bos >= 0 ? 1 : 0, n_sep = ids.sep >= 0 ? 1 : 0, n_eos = ids.eos >= 0 ? 1 : 0;
  Row row;
  const int64_t P_full = static_cast<int64_t>(prompt.size());
  const int64_t P = std::min(P_full, t.max_prompt_tokens);
  row.prompt_truncated = P < P_full;
  const int64_t context = n_bos + P + n_sep;  // tokens before the response
  if (context == 0)
    throw UserError("make_row: an empty prompt in a layout without BOS or SEP leaves the first "
                    "response token without context");
  // Room for the response plus its EOS after [BOS] prompt [SEP].
  const int64_t room = t.max_total_tokens - context;  // >= 1 by the check above
  const int64_t R_full = static_cast<int64_t>(response.size());
  if (R_full + n_eos == 0)
    throw UserError("make_row: an empty response in a layout without EOS has no scored token");
  const bool fits = R_full + n_eos <= room;
  const int64_t R = fits ? R_full : room;  // truncated: keep `room` tokens, no EOS
  row.response_truncated = !fits;

  row.tokens.reserve(static_cast<size_t>(context + R + n_eos));
  if (n_bos) row.tokens.push_back(ids.bos);
  row.tokens.insert(row.tokens.end(), prompt.end() - P, prompt.end());
  if (n_sep) row.tokens.push_back(ids.sep);
  row.tokens.insert(row.tokens.end(), response.begin(), response.begin() + R);
  if (fits && n_eos) row.tokens.push_back(ids.eos);
  row.score_begin = context - 1;
  row.score_count = fits ? R + n_eos : R;
  return row;
}

namespace {
// Writes rows into tokens [N, T] (PAD-filled) and mask [N, T]; row i of `rows` goes to row
// index[i]. Empty rows (no tokens) stay PAD.
void fill_rows(const std::vector<Row>& rows, int64_t n_rows, const SpecialIds& ids,
               at::Tensor* tokens, at::Tensor* mask) {
  int64_t T = 1;
  for (const auto& r : rows) T = std::max<int64_t>(T, static_cast<int64_t>(r.tokens.size()));
  *tokens = torch::full({n_rows, T}, ids.pad, torch::TensorOptions().dtype(at::kLong));  // [N, T]
  *mask = torch::zeros({n_rows, T}, torch::TensorOptions().dtype(at::kBool));           // [N, T]
  auto tok = tokens->accessor<int64_t, 2>();
  auto msk = mask->accessor<bool, 2>();
  for (int64_t n = 0; n < static_cast<int64_t>(rows.size()); ++n) {
    const Row& r = rows[static_cast<size_t>(n)];
    for (size_t j = 0; j < r.tokens.size(); ++j) tok[n][static_cast<int64_t>(j)] = r.tokens[j];
    for (int64_t j = 0; j < r.score_count; ++j) msk[n][r.score_begin + j] = true;
  }
}
}  // namespace

int64_t group_slots(const std::vector<TokenizedGroup>& groups, int64_t k_slots, const char* who) {
  if (groups.empty()) throw UserError(std::string(who) + ": empty batch");
  int64_t K = 0;
  for (size_t b = 0; b < groups.size(); ++b) {
    const auto& g = groups[b];
    const int64_t Kb = static_cast<int64_t>(g.responses.size());
    const std::string at = std::string(who) + ": prompt " + std::to_string(b);
    if (Kb == 0) throw UserError(at + " has no response");
    if (g.scores.size() != g.responses.size())
      throw UserError(at + " has " + std::to_string(Kb) + " responses but " +
                      std::to_string(g.scores.size()) + " scores");
    if (k_slots > 0 && Kb > k_slots)
      throw UserError(at + " has " + std::to_string(Kb) + " responses, more than the " +
                      std::to_string(k_slots) + " slots");
    K = std::max(K, Kb);
  }
  return k_slots > 0 ? k_slots : K;
}

CollatedBatch collate_groups(const std::vector<TokenizedGroup>& groups, const SpecialIds& ids,
                             const TruncationConfig& t, int64_t k_slots) {
  const int64_t K = group_slots(groups, k_slots, "collate_groups");
  const int64_t B = static_cast<int64_t>(groups.size());

  CollatedBatch out;
  out.B = B;
  out.K = K;
  std::vector<Row> rows(static_cast<size_t>(B * K));  // empty rows for invalid slots
  out.valid = torch::zeros({B, K}, torch::TensorOptions().dtype(at::kBool));     // [B, K]
  out.lengths = torch::zeros({B, K}, torch::TensorOptions().dtype(at::kLong));   // [B, K]
  out.scores = torch::zeros({B, K}, torch::TensorOptions().dtype(at::kFloat));   // [B, K]
  auto valid = out.valid.accessor<bool, 2>();
  auto lengths = out.lengths.accessor<int64_t, 2>();
  auto scores = out.scores.accessor<float, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& g = groups[static_cast<size_t>(b)];
    bool prompt_cut = false;
    for (size_t k = 0; k < g.responses.size(); ++k) {
      Row r = make_row(g.prompt, g.responses[k], ids, t);
      prompt_cut = prompt_cut || r.prompt_truncated;
      out.truncated_responses += r.response_truncated ? 1 : 0;
      valid[b][static_cast<int64_t>(k)] = true;
      lengths[b][static_cast<int64_t>(k)] = r.score_count;
      scores[b][static_cast<int64_t>(k)] = static_cast<float>(g.scores[k]);
      rows[static_cast<size_t>(b * K) + k] = std::move(r);
    }
    out.truncated_prompts += prompt_cut ? 1 : 0;
  }
  fill_rows(rows, B * K, ids, &out.tokens, &out.response_mask);
  return out;
}

SftBatch collate_sft(const std::vector<TokenizedSft>& examples, const SpecialIds& ids,
                     const TruncationConfig& t) {
  if (examples.empty()) throw UserError("collate_sft: empty batch");
  SftBatch out;
  std::vector<Row> rows;
  rows.reserve(examples.size());
  for (const auto& e : examples) {
    rows.push_back(make_row(e.prompt, e.response, ids, t));
    out.truncated_prompts += rows.back().prompt_truncated ? 1 : 0;
    out.truncated_responses += rows.back().response_truncated ? 1 : 0;
  }
  fill_rows(rows, static_cast<int64_t>(rows.size()), ids, &out.tokens, &out.loss_mask);
  return out;
}

}  // namespace swepo
