// The Llama-family options of the Transformer (GQA, explicit head_dim, q/k/v/o biases, qk norm,
// llama3 / linear RoPE scaling, sliding window): HF parameter names and shapes, the parameter count,
// the KV cache (Hkv heads) equal to the full forward, left padding, the shared-prompt layout equal to
// the row layout in float64, and the native draw order (q/k/v as one matrix) kept.
//
// Dimension glossary: N rows, T tokens, V vocab, D d_model, H heads, Hkv kv heads, Dh head width.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <filesystem>
#include <random>
#include <sstream>

#include <unistd.h>

#include "core/util/error.h"
#include "engine/checkpoint.h"
#include "engine/logprobs.h"
#include "engine/model.h"
#include "engine/pack.h"
#include "engine/tokenizer.h"

namespace swepo {
namespace {

const SpecialIds kIds{256, 259, 257, 258};  // bos, sep, eos, pad (ByteTokenizer)

// D 24, H 4, Hkv 2, Dh 8 (H·Dh = 32 != D), biases, qk norm, llama3 RoPE.
ModelConfig gqa_config() {
  ModelConfig c;
  c.arch = "qwen3";
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.n_head = 4;
  c.n_kv_head = 2;
  c.head_dim = 8;
  c.d_model = 24;
  c.d_ff = 20;
  c.max_seq_len = 48;
  c.attention_bias = true;
  c.qk_norm = true;
  c.rope_scaling_type = "llama3";
  c.rope_scaling_factor = 8.0;
  c.rope_original_max_position = 16;
  c.tie_embeddings = false;
  c.init_std = 0.2;
  return c;
}

// Random values everywhere (biases and norm gains too, which reset_parameters sets to 0 / 1).
Transformer random_model(const ModelConfig& c, at::ScalarType dtype = at::kFloat) {
  torch::manual_seed(11);
  Transformer m(c);
  m->to(dtype);
  torch::NoGradGuard ng;
  for (auto& p : m->parameters()) p.copy_(torch::randn(p.sizes(), p.options()) * 0.3 + (p.dim() == 1 ? 1.0 : 0.0));
  return m;
}

at::Tensor random_tokens(int64_t N, int64_t T, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(0, 256, {N, T}, gen, torch::TensorOptions().dtype(at::kLong));  // [N, T]
}

double rel_err(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(b.abs().max().item<double>(), 1e-30);
}

TEST(ModelArch, HfNamesAndShapes) {
  Transformer m(gqa_config());
  auto p = m->named_parameters();
  const std::vector<std::pair<std::string, std::vector<int64_t>>> want = {
      {"model.embed_tokens.weight", {260, 24}},
      {"model.layers.0.self_attn.q_proj.weight", {32, 24}},
      {"model.layers.0.self_attn.q_proj.bias", {32}},
      {"model.layers.0.self_attn.k_proj.weight", {16, 24}},
      {"model.layers.0.self_attn.k_proj.bias", {16}},
      {"model.layers.0.self_attn.v_proj.weight", {16, 24}},
      {"model.layers.0.self_attn.v_proj.bias", {16}},
      {"model.layers.0.self_attn.o_proj.weight", {24, 32}},
      {"model.layers.0.self_attn.o_proj.bias", {24}},  // qwen3 with attention_bias: o_proj biased
      {"model.layers.0.self_attn.q_norm.weight", {8}},
      {"model.layers.0.self_attn.k_norm.weight", {8}},
      {"model.layers.0.mlp.gate_proj.weight", {20, 24}},
      {"model.layers.0.mlp.up_proj.weight", {20, 24}},
      {"model.layers.0.mlp.down_proj.weight", {24, 20}},
      {"model.layers.0.input_layernorm.weight", {24}},
      {"model.layers.0.post_attention_layernorm.weight", {24}},
      {"model.norm.weight", {24}},
      {"lm_head.weight", {260, 24}},
  };
  for (const auto& [name, shape] : want) {
    ASSERT_NE(p.find(name), nullptr) << name;
    EXPECT_EQ(p[name].sizes(), at::IntArrayRef(shape)) << name;
  }
  EXPECT_EQ(p.size(), 1 + 2 * 15 + 2u);  // 15 per layer
  EXPECT_EQ(m->named_buffers().size(), 0u);
  EXPECT_EQ(model_numel(m), count_parameters(gqa_config()));
  // qwen2: q/k/v biases but never an o_proj bias.
  ModelConfig q2 = gqa_config();
  q2.arch = "qwen2";
  q2.qk_norm = false;
  Transformer m2(q2);
  EXPECT_EQ(m2->named_parameters().find("model.layers.1.self_attn.o_proj.bias"), nullptr);
  EXPECT_NE(m2->named_parameters().find("model.layers.1.self_attn.v_proj.bias"), nullptr);
  EXPECT_EQ(model_numel(m2), count_parameters(q2));
}

TEST(ModelArch, NativeDrawOrderQkvAsOneMatrix) {
  // The native presets draw q/k/v as one [3D, D] normal matrix and gate/up as one [2F, D]: the
  // same values as before the split into HF projections.
  ModelConfig c;
  c.vocab_size = 40;
  c.n_layer = 1;
  c.d_model = 16;
  c.n_head = 2;
  c.d_ff = 24;
  torch::manual_seed(3);
  Transformer m(c);
  torch::manual_seed(3);
  at::Tensor emb = torch::empty({40, 16}).normal_(0.0, c.init_std);
  at::Tensor qkv = torch::empty({48, 16}).normal_(0.0, c.init_std);
  at::Tensor gu = torch::empty({48, 16}).normal_(0.0, c.init_std);
  auto p = m->named_parameters();
  EXPECT_TRUE(torch::equal(p["model.embed_tokens.weight"], emb));
  EXPECT_TRUE(torch::equal(p["model.layers.0.self_attn.k_proj.weight"], qkv.slice(0, 16, 32)));
  EXPECT_TRUE(torch::equal(p["model.layers.0.mlp.up_proj.weight"], gu.slice(0, 24, 48)));
}

TEST(ModelArch, KvCacheEqualsFullForwardWithGqa) {
  Transformer m = random_model(gqa_config());
  at::Tensor tokens = random_tokens(2, 12, 1);  // [2, 12]
  at::Tensor full = m->forward(tokens);          // [2, 12, V]
  KVCache cache = m->make_cache(2, 12);
  EXPECT_EQ(cache.keys[0].sizes(), (at::IntArrayRef{2, 2, 12, 8}));  // Hkv heads cached
  at::Tensor a = m->forward_cached(tokens.slice(1, 0, 5), cache);
  at::Tensor b = m->forward_cached(tokens.slice(1, 5, 12), cache);
  EXPECT_LE(rel_err(torch::cat({a, b}, 1), full), 1e-5);
}

TEST(ModelArch, LeftPaddedRowComputesWhatItComputesAlone) {
  Transformer m = random_model(gqa_config());
  at::Tensor row = random_tokens(1, 6, 2);                                              // [1, 6]
  at::Tensor padded = torch::cat({torch::full({1, 3}, 7, row.options()), row}, 1);      // [1, 9]
  at::Tensor alone = m->forward(row);
  at::Tensor with_pad = m->forward(padded, torch::full({1}, 3, row.options()));
  EXPECT_LE(rel_err(with_pad.slice(1, 3, 9), alone), 1e-5);
}

TEST(ModelArch, SharedPromptLayoutEqualsRowsFloat64) {
  Transformer m = random_model(gqa_config(), at::kDouble);
  std::mt19937_64 rng(5);
  auto tokens = [&](int64_t len) {
    std::vector<int64_t> t;
    for (int64_t i = 0; i < len; ++i) t.push_back(static_cast<int64_t>(rng() % 256));
    return t;
  };
  std::vector<TokenizedGroup> groups;
  for (int b = 0; b < 4; ++b) {
    TokenizedGroup g;
    g.prompt = tokens(1 + static_cast<int64_t>(rng() % 10));
    for (int k = 0; k < 1 + b; ++k) {
      g.responses.push_back(tokens(1 + static_cast<int64_t>(rng() % 12)));
      g.scores.push_back(static_cast<double>(k));
    }
    groups.push_back(std::move(g));
  }
  TruncationConfig t;
  t.max_prompt_tokens = 12;
  t.max_total_tokens = 30;
  t = truncation_resolve(t, 48);
  ResponseLogps rows = response_logps(m, collate_groups(groups, kIds, t));
  ResponseLogps packed = response_logps(m, pack_groups(groups, kIds, t));
  EXPECT_LE(rel_err(packed.logps, rows.logps), 1e-10);
  EXPECT_TRUE(packed.lengths.equal(rows.lengths));
}

TEST(ModelArch, RopeScalingChangesOnlyLongWavelengths) {
  // llama3 with factor 8 and original 16 positions, Dh 8, theta 1e4: wavelengths 2π·(1, 10, 100,
  // 1000) ≈ 6.3 (< 16/4: kept), 62.8, 628, 6283 (> 16: divided by 8). A model that differs only in
  // the scaling gives different logits, except at position 0 (angle 0 for every frequency).
  ModelConfig plain = gqa_config();
  plain.rope_scaling_type = "none";
  Transformer a = random_model(gqa_config()), b = random_model(plain);
  at::Tensor tokens = random_tokens(1, 8, 3);
  at::Tensor la = a->forward(tokens), lb = b->forward(tokens);
  EXPECT_LE(rel_err(la.slice(1, 0, 1), lb.slice(1, 0, 1)), 1e-6);
  EXPECT_GT(rel_err(la.slice(1, 1, 8), lb.slice(1, 1, 8)), 1e-4);
}

TEST(ModelArch, SlidingWindowRefusesLongerRows) {
  ModelConfig c = gqa_config();
  c.sliding_window = 6;
  Transformer m = random_model(c);
  EXPECT_NO_THROW(m->forward(random_tokens(1, 6, 4)));
  try {
    m->forward(random_tokens(1, 7, 4));
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("sliding_window = 6"), std::string::npos) << e.what();
  }
  // Left padding does not count: 3 pad + 6 real tokens is a 6-position row.
  at::Tensor padded = torch::cat({torch::zeros({1, 3}, torch::kLong), random_tokens(1, 6, 4)}, 1);
  EXPECT_NO_THROW(m->forward(padded, torch::full({1}, 3, torch::kLong)));
  KVCache cache = m->make_cache(1, 10);
  m->forward_cached(random_tokens(1, 6, 5), cache);
  EXPECT_THROW(m->forward_cached(random_tokens(1, 1, 5), cache), UserError);
}

TEST(ModelArch, ConfigChecks) {
  ModelConfig c = gqa_config();
  c.n_kv_head = 3;  // does not divide 4
  EXPECT_THROW(Transformer{c}, UserError);
  c = gqa_config();
  c.arch = "gpt2";
  EXPECT_THROW(Transformer{c}, UserError);
  c = gqa_config();
  c.rope_scaling_type = "yarn";
  EXPECT_THROW(Transformer{c}, UserError);
  c = gqa_config();
  c.d_model = 30;  // not a multiple of n_head, but head_dim is explicit: fine
  EXPECT_NO_THROW(Transformer{c});
}

TEST(ModelArch, CheckpointsWithThePreHfNamesAreRecognised) {
  // A weights-only checkpoint as the previous naming wrote it: "tok_emb", "block0.wqkv", ...
  torch::serialize::OutputArchive ar, mar;
  ar.write("format", c10::IValue(kCheckpointFormat));
  ar.write("phase", c10::IValue(std::string("model")));
  ar.write("fingerprint", c10::IValue(std::string("")));
  for (const char* k : {"step", "data_epoch", "data_offset"}) ar.write(k, c10::IValue(int64_t{0}));
  mar.write("tok_emb", torch::zeros({260, 24}));
  ar.write("model", mar);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("swepo_old_ckpt_" + std::to_string(::getpid()) + ".pt")).string();
  ar.save_to(path);
  Transformer m(gqa_config());
  try {
    load_model_weights(path, m);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("older swepo"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace swepo
