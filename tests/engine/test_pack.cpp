// The shared-prompt layout (engine/pack.h) against the row layout (engine/collate.h): the packed
// structure worked by hand, then log-probs and gradients equal in float64 (<= 1e-10 relative) and
// float32 (<= 1e-5) over groups of different K (1..5) and lengths (empty responses, truncated
// prompts and responses); SFT packing; response chunks (SlotRange) that add up to the whole.
//
// Dimension glossary: B prompts, K slots, L packed tokens, M scored positions, V vocab.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <random>

#include "core/util/error.h"
#include "engine/logprobs.h"
#include "engine/pack.h"
#include "engine/tokenizer.h"

namespace swepo {
namespace {

const SpecialIds kIds{256, 259, 257, 258};  // bos, sep, eos, pad (ByteTokenizer)

ModelConfig config(int64_t max_seq_len = 48) {
  ModelConfig c;
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.n_head = 2;
  c.d_model = 16;
  c.d_ff = 24;
  c.max_seq_len = max_seq_len;
  c.init_std = 0.2;
  return c;
}

TruncationConfig limits(int64_t max_prompt, int64_t max_total, int64_t max_seq_len = 48) {
  TruncationConfig t;
  t.max_prompt_tokens = max_prompt;
  t.max_total_tokens = max_total;
  return truncation_resolve(t, max_seq_len);
}

TEST(PackLayout, OneGroupWorkedByHand) {
  // Prompt [5 6]; responses [7 8] and [9]. Packed: BOS 5 6 SEP | 7 8 | 9
  //   token      0  1 2  3  | 4 5 | 6
  //   positions  0  1 2  3  | 4 5 | 4     (the second response restarts after the prompt)
  // Scored (token -> target): response 0: 3->7, 4->8, 5->EOS; response 1: 3->9, 6->EOS.
  const std::vector<TokenizedGroup> g = {{{5, 6}, {{7, 8}, {9}}, {2.0, 1.0}}};
  PackedBatch p = pack_groups(g, kIds, limits(8, 32));
  EXPECT_TRUE(p.tokens.equal(torch::tensor({256, 5, 6, 259, 7, 8, 9}, torch::kLong)));
  EXPECT_TRUE(p.positions.equal(torch::tensor({0, 1, 2, 3, 4, 5, 4}, torch::kLong)));
  EXPECT_TRUE(p.score_col.equal(torch::tensor({3, 4, 5, 3, 6}, torch::kLong)));
  EXPECT_TRUE(p.score_target.equal(torch::tensor({7, 8, 257, 9, 257}, torch::kLong)));
  EXPECT_TRUE(p.score_slot.equal(torch::tensor({0, 0, 0, 1, 1}, torch::kLong)));
  EXPECT_TRUE(p.lengths.equal(torch::tensor({{3, 2}}, torch::kLong)));  // R + 1 each, as the rows
  EXPECT_EQ(p.tokens_total, 7);
  // Attention: the prompt (tokens 0-3) once; response 0 = tokens 4, 5; response 1 = token 6.
  EXPECT_TRUE(p.attn.prompt_idx.equal(torch::tensor({{0, 1, 2, 3}}, torch::kLong)));
  EXPECT_TRUE(p.attn.resp_idx.equal(torch::tensor({{4, 5}, {6, 0}}, torch::kLong)));
  EXPECT_TRUE(p.attn.resp_valid.equal(torch::tensor({{true, true}, {true, false}})));
  EXPECT_TRUE(p.attn.resp_group.equal(torch::tensor({0, 0}, torch::kLong)));
  // Keys of a response: the 4 prompt tokens, then its own 2 slots (causal).
  EXPECT_TRUE(p.attn.resp_allowed[1][0][0].equal(torch::tensor({1, 1, 1, 1, 1, 0}, torch::kBool)));
  EXPECT_TRUE(p.attn.resp_allowed[0][0][0].equal(torch::tensor({1, 1, 1, 1, 1, 0}, torch::kBool)));
  EXPECT_TRUE(p.attn.resp_allowed[0][0][1].equal(torch::tensor({1, 1, 1, 1, 1, 1}, torch::kBool)));
  EXPECT_TRUE(p.attn.prompt_allowed[0][0][2].equal(torch::tensor({1, 1, 1, 0}, torch::kBool)));
  EXPECT_EQ(packed_group_tokens(g[0], kIds, limits(8, 32)), 7);
}

TEST(PackLayout, EachResponseAttendsToItsOwnGroupsPrompt) {
  const std::vector<TokenizedGroup> g = {{{5}, {{7}, {8}}, {1.0, 2.0}},  // tokens 0-2 prompt, 3, 4
                                         {{6, 6}, {{9}}, {1.0}}};        // tokens 5-8 prompt, 9
  PackedBatch p = pack_groups(g, kIds, limits(8, 32));
  EXPECT_EQ(p.tokens_total, 10);
  EXPECT_EQ(p.positions[5].item<int64_t>(), 0);  // the second group starts at position 0
  EXPECT_TRUE(p.attn.prompt_idx.equal(torch::tensor({{0, 1, 2, 0}, {5, 6, 7, 8}}, torch::kLong)));
  EXPECT_TRUE(p.attn.prompt_valid[0].equal(torch::tensor({true, true, true, false})));
  EXPECT_TRUE(p.attn.resp_group.equal(torch::tensor({0, 0, 1}, torch::kLong)));
  // Response 0's keys: group 0's 3 valid prompt tokens (the 4th is padding), then itself.
  EXPECT_TRUE(p.attn.resp_allowed[0][0][0].equal(torch::tensor({1, 1, 1, 0, 1}, torch::kBool)));
  // A padded prompt query sees the valid keys and itself (finite softmax, never scattered back).
  EXPECT_TRUE(p.attn.prompt_allowed[0][0][3].equal(torch::tensor({1, 1, 1, 1}, torch::kBool)));
  EXPECT_TRUE(p.attn.prompt_allowed[0][0][1].equal(torch::tensor({1, 1, 0, 0}, torch::kBool)));
}

// Groups of K from 1 to 5, empty responses, prompts and responses long enough to be truncated.
std::vector<TokenizedGroup> random_groups(uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  auto tokens = [&](int64_t len) {
    std::vector<int64_t> t;
    for (int64_t i = 0; i < len; ++i) t.push_back(static_cast<int64_t>(rng() % 256));
    return t;
  };
  std::vector<TokenizedGroup> out;
  for (int b = 0; b < n; ++b) {
    TokenizedGroup g;
    g.prompt = tokens(1 + static_cast<int64_t>(rng() % 14));
    const int K = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < K; ++k) {
      g.responses.push_back(tokens(static_cast<int64_t>(rng() % 20)));
      g.scores.push_back(static_cast<double>(rng() % 10));
    }
    out.push_back(std::move(g));
  }
  return out;
}

double rel_err(const at::Tensor& a, const at::Tensor& b) {
  const double scale = std::max(b.abs().max().item<double>(), 1e-30);
  return (a - b).abs().max().item<double>() / scale;
}

// Gradient of Σ w_bk logp_bk over every parameter, flattened.
at::Tensor grad_of(Transformer& m, const at::Tensor& logps, const at::Tensor& w) {
  for (auto& p : m->parameters()) p.mutable_grad() = at::Tensor();
  (logps * w).sum().backward();
  std::vector<at::Tensor> gs;
  for (auto& p : m->parameters()) gs.push_back(p.grad().flatten().clone());
  return torch::cat(gs);
}

void expect_layouts_agree(at::ScalarType dtype, double tol, const SpecialIds& ids = kIds) {
  torch::manual_seed(3);
  Transformer m(config());
  m->to(dtype);
  const TruncationConfig t = limits(8, 20);  // prompts over 8 and rows over 20 tokens are cut
  for (uint64_t seed : {1, 2, 3}) {
    auto g = random_groups(seed, 6);
    if (ids.eos < 0)  // without an EOS a response needs a token of its own to be scored
      for (auto& grp : g)
        for (auto& r : grp.responses)
          if (r.empty()) r.push_back(42);
    CollatedBatch rows = collate_groups(g, ids, t);
    ASSERT_GT(rows.truncated_responses + rows.truncated_prompts, 0);
    PackedBatch packed = pack_groups(g, ids, t);
    ResponseLogps a = response_logps(m, rows), b = response_logps(m, packed);
    EXPECT_EQ(b.logps.scalar_type(), dtype == at::kDouble ? at::kDouble : at::kFloat);
    EXPECT_LE(rel_err(b.logps, a.logps), tol) << "seed " << seed;
    EXPECT_TRUE(b.lengths.equal(a.lengths));
    EXPECT_TRUE((b.logps.detach() == 0).logical_or(rows.valid).all().item<bool>());
    at::Tensor w = torch::randn({rows.B, rows.K}, a.logps.options());  // [B, K]
    EXPECT_LE(rel_err(grad_of(m, b.logps, w), grad_of(m, a.logps, w)), tol) << "seed " << seed;
  }
}

TEST(PackLayout, LogpsAndGradientsEqualTheRowLayoutFloat64) { expect_layouts_agree(at::kDouble, 1e-10); }
TEST(PackLayout, LogpsAndGradientsEqualTheRowLayoutFloat32) { expect_layouts_agree(at::kFloat, 1e-5); }
// A chat template's layout: no BOS/SEP/EOS added (the template's text carries its specials).
TEST(PackLayout, WithoutSpecialsLogpsAndGradientsEqualTheRowLayout) {
  expect_layouts_agree(at::kDouble, 1e-10, SpecialIds{-1, -1, -1, 0});
}

TEST(PackLayout, ResponseChunksAddUpToTheWhole) {
  torch::manual_seed(4);
  Transformer m(config());
  m->to(at::kDouble);
  const TruncationConfig t = limits(8, 20);
  const auto g = random_groups(7, 5);
  PackedBatch all = pack_groups(g, kIds, t);
  at::Tensor whole = response_logps(m, all).logps.detach();  // [B, K]
  at::Tensor sum = torch::zeros_like(whole);
  for (int64_t c = 0; c < all.K; c += 2) {
    PackedBatch part = pack_groups(g, kIds, t, all.K, {c, c + 2});
    at::Tensor lp = response_logps(m, part).logps.detach();  // [B, K]: 0 outside [c, c+2)
    at::Tensor outside = torch::ones({all.K}, torch::kBool);
    outside.slice(0, c, std::min(all.K, c + 2)).fill_(false);
    EXPECT_TRUE((lp.index({torch::indexing::Slice(), outside}) == 0).all().item<bool>());
    sum += lp;
  }
  EXPECT_LE(rel_err(sum, whole), 1e-12);
}

TEST(PackLayout, SftPackingEqualsRows) {
  torch::manual_seed(5);
  Transformer m(config());
  m->to(at::kDouble);
  const TruncationConfig t = limits(8, 20);
  std::vector<TokenizedSft> ex;
  for (const auto& g : random_groups(11, 7)) ex.push_back({g.prompt, g.responses[0]});
  NllSum a = sft_loss(m, collate_sft(ex, kIds, t));
  NllSum b = sft_loss(m, pack_sft(ex, kIds, t));
  EXPECT_DOUBLE_EQ(b.count.item<double>(), a.count.item<double>());
  EXPECT_LE(std::abs(b.sum.item<double>() - a.sum.item<double>()) / a.sum.item<double>(), 1e-10);
  for (auto& p : m->parameters()) p.mutable_grad() = at::Tensor();
  a.sum.backward();
  std::vector<at::Tensor> ga;
  for (auto& p : m->parameters()) ga.push_back(p.grad().flatten().clone());
  for (auto& p : m->parameters()) p.mutable_grad() = at::Tensor();
  b.sum.backward();
  std::vector<at::Tensor> gb;
  for (auto& p : m->parameters()) gb.push_back(p.grad().flatten().clone());
  EXPECT_LE(rel_err(torch::cat(gb), torch::cat(ga)), 1e-10);
}

TEST(PackLayout, PositionsBeyondTheModelAreAnError) {
  Transformer m(config(16));
  const std::vector<TokenizedGroup> g = {{{5, 6, 7, 8, 9, 10, 11, 12}, {{1, 2, 3, 4, 5, 6, 7, 8, 9}}, {1.0}}};
  PackedBatch p = pack_groups(g, kIds, limits(8, 24, 24));  // positions up to 19 > 15
  EXPECT_THROW(response_logps(m, p), UserError);
}

}  // namespace
}  // namespace swepo
