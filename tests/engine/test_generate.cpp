// Generation: cached == uncached (greedy and sampled), determinism under a seed, batched rows equal
// single rows, stop at EOS, max_new_tokens, top-p.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/generate.h"
#include "core/util/error.h"

namespace swepo {
namespace {

ModelConfig gen_config() {
  ModelConfig c;
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.n_head = 2;
  c.d_model = 32;
  c.d_ff = 48;
  c.max_seq_len = 48;
  c.init_std = 0.3;
  return c;
}

const std::vector<std::vector<int64_t>> kPrompts{{104, 105}, {1, 2, 3, 4, 5, 6, 7}, {200}};

GenerationConfig gcfg(double temperature, bool cache, int64_t max_new = 12, double top_p = 1.0) {
  GenerationConfig g;
  g.temperature = temperature;
  g.use_cache = cache;
  g.max_new_tokens = max_new;
  g.top_p = top_p;
  return g;
}

GenerationResult run(Transformer& m, const GenerationConfig& g, uint64_t seed,
                     const std::vector<std::vector<int64_t>>& prompts = kPrompts) {
  at::Generator gen = at::detail::createCPUGenerator(seed);
  return generate(m, ByteTokenizer(), prompts, g, gen);
}

// A model that maps its last input token to the next one: SEP -> 'a' -> 'b' -> 'c' -> EOS.
// Every block outputs zero (zero weights), so the residual stream is the input embedding.
Transformer chain_model() {
  ModelConfig c = gen_config();
  c.tie_embeddings = false;
  Transformer m(c);
  torch::NoGradGuard ng;
  for (auto& item : m->named_parameters()) {
    const bool is_norm = item.key().find("norm") != std::string::npos;
    item.value().fill_(is_norm ? 1.0 : 0.0);
  }
  auto p = m->named_parameters();
  at::Tensor emb = p["model.embed_tokens.weight"], head = p["lm_head.weight"];  // [V, D]
  const int64_t chain[] = {ByteTokenizer::kSep, 'a', 'b', 'c', ByteTokenizer::kEos};
  for (int64_t i = 0; i < 4; ++i) {
    emb[chain[i]][i].fill_(1.0);       // one-hot direction i
    head[chain[i + 1]][i].fill_(10.0);  // logit 10 * rms-normalised 1 = 10 * sqrt(32) for next
  }
  return m;
}

TEST(Generate, CachedAndUncachedGiveTheSameTokens) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  GenerationResult g_c = run(m, gcfg(0.0, true), 1), g_u = run(m, gcfg(0.0, false), 1);
  EXPECT_EQ(g_c.tokens, g_u.tokens);
  EXPECT_EQ(g_c.finished, g_u.finished);
  GenerationResult s_c = run(m, gcfg(1.0, true), 42), s_u = run(m, gcfg(1.0, false), 42);
  EXPECT_EQ(s_c.tokens, s_u.tokens);
  GenerationResult p_c = run(m, gcfg(0.8, true, 12, 0.9), 7), p_u = run(m, gcfg(0.8, false, 12, 0.9), 7);
  EXPECT_EQ(p_c.tokens, p_u.tokens);
  // Something was actually generated.
  size_t total = 0;
  for (const auto& t : s_c.tokens) total += t.size();
  EXPECT_GT(total, 0u);
}

TEST(Generate, DeterministicUnderSeed) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  GenerationResult a = run(m, gcfg(1.0, true, 16), 123), b = run(m, gcfg(1.0, true, 16), 123);
  GenerationResult c = run(m, gcfg(1.0, true, 16), 124);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_NE(a.tokens, c.tokens);  // 3 rows x up to 16 draws over ~257 tokens: a clash is ~impossible
}

TEST(Generate, BatchedRowsEqualRowsGeneratedAlone) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  GenerationResult batch = run(m, gcfg(0.0, true), 1);
  for (size_t i = 0; i < kPrompts.size(); ++i) {
    GenerationResult alone = run(m, gcfg(0.0, true), 1, {kPrompts[i]});
    EXPECT_EQ(batch.tokens[i], alone.tokens[0]) << "row " << i;
  }
}

TEST(Generate, StopsAtEosAndRespectsMaxNewTokens) {
  Transformer m = chain_model();
  for (bool cache : {true, false}) {
    GenerationResult r = run(m, gcfg(0.0, cache, 10), 1);
    for (size_t i = 0; i < kPrompts.size(); ++i) {
      EXPECT_EQ(r.tokens[i], (std::vector<int64_t>{'a', 'b', 'c'})) << i;  // EOS not included
      EXPECT_TRUE(r.finished[i]);
    }
    GenerationResult cut = run(m, gcfg(0.0, cache, 2), 1);
    EXPECT_EQ(cut.tokens[0], (std::vector<int64_t>{'a', 'b'}));
    EXPECT_FALSE(cut.finished[0]);
    // Sampling at temperature 1: the chain's logit gap (10*sqrt(32) ~ 57) makes it certain.
    GenerationResult s = run(m, gcfg(1.0, cache, 10), 3);
    EXPECT_EQ(s.tokens[1], (std::vector<int64_t>{'a', 'b', 'c'}));
  }
  at::Generator gen = at::detail::createCPUGenerator(0);
  EXPECT_EQ(generate_text(m, ByteTokenizer(), {"hello", ""}, gcfg(0.0, true), gen),
            (std::vector<std::string>{"abc", "abc"}));
}

TEST(Generate, MaxNewTokensBoundsEveryRow) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  GenerationResult r = run(m, gcfg(1.0, true, 5), 9);
  for (size_t i = 0; i < r.tokens.size(); ++i) {
    if (r.finished[i])
      EXPECT_LT(r.tokens[i].size(), 5u);
    else
      EXPECT_EQ(r.tokens[i].size(), 5u);
    for (int64_t id : r.tokens[i]) EXPECT_LT(id, 256);  // specials are never emitted as text
  }
}

TEST(Generate, TinyTopPIsGreedy) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  // top_p -> 0 keeps only the most likely token: the same as greedy, whatever the seed.
  GenerationResult greedy = run(m, gcfg(0.0, true), 1), nucleus = run(m, gcfg(1.0, true, 12, 1e-9), 77);
  EXPECT_EQ(greedy.tokens, nucleus.tokens);
}

TEST(Generate, ConfigErrors) {
  torch::manual_seed(0);
  Transformer m(gen_config());
  EXPECT_THROW(run(m, gcfg(0.0, true, 47), 1), UserError);  // 48 - 47 - 2 < 1: no prompt room
  EXPECT_THROW(run(m, gcfg(-1.0, true), 1), UserError);
  EXPECT_THROW(run(m, gcfg(1.0, true, 4, 0.0), 1), UserError);
}

}  // namespace
}  // namespace swepo
