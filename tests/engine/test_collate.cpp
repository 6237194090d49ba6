// Collation: exact row layout and masks, K varying across prompts, truncation policy and counts.
//
// Dimension glossary: B prompts, K slots, N = B*K rows, T tokens.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/collate.h"
#include "core/util/error.h"

namespace swepo {
namespace {

// Byte tokenizer specials: BOS 256, EOS 257, PAD 258, SEP 259.
const SpecialIds kIds{256, 259, 257, 258};

std::vector<int64_t> row_of(const at::Tensor& t, int64_t n) {
  at::Tensor r = t[n].contiguous();
  return std::vector<int64_t>(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + r.numel());
}
std::vector<bool> mask_of(const at::Tensor& m, int64_t n) {
  std::vector<bool> v;
  for (int64_t j = 0; j < m.size(1); ++j) v.push_back(m[n][j].item<bool>());
  return v;
}

TruncationConfig limits(int64_t prompt, int64_t total) {
  TruncationConfig t;
  t.max_prompt_tokens = prompt;
  t.max_total_tokens = total;
  return truncation_resolve(t, 64);
}

TEST(Collate, RowLayoutAndResponseMask) {
  // prompt [10 11 12], response [20 21]:
  //   slot  0    1  2  3  4    5  6  7
  //   tok   BOS 10 11 12  SEP 20 21 EOS
  // scored positions predict 20 (slot 4), 21 (slot 5), EOS (slot 6): P+1 = 4 .. P+1+R = 6.
  std::vector<TokenizedGroup> groups{{{10, 11, 12}, {{20, 21}, {30}}, {1.0, 2.0}}};
  CollatedBatch b = collate_groups(groups, kIds, limits(16, 32));
  EXPECT_EQ(b.B, 1);
  EXPECT_EQ(b.K, 2);
  EXPECT_EQ(b.tokens.sizes(), (at::IntArrayRef{2, 8}));
  EXPECT_EQ(row_of(b.tokens, 0), (std::vector<int64_t>{256, 10, 11, 12, 259, 20, 21, 257}));
  // Second response [30] is one shorter: BOS 10 11 12 SEP 30 EOS PAD.
  EXPECT_EQ(row_of(b.tokens, 1), (std::vector<int64_t>{256, 10, 11, 12, 259, 30, 257, 258}));
  EXPECT_EQ(mask_of(b.response_mask, 0),
            (std::vector<bool>{false, false, false, false, true, true, true, false}));
  EXPECT_EQ(mask_of(b.response_mask, 1),
            (std::vector<bool>{false, false, false, false, true, true, false, false}));
  EXPECT_EQ(b.lengths[0][0].item<int64_t>(), 3);  // R + 1 = 2 + 1
  EXPECT_EQ(b.lengths[0][1].item<int64_t>(), 2);  // 1 + 1
  EXPECT_FLOAT_EQ(b.scores[0][1].item<float>(), 2.0f);
  EXPECT_EQ(b.truncated_responses, 0);
  EXPECT_EQ(b.truncated_prompts, 0);
}

TEST(Collate, KVaryingAcrossPromptsGivesValidityMaskAndPadRows) {
  std::vector<TokenizedGroup> groups{
      {{1}, {{2}, {3, 4}}, {5.0, 1.0}},           // K_0 = 2
      {{5, 6}, {{7}, {8}, {9, 9, 9}}, {1, 2, 3}},  // K_1 = 3
  };
  CollatedBatch b = collate_groups(groups, kIds, limits(16, 32));
  EXPECT_EQ(b.K, 3);
  EXPECT_EQ(b.tokens.size(0), 6);
  EXPECT_TRUE(torch::equal(b.valid, torch::tensor({{true, true, false}, {true, true, true}})));
  // Slot (0, 2) = row 2: all PAD, nothing scored, length 0, score 0.
  EXPECT_TRUE((b.tokens[2] == 258).all().item<bool>());
  EXPECT_FALSE(b.response_mask[2].any().item<bool>());
  EXPECT_EQ(b.lengths[0][2].item<int64_t>(), 0);
  EXPECT_EQ(b.scores[0][2].item<float>(), 0.0f);
  EXPECT_EQ(b.lengths[1][2].item<int64_t>(), 4);  // 3 tokens + EOS
  // T = longest row: BOS 5 6 SEP 9 9 9 EOS = 8.
  EXPECT_EQ(b.tokens.size(1), 8);
  // Fixed slot count: K = 4 pads every prompt; fewer slots than responses is an error.
  EXPECT_EQ(collate_groups(groups, kIds, limits(16, 32), 4).K, 4);
  EXPECT_THROW(collate_groups(groups, kIds, limits(16, 32), 2), UserError);
}

TEST(Collate, TruncationPolicyAndCounts) {
  // max_prompt_tokens 4, max_total_tokens 10. Prompt [1..6] keeps its last 4: [3 4 5 6].
  // Room after BOS + 4 + SEP = 10 - 6 = 4 slots for response + EOS.
  //   [20 21 22]       : 3 + 1 <= 4 fits:   BOS 3 4 5 6 SEP 20 21 22 EOS  (10 tokens, 4 scored)
  //   [30 31 32 33]    : 4 + 1 >  4 cut:    BOS 3 4 5 6 SEP 30 31 32 33   (no EOS, 4 scored)
  //   [40 .. 49]       : cut to 40 41 42 43 (4 scored)
  std::vector<int64_t> resp3{40, 41, 42, 43, 44, 45, 46, 47, 48, 49};
  std::vector<TokenizedGroup> groups{
      {{1, 2, 3, 4, 5, 6}, {{20, 21, 22}, {30, 31, 32, 33}, resp3}, {1, 2, 3}},
      {{7}, {{8}}, {1}},  // untouched
  };
  CollatedBatch b = collate_groups(groups, kIds, limits(4, 10));
  EXPECT_EQ(b.truncated_prompts, 1);
  EXPECT_EQ(b.truncated_responses, 2);
  EXPECT_EQ(b.tokens.size(1), 10);
  EXPECT_EQ(row_of(b.tokens, 0), (std::vector<int64_t>{256, 3, 4, 5, 6, 259, 20, 21, 22, 257}));
  EXPECT_EQ(row_of(b.tokens, 1), (std::vector<int64_t>{256, 3, 4, 5, 6, 259, 30, 31, 32, 33}));
  EXPECT_EQ(row_of(b.tokens, 2), (std::vector<int64_t>{256, 3, 4, 5, 6, 259, 40, 41, 42, 43}));
  // Truncated row: scored positions 5..8 predict 30..33; position 9 predicts nothing.
  EXPECT_EQ(mask_of(b.response_mask, 1),
            (std::vector<bool>{false, false, false, false, false, true, true, true, true, false}));
  EXPECT_EQ(b.lengths[0][0].item<int64_t>(), 4);
  EXPECT_EQ(b.lengths[0][1].item<int64_t>(), 4);
  EXPECT_EQ(b.lengths[0][2].item<int64_t>(), 4);
  EXPECT_EQ(b.lengths[1][0].item<int64_t>(), 2);
}

TEST(Collate, TruncationResolveDefaultsAndErrors) {
  TruncationConfig t = truncation_resolve(TruncationConfig{}, 64);
  EXPECT_EQ(t.max_total_tokens, 64);
  EXPECT_EQ(t.max_prompt_tokens, 32);  // 64 / 2
  TruncationConfig too_long;
  too_long.max_total_tokens = 65;
  EXPECT_THROW(truncation_resolve(too_long, 64), UserError);
  TruncationConfig no_room;
  no_room.max_total_tokens = 10;
  no_room.max_prompt_tokens = 8;  // 8 + 3 > 10
  EXPECT_THROW(truncation_resolve(no_room, 64), UserError);
  EXPECT_THROW(make_row({1}, {2}, kIds, TruncationConfig{}), UserError);  // unresolved
}

TEST(Collate, RowWithoutSpecialsScoresTheResponseTokensOnly) {
  // A chat template's layout: row = prompt response; position P-1 predicts the first response token.
  const SpecialIds none{-1, -1, -1, 0};
  Row r = make_row({5, 6, 7}, {8, 9}, none, limits(16, 32));
  EXPECT_EQ(r.tokens, (std::vector<int64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(r.score_begin, 2);
  EXPECT_EQ(r.score_count, 2);
  // Truncation: 3 prompt tokens leave room for 1 of the 2 response tokens in 4.
  Row cut = make_row({5, 6, 7}, {8, 9}, none, limits(1, 4));
  EXPECT_EQ(cut.tokens, (std::vector<int64_t>{7, 8, 9}));  // prompt keeps its last token
  EXPECT_FALSE(cut.response_truncated);
  Row cut2 = make_row({5, 6, 7, 1}, {8, 9, 10, 11}, none, limits(1, 4));
  EXPECT_EQ(cut2.tokens, (std::vector<int64_t>{1, 8, 9, 10}));
  EXPECT_TRUE(cut2.response_truncated);
  EXPECT_EQ(cut2.score_count, 3);
  EXPECT_THROW(make_row({}, {8}, none, limits(16, 32)), UserError);   // no context
  EXPECT_THROW(make_row({5}, {}, none, limits(16, 32)), UserError);   // nothing scored
}

TEST(Collate, SftRowsMaskResponseOnly) {
  std::vector<TokenizedSft> ex{{{1, 2}, {3}}, {{4}, {5, 6, 7}}};
  SftBatch b = collate_sft(ex, kIds, limits(16, 32));
  EXPECT_EQ(row_of(b.tokens, 0), (std::vector<int64_t>{256, 1, 2, 259, 3, 257, 258}));
  EXPECT_EQ(row_of(b.tokens, 1), (std::vector<int64_t>{256, 4, 259, 5, 6, 7, 257}));
  EXPECT_EQ(mask_of(b.loss_mask, 0), (std::vector<bool>{false, false, false, true, true, false, false}));
  EXPECT_EQ(mask_of(b.loss_mask, 1), (std::vector<bool>{false, false, true, true, true, true, false}));
  EXPECT_EQ(b.truncated_responses, 0);
}

TEST(Collate, BadInputIsAUserError) {
  EXPECT_THROW(collate_groups({}, kIds, limits(16, 32)), UserError);
  std::vector<TokenizedGroup> mismatch{{{1}, {{2}, {3}}, {1.0}}};
  EXPECT_THROW(collate_groups(mismatch, kIds, limits(16, 32)), UserError);
  std::vector<TokenizedGroup> none{{{1}, {}, {}}};
  EXPECT_THROW(collate_groups(none, kIds, limits(16, 32)), UserError);
}

}  // namespace
}  // namespace swepo
