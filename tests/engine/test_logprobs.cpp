// Response log-probs: equal to the hand sum of log_softmax entries, independent of batch padding,
// zero and finite for invalid slots; SFT loss as (sum, count) that accumulates exactly.
//
// Dimension glossary: B prompts, K slots, N = B*K rows, T tokens, V vocab.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/logprobs.h"
#include "engine/tokenizer.h"

namespace swepo {
namespace {

ModelConfig tiny_config() {
  ModelConfig c;
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.n_head = 2;
  c.d_model = 16;
  c.d_ff = 24;
  c.max_seq_len = 32;
  c.init_std = 0.2;
  return c;
}

const SpecialIds kIds{256, 259, 257, 258};

TruncationConfig limits() {
  TruncationConfig t;
  t.max_prompt_tokens = 8;
  t.max_total_tokens = 32;
  return truncation_resolve(t, 32);
}

std::vector<TokenizedGroup> groups() {
  return {
      {{72, 105}, {{104, 101, 121}, {111}}, {3.0, 1.0}},          // K_0 = 2
      {{65, 66, 67}, {{120}, {121, 122}, {0, 255}}, {1, 2, 3}},  // K_1 = 3
  };
}

TEST(LogProbs, ResponseLogpEqualsHandSumOfTokenLogSoftmax) {
  torch::manual_seed(0);
  Transformer m(tiny_config());
  CollatedBatch b = collate_groups(groups(), kIds, limits());
  ResponseLogps r = response_logps(m, b);
  ASSERT_EQ(r.logps.sizes(), (at::IntArrayRef{2, 3}));
  EXPECT_EQ(r.logps.scalar_type(), at::kFloat);
  at::Tensor logits = m->forward(b.tokens).detach();  // [N, T, V]
  // Slot (0, 0): prompt [72 105], response [104 101 121]. Row: BOS 72 105 SEP 104 101 121 EOS.
  // Scored: position 3 -> 104, 4 -> 101, 5 -> 121, 6 -> EOS.
  const std::vector<std::pair<int64_t, int64_t>> pos_target{{3, 104}, {4, 101}, {5, 121}, {6, 257}};
  double hand = 0;
  for (auto [t, y] : pos_target) hand += torch::log_softmax(logits[0][t], -1)[y].item<double>();
  EXPECT_NEAR(r.logps[0][0].item<double>(), hand, 1e-4);
  // Every valid slot: generic loop over its scored range.
  const std::vector<TokenizedGroup> gs = groups();
  for (int64_t bb = 0; bb < 2; ++bb)
    for (int64_t k = 0; k < 3; ++k) {
      if (!b.valid[bb][k].item<bool>()) continue;
      const int64_t n = bb * 3 + k;
      const auto& g = gs[static_cast<size_t>(bb)];
      const int64_t P = static_cast<int64_t>(g.prompt.size());
      const auto& resp = g.responses[static_cast<size_t>(k)];
      double s = 0;
      for (size_t j = 0; j <= resp.size(); ++j) {  // response tokens then EOS
        const int64_t y = j < resp.size() ? resp[j] : 257;
        s += torch::log_softmax(logits[n][P + 1 + static_cast<int64_t>(j)], -1)[y].item<double>();
      }
      EXPECT_NEAR(r.logps[bb][k].item<double>(), s, 1e-4) << bb << "," << k;
      EXPECT_EQ(r.lengths[bb][k].item<float>(), static_cast<float>(resp.size() + 1));
    }
}

TEST(LogProbs, InvalidSlotsAreZeroAndNothingIsNaN) {
  torch::manual_seed(0);
  Transformer m(tiny_config());
  CollatedBatch b = collate_groups(groups(), kIds, limits());
  ResponseLogps r = response_logps(m, b);
  EXPECT_EQ(r.logps[0][2].item<float>(), 0.0f);
  EXPECT_EQ(r.lengths[0][2].item<float>(), 0.0f);
  EXPECT_TRUE(torch::isfinite(r.logps).all().item<bool>());
  EXPECT_TRUE((r.logps.masked_select(b.valid) < 0).all().item<bool>());
  // Gradients are finite too, and the padding slot contributes none.
  r.logps.sum().backward();
  for (const auto& p : m->parameters()) EXPECT_TRUE(torch::isfinite(p.grad()).all().item<bool>());
}

TEST(LogProbs, IndependentOfOtherRowsAndPadding) {
  torch::manual_seed(0);
  Transformer m(tiny_config());
  ResponseLogps together = response_logps(m, collate_groups(groups(), kIds, limits()));
  // Prompt 1 alone (shorter T, no padding slot) gives the same values.
  ResponseLogps alone = response_logps(m, collate_groups({groups()[1]}, kIds, limits()));
  EXPECT_TRUE(torch::allclose(together.logps[1], alone.logps[0], 1e-5, 1e-5));
}

TEST(LogProbs, NextTokenLogpsLastPositionIsZero) {
  at::Tensor logits = torch::zeros({1, 3, 4});  // uniform over 4: log(1/4) each
  at::Tensor tokens = torch::tensor({{0, 1, 2}}, torch::TensorOptions().dtype(at::kLong));
  at::Tensor lp = next_token_logps(logits, tokens);  // [1, 3]
  EXPECT_NEAR(lp[0][0].item<float>(), -std::log(4.0), 1e-6);
  EXPECT_NEAR(lp[0][1].item<float>(), -std::log(4.0), 1e-6);
  EXPECT_EQ(lp[0][2].item<float>(), 0.0f);
}

TEST(LogProbs, SftLossSumCountAndExactAccumulation) {
  torch::manual_seed(0);
  Transformer m(tiny_config());
  std::vector<TokenizedSft> ex{{{1, 2}, {3, 4, 5}}, {{6}, {7}}, {{8, 9, 10}, {11, 12}}};
  NllSum all = sft_loss(m, collate_sft(ex, kIds, limits()));
  // Scored tokens: (3 + 1) + (1 + 1) + (2 + 1) = 9.
  EXPECT_EQ(all.count.item<float>(), 9.0f);
  // Hand: the same tokens as response log-probs of single-response groups.
  std::vector<TokenizedGroup> as_groups;
  for (const auto& e : ex) as_groups.push_back({e.prompt, {e.response}, {0.0}});
  ResponseLogps r = response_logps(m, collate_groups(as_groups, kIds, limits()));
  EXPECT_NEAR(all.sum.item<double>(), -r.logps.sum().item<double>(), 1e-4);
  // Split into micro-batches {0, 1} and {2}: sums and counts add up to the whole batch.
  NllSum a = sft_loss(m, collate_sft({ex[0], ex[1]}, kIds, limits()));
  NllSum b = sft_loss(m, collate_sft({ex[2]}, kIds, limits()));
  EXPECT_EQ(a.count.item<float>() + b.count.item<float>(), 9.0f);
  EXPECT_NEAR(a.sum.item<double>() + b.sum.item<double>(), all.sum.item<double>(), 1e-4);
  EXPECT_GT(all.sum.item<double>(), 0.0);
  all.sum.backward();
  EXPECT_GT(m->named_parameters()["model.embed_tokens.weight"].grad().abs().sum().item<double>(), 0.0);
}

}  // namespace
}  // namespace swepo
