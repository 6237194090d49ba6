// Transformer: causal masking, left-padding equivalence, KV cache equals the full forward,
// gradients against central finite differences, deep clone, frozen reference, input errors.
//
// Dimension glossary: N rows, T tokens, V vocab.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/model.h"
#include "core/util/error.h"

namespace swepo {
namespace {

ModelConfig small_config() {
  ModelConfig c;
  c.vocab_size = 40;
  c.n_layer = 2;
  c.n_head = 2;
  c.d_model = 16;
  c.d_ff = 24;
  c.max_seq_len = 32;
  c.init_std = 0.2;  // larger than default so that every position's logits differ clearly
  return c;
}

at::Tensor random_tokens(int64_t N, int64_t T, int64_t V, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randint(0, V, {N, T}, gen, torch::TensorOptions().dtype(at::kLong));  // [N, T]
}

TEST(Model, ShapesAndDtype) {
  torch::manual_seed(0);
  Transformer m(small_config());
  at::Tensor logits = m->forward(random_tokens(3, 7, 40, 1));  // [3, 7, 40]
  EXPECT_EQ(logits.sizes(), (at::IntArrayRef{3, 7, 40}));
  EXPECT_EQ(logits.scalar_type(), at::kFloat);
  EXPECT_TRUE(torch::isfinite(logits).all().item<bool>());
}

TEST(Model, ChangingAFutureTokenLeavesEarlierLogitsUnchanged) {
  torch::manual_seed(0);
  Transformer m(small_config());
  at::Tensor a = random_tokens(2, 10, 40, 2);  // [2, 10]
  at::Tensor b = a.clone();
  b.select(1, 6).add_(1).remainder_(40);  // change token 6 in both rows
  at::Tensor la = m->forward(a), lb = m->forward(b);  // [2, 10, 40]
  // Positions 0..5 cannot see token 6: identical computation, so bitwise-close.
  EXPECT_TRUE(torch::allclose(la.slice(1, 0, 6), lb.slice(1, 0, 6), 0.0, 1e-6));
  // Positions 6..9 see it and change.
  for (int64_t t = 6; t < 10; ++t)
    EXPECT_GT((la.select(1, t) - lb.select(1, t)).abs().max().item<float>(), 1e-4) << "t=" << t;
}

TEST(Model, LeftPaddedRowsComputeWhatTheyComputeAlone) {
  torch::manual_seed(0);
  Transformer m(small_config());
  at::Tensor short_row = random_tokens(1, 5, 40, 3);  // [1, 5]
  at::Tensor long_row = random_tokens(1, 8, 40, 4);   // [1, 8]
  at::Tensor pad = torch::full({1, 3}, 7, torch::TensorOptions().dtype(at::kLong));
  at::Tensor batch = torch::cat({torch::cat({pad, short_row}, 1), long_row}, 0);  // [2, 8]
  at::Tensor left_pad = torch::tensor({3, 0}, torch::TensorOptions().dtype(at::kLong));
  at::Tensor lb = m->forward(batch, left_pad);  // [2, 8, 40]
  EXPECT_TRUE(torch::isfinite(lb).all().item<bool>());
  EXPECT_TRUE(torch::allclose(lb[0].slice(0, 3, 8), m->forward(short_row)[0], 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(lb[1], m->forward(long_row)[0], 1e-5, 1e-5));
}

TEST(Model, KVCacheMatchesFullForward) {
  torch::manual_seed(0);
  Transformer m(small_config());
  m->eval();
  torch::NoGradGuard ng;
  at::Tensor tokens = random_tokens(2, 9, 40, 5);  // [2, 9]
  at::Tensor left_pad = torch::tensor({2, 0}, torch::TensorOptions().dtype(at::kLong));
  at::Tensor full = m->forward(tokens, left_pad);  // [2, 9, 40]
  KVCache cache = m->make_cache(2, 12, left_pad);
  at::Tensor l0 = m->forward_cached(tokens.slice(1, 0, 4), cache);  // prefill 4: [2, 4, 40]
  at::Tensor l1 = m->forward_cached(tokens.slice(1, 4, 5), cache);  // one step: [2, 1, 40]
  at::Tensor l2 = m->forward_cached(tokens.slice(1, 5, 9), cache);  // four more: [2, 4, 40]
  EXPECT_EQ(cache.length, 9);
  at::Tensor inc = torch::cat({l0, l1, l2}, 1);  // [2, 9, 40]
  // Row 0's padding slots (0, 1) are meaningless; compare real slots only.
  EXPECT_TRUE(torch::allclose(inc[0].slice(0, 2, 9), full[0].slice(0, 2, 9), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(inc[1], full[1], 1e-5, 1e-5));
  EXPECT_THROW(m->forward_cached(tokens.slice(1, 0, 4), cache), UserError);  // 13 > capacity 12
}

TEST(Model, GradientMatchesCentralFiniteDifferences) {
  torch::manual_seed(0);
  ModelConfig c = small_config();
  c.tie_embeddings = false;
  Transformer m(c);
  m->to(at::kDouble);
  at::Tensor tokens = random_tokens(2, 6, 40, 6);
  auto wgen = at::detail::createCPUGenerator(7);
  at::Tensor w = torch::randn({2, 6, 40}, wgen, torch::TensorOptions().dtype(at::kDouble));
  auto objective = [&] { return (m->forward(tokens) * w).sum(); };  // scalar
  objective().backward();
  auto params = m->named_parameters();
  const double eps = 1e-6;
  for (const char* name :
       {"model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
        "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.v_proj.weight",
        "model.layers.1.self_attn.o_proj.weight", "model.layers.1.mlp.gate_proj.weight",
        "model.layers.1.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight",
        "model.layers.0.input_layernorm.weight", "model.layers.1.post_attention_layernorm.weight",
        "model.norm.weight", "lm_head.weight"}) {
    at::Tensor p = params[name];
    at::Tensor g = p.grad().flatten();
    for (int64_t i : {int64_t{0}, p.numel() / 3, p.numel() - 1}) {
      double num;
      {
        torch::NoGradGuard ng;
        at::Tensor flat = p.view({-1});
        const double orig = flat[i].item<double>();
        flat[i].fill_(orig + eps);
        const double up = objective().item<double>();
        flat[i].fill_(orig - eps);
        const double down = objective().item<double>();
        flat[i].fill_(orig);
        num = (up - down) / (2 * eps);
      }
      EXPECT_NEAR(g[i].item<double>(), num, 1e-6 + 1e-5 * std::abs(num)) << name << "[" << i << "]";
    }
  }
}

TEST(Model, CloneIsDeep) {
  torch::manual_seed(0);
  Transformer a(small_config());
  Transformer b = clone_model(a);
  at::Tensor tokens = random_tokens(2, 5, 40, 8);
  EXPECT_TRUE(torch::equal(a->forward(tokens), b->forward(tokens)));
  EXPECT_EQ(model_numel(a), model_numel(b));
  auto pa = a->named_parameters();
  auto pb = b->named_parameters();
  for (const auto& item : pa) {
    EXPECT_NE(item.value().data_ptr(), pb[item.key()].data_ptr()) << item.key();
    EXPECT_TRUE(pb[item.key()].requires_grad()) << item.key();
  }
  const at::Tensor before = pa["model.layers.0.self_attn.q_proj.weight"].detach().clone();
  {
    torch::NoGradGuard ng;
    for (auto& p : b->parameters()) p.add_(1.0);
  }
  EXPECT_TRUE(torch::equal(pa["model.layers.0.self_attn.q_proj.weight"], before));
  EXPECT_FALSE(torch::equal(a->forward(tokens), b->forward(tokens)));
}

TEST(Model, FrozenReferenceIsEvalWithoutGrad) {
  torch::manual_seed(0);
  Transformer a(small_config());
  Transformer ref = clone_model(a);
  freeze_model(ref);
  EXPECT_FALSE(ref->is_training());
  EXPECT_TRUE(a->is_training());
  for (const auto& p : ref->parameters()) EXPECT_FALSE(p.requires_grad());
  for (const auto& p : a->parameters()) EXPECT_TRUE(p.requires_grad());
  at::Tensor out = ref->forward(random_tokens(1, 4, 40, 9));
  EXPECT_FALSE(out.requires_grad());
}

TEST(Model, SeedDeterminesInitialisation) {
  torch::manual_seed(5);
  Transformer a(small_config());
  torch::manual_seed(5);
  Transformer b(small_config());
  torch::manual_seed(6);
  Transformer c(small_config());
  EXPECT_TRUE(torch::equal(a->named_parameters()["model.embed_tokens.weight"], b->named_parameters()["model.embed_tokens.weight"]));
  EXPECT_FALSE(torch::equal(a->named_parameters()["model.embed_tokens.weight"], c->named_parameters()["model.embed_tokens.weight"]));
}

TEST(Model, InputErrors) {
  torch::manual_seed(0);
  Transformer m(small_config());
  EXPECT_THROW(m->forward(random_tokens(1, 33, 40, 1)), UserError);  // 33 > max_seq_len 32
  EXPECT_THROW(m->forward(torch::zeros({4}, torch::TensorOptions().dtype(at::kLong))), UserError);
  EXPECT_THROW(m->forward(torch::zeros({1, 4})), UserError);  // float tokens
  EXPECT_THROW(m->make_cache(1, 33), UserError);
}

}  // namespace
}  // namespace swepo
