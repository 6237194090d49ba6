// Dimension glossary: N rows, T tokens in the call, S key/value slots, V vocab, D d_model,
// H heads, Dh head width, F d_ff, L layers.
#include "engine/model.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/util/error.h"

namespace swepo {

namespace {

// Element-wise math runs in float32, or in float64 for a float64 model (finite-difference tests).
at::ScalarType math_dtype(const at::Tensor& x) {
  return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// RMSNorm in float32, cast back to the input dtype, then scaled by the gain (as in Llama).
at::Tensor rms_norm(const at::Tensor& x /*[..., D]*/, const at::Tensor& w /*[D]*/, double eps) {
  at::Tensor xf = x.to(math_dtype(x));                               // [..., D]
  at::Tensor y = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);  // [..., D]
  return y.to(x.scalar_type()) * w;
}

// Rotary embedding (rotate-half form) of x [N, H, T, Dh] at positions given by cos/sin
// [N or 1, 1, T, Dh/2]; computed in float32.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  at::Tensor xf = x.to(math_dtype(x));
  at::Tensor x1 = xf.slice(-1, 0, half);     // [N, H, T, Dh/2]
  at::Tensor x2 = xf.slice(-1, half, 2 * half);  // [N, H, T, Dh/2]
  at::Tensor out = torch::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);  // [N, H, T, Dh]
  return out.to(x.scalar_type());
}

// Allowed (query, key) pairs: queries occupy slots [start, start + Tq), keys slots [0, Tk).
// Key j is visible to query slot i when j <= i and (j is not padding, or j == i).
// left_pad [N] int64 or undefined. Returns bool [N or 1, 1, Tq, Tk].
at::Tensor attention_allowed(int64_t start, int64_t Tq, int64_t Tk, const at::Tensor& left_pad,
                             const c10::Device& device) {
  auto opts = torch::TensorOptions().dtype(at::kLong).device(device);
  at::Tensor qslot = torch::arange(start, start + Tq, opts).view({1, 1, Tq, 1});  // [1,1,Tq,1]
  at::Tensor kslot = torch::arange(0, Tk, opts).view({1, 1, 1, Tk});              // [1,1,1,Tk]
  at::Tensor allowed = kslot <= qslot;                                            // [1,1,Tq,Tk]
  if (left_pad.defined()) {
    at::Tensor pad = left_pad.view({-1, 1, 1, 1});                       // [N,1,1,1]
    allowed = allowed & ((kslot >= pad) | (kslot == qslot));             // [N,1,Tq,Tk]
  }
  return allowed;
}

// Softmax attention of q [N, H, Tq, Dh] over k, v [N, H, Tk, Dh] with allowed [N|1, 1, Tq, Tk]
// (undefined: causal with Tq == Tk). Returns [N, H, Tq, Dh].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                  const at::Tensor& allowed) {
#if TORCH_VERSION_MAJOR >= 2
  if (!allowed.defined()) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, true);
  return at::scaled_dot_product_attention(q, k, v, allowed, 0.0, false);
#else
  const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores = torch::matmul(q, k.transpose(-2, -1)).to(math_dtype(q)) * scale;  // [N,H,Tq,Tk]
  at::Tensor mask = allowed;
  if (!mask.defined()) {
    const int64_t T = q.size(2);
    mask = torch::ones({T, T}, torch::TensorOptions().dtype(at::kBool).device(q.device()))
               .tril()
               .view({1, 1, T, T});
  }
  scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
  at::Tensor probs = torch::softmax(scores, -1).to(v.scalar_type());  // [N,H,Tq,Tk]
  return torch::matmul(probs, v);                                      // [N,H,Tq,Dh]
#endif
}

}  // namespace

// One pre-norm block: x + Attn(RMSNorm(x)), then x + SwiGLU(RMSNorm(x)).
struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(const ModelConfig& c) : n_head(c.n_head), eps(c.norm_eps) {
    const int64_t D = c.d_model, F = c.d_ff;
    attn_norm = register_parameter("attn_norm", torch::ones({D}));   // [D]
    wqkv = register_parameter("wqkv", torch::empty({3 * D, D}));      // [3D, D]
    wo = register_parameter("wo", torch::empty({D, D}));              // [D, D]
    mlp_norm = register_parameter("mlp_norm", torch::ones({D}));      // [D]
    w13 = register_parameter("w13", torch::empty({2 * F, D}));        // [2F, D]: gate W1; up W3
    w2 = register_parameter("w2", torch::empty({D, F}));              // [D, F]
  }

  // x [N, T, D]; cos/sin [N|1, 1, T, Dh/2]; allowed [N|1, 1, T, S] or undefined (causal).
  // With a cache (k_cache, v_cache [N, H, S, Dh]), the new keys/values are written at slots
  // [start, start + T) and attention spans slots [0, start + T).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                     const at::Tensor& allowed, at::Tensor* k_cache, at::Tensor* v_cache,
                     int64_t start) {
    const int64_t N = x.size(0), T = x.size(1), D = x.size(2), Dh = D / n_head;
    at::Tensor h = rms_norm(x, attn_norm, eps);                             // [N, T, D]
    at::Tensor qkv = torch::linear(h, wqkv);                                // [N, T, 3D]
    auto parts = qkv.view({N, T, 3, n_head, Dh}).permute({2, 0, 3, 1, 4});  // [3, N, H, T, Dh]
    at::Tensor q = apply_rope(parts[0], cos, sin);                          // [N, H, T, Dh]
    at::Tensor k = apply_rope(parts[1], cos, sin);                          // [N, H, T, Dh]
    at::Tensor v = parts[2];                                                // [N, H, T, Dh]
    if (k_cache) {
      k_cache->slice(2, start, start + T).copy_(k);
      v_cache->slice(2, start, start + T).copy_(v);
      k = k_cache->slice(2, 0, start + T).to(q.scalar_type());  // [N, H, S', Dh]
      v = v_cache->slice(2, 0, start + T).to(q.scalar_type());  // [N, H, S', Dh]
    }
    at::Tensor a = attend(q, k, v, allowed);                          // [N, H, T, Dh]
    a = a.transpose(1, 2).reshape({N, T, D});                         // [N, T, D]
    at::Tensor y = x + torch::linear(a, wo);                          // [N, T, D]
    at::Tensor g = torch::linear(rms_norm(y, mlp_norm, eps), w13);    // [N, T, 2F]
    auto gu = g.chunk(2, -1);                                         // 2 x [N, T, F]
    return y + torch::linear(torch::silu(gu[0]) * gu[1], w2);         // [N, T, D]
  }

  // The shared-prompt layout: x [L, D] flat tokens, cos/sin [1, 1, L, Dh/2], `a` on x's device,
  // prompt_flat / resp_flat the flat indices of the valid prompt / response entries (in the
  // order of a.prompt_valid / a.resp_valid's true entries). Same math as forward() per token.
  at::Tensor forward_packed(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                            const PackedAttention& a, const at::Tensor& prompt_flat,
                            const at::Tensor& resp_flat) {
    const int64_t L = x.size(0), D = x.size(1), Dh = D / n_head;
    at::Tensor h = rms_norm(x, attn_norm, eps);                                  // [L, D]
    at::Tensor qkv = torch::linear(h, wqkv);                                     // [L, 3D]
    auto parts = qkv.view({L, 3, n_head, Dh}).permute({1, 2, 0, 3}).unsqueeze(1);  // [3, 1, H, L, Dh]
    at::Tensor q = apply_rope(parts[0], cos, sin)[0].transpose(0, 1);           // [L, H, Dh]
    at::Tensor k = apply_rope(parts[1], cos, sin)[0].transpose(0, 1);           // [L, H, Dh]
    at::Tensor v = parts[2][0].transpose(0, 1);                                  // [L, H, Dh]
    auto heads_first = [](const at::Tensor& t) { return t.permute({0, 2, 1, 3}); };  // [., H, ., Dh]
    // Prompts: causal self-attention, once per group.
    at::Tensor qp = heads_first(q.index({a.prompt_idx}));                       // [G, H, Pm, Dh]
    at::Tensor kp = k.index({a.prompt_idx}), vp = v.index({a.prompt_idx});      // [G, Pm, H, Dh]
    at::Tensor op = attend(qp, heads_first(kp), heads_first(vp), a.prompt_allowed)
                        .permute({0, 2, 1, 3});                                  // [G, Pm, H, Dh]
    // Responses: keys = the group's prompt, then their own tokens.
    at::Tensor qr = heads_first(q.index({a.resp_idx}));                         // [S, H, Rm, Dh]
    at::Tensor kr = torch::cat({kp.index_select(0, a.resp_group), k.index({a.resp_idx})}, 1);  // [S, Pm+Rm, H, Dh]
    at::Tensor vr = torch::cat({vp.index_select(0, a.resp_group), v.index({a.resp_idx})}, 1);  // [S, Pm+Rm, H, Dh]
    at::Tensor orr = attend(qr, heads_first(kr), heads_first(vr), a.resp_allowed)
                         .permute({0, 2, 1, 3});                                 // [S, Rm, H, Dh]
    // Back to the flat tokens: every token is in exactly one prompt or response.
    at::Tensor out = torch::zeros({L, n_head, Dh}, q.options());                // [L, H, Dh]
    out = out.index_put({prompt_flat}, op.index({a.prompt_valid}));
    out = out.index_put({resp_flat}, orr.index({a.resp_valid}));
    at::Tensor y = x + torch::linear(out.reshape({L, D}), wo);                  // [L, D]
    at::Tensor g = torch::linear(rms_norm(y, mlp_norm, eps), w13);              // [L, 2F]
    auto gu = g.chunk(2, -1);                                                   // 2 x [L, F]
    return y + torch::linear(torch::silu(gu[0]) * gu[1], w2);                   // [L, D]
  }

  int64_t n_head;
  double eps;
  at::Tensor attn_norm, wqkv, wo, mlp_norm, w13, w2;
};

TransformerImpl::TransformerImpl(const ModelConfig& cfg) : cfg_(cfg) {
  model_config_validate(cfg_);
  const int64_t V = cfg_.vocab_size, D = cfg_.d_model, Dh = D / cfg_.n_head;
  tok_emb_ = register_parameter("tok_emb", torch::empty({V, D}));  // [V, D]
  for (int64_t l = 0; l < cfg_.n_layer; ++l)
    blocks_.push_back(register_module("block" + std::to_string(l),
                                      std::make_shared<TransformerBlockImpl>(cfg_)));
  norm_f_ = register_parameter("norm_f", torch::ones({D}));  // [D]
  if (!cfg_.tie_embeddings) head_w_ = register_parameter("head", torch::empty({V, D}));  // [V, D]

  // RoPE tables: angle[p, i] = p * theta^(-2i / Dh), i < Dh/2 (computed in double).
  auto dopts = torch::TensorOptions().dtype(at::kDouble);
  at::Tensor inv_freq =
      torch::pow(cfg_.rope_theta, -torch::arange(0, Dh / 2, dopts) * 2.0 / Dh);  // [Dh/2]
  at::Tensor pos = torch::arange(0, cfg_.max_seq_len, dopts);                     // [S]
  at::Tensor angle = torch::outer(pos, inv_freq);                                 // [S, Dh/2]
  rope_cos_ = register_buffer("rope_cos", torch::cos(angle).to(at::kFloat));     // [S, Dh/2]
  rope_sin_ = register_buffer("rope_sin", torch::sin(angle).to(at::kFloat));     // [S, Dh/2]
  reset_parameters();
}

void TransformerImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double std = cfg_.init_std;
  const double out_std = std / std::sqrt(2.0 * static_cast<double>(cfg_.n_layer));
  tok_emb_.normal_(0.0, std);
  for (auto& b : blocks_) {
    b->attn_norm.fill_(1.0);
    b->mlp_norm.fill_(1.0);
    b->wqkv.normal_(0.0, std);
    b->w13.normal_(0.0, std);
    b->wo.normal_(0.0, out_std);
    b->w2.normal_(0.0, out_std);
  }
  norm_f_.fill_(1.0);
  if (head_w_.defined()) head_w_.normal_(0.0, std);
}

void TransformerImpl::check_tokens(const at::Tensor& tokens, int64_t end_slot) const {
  if (tokens.dim() != 2 || tokens.scalar_type() != at::kLong)
    throw UserError("model input: expected tokens [N, T] int64, got " +
                    std::to_string(tokens.dim()) + "-d " + std::string(c10::toString(tokens.scalar_type())));
  if (end_slot > cfg_.max_seq_len)
    throw UserError("model input: sequence of " + std::to_string(end_slot) +
                    " tokens exceeds model.max_seq_len = " + std::to_string(cfg_.max_seq_len));
}

at::Tensor TransformerImpl::embed(const at::Tensor& tokens) {
  return torch::embedding(tok_emb_, tokens);  // [N, T, D]
}

at::Tensor TransformerImpl::head(const at::Tensor& x) {
  at::Tensor h = rms_norm(x, norm_f_, cfg_.norm_eps);                     // [N, T, D]
  return torch::linear(h, cfg_.tie_embeddings ? tok_emb_ : head_w_);      // [N, T, V]
}

at::Tensor TransformerImpl::forward(const at::Tensor& tokens, const at::Tensor& left_pad) {
  check_tokens(tokens, tokens.dim() == 2 ? tokens.size(1) : 0);
  const int64_t N = tokens.size(0), T = tokens.size(1);
  at::Tensor cos, sin, allowed;  // [N|1, 1, T, Dh/2], [N|1, 1, T, T]
  if (left_pad.defined()) {
    at::Tensor pad = left_pad.to(tokens.device(), at::kLong).view({N, 1});   // [N, 1]
    at::Tensor slots = torch::arange(0, T, tokens.options()).view({1, T});   // [1, T]
    at::Tensor pos = (slots - pad).clamp_min(0);                             // [N, T]
    cos = rope_cos_.index({pos}).unsqueeze(1);                               // [N, 1, T, Dh/2]
    sin = rope_sin_.index({pos}).unsqueeze(1);
    allowed = attention_allowed(0, T, T, pad.view({N}), tokens.device());   // [N, 1, T, T]
  } else {
    cos = rope_cos_.slice(0, 0, T).view({1, 1, T, -1});  // [1, 1, T, Dh/2]
    sin = rope_sin_.slice(0, 0, T).view({1, 1, T, -1});
  }
  at::Tensor x = embed(tokens);  // [N, T, D]
  for (auto& b : blocks_) x = b->forward(x, cos, sin, allowed, nullptr, nullptr, 0);
  return head(x);  // [N, T, V]
}

at::Tensor TransformerImpl::hidden_packed(const at::Tensor& tokens, const at::Tensor& positions,
                                          const PackedAttention& attn) {
  if (tokens.dim() != 1 || tokens.scalar_type() != at::kLong || positions.sizes() != tokens.sizes())
    throw UserError("model input (packed): expected tokens [L] int64 and positions [L]");
  const int64_t L = tokens.size(0);
  if (L > 0 && positions.max().item<int64_t>() >= cfg_.max_seq_len)
    throw UserError("model input (packed): a position reaches " + std::to_string(positions.max().item<int64_t>()) +
                    ", beyond model.max_seq_len = " + std::to_string(cfg_.max_seq_len));
  const c10::Device dev = tokens.device();
  PackedAttention a;  // on the model's device
  a.prompt_idx = attn.prompt_idx.to(dev);
  a.prompt_valid = attn.prompt_valid.to(dev);
  a.resp_idx = attn.resp_idx.to(dev);
  a.resp_valid = attn.resp_valid.to(dev);
  a.resp_group = attn.resp_group.to(dev);
  a.prompt_allowed = attn.prompt_allowed.to(dev);
  a.resp_allowed = attn.resp_allowed.to(dev);
  const at::Tensor prompt_flat = a.prompt_idx.masked_select(a.prompt_valid);  // [#prompt tokens]
  const at::Tensor resp_flat = a.resp_idx.masked_select(a.resp_valid);        // [#response tokens]
  at::Tensor pos = positions.to(dev, at::kLong);                              // [L]
  at::Tensor cos = rope_cos_.index({pos}).view({1, 1, L, -1});                // [1, 1, L, Dh/2]
  at::Tensor sin = rope_sin_.index({pos}).view({1, 1, L, -1});
  at::Tensor x = embed(tokens);                                               // [L, D]
  for (auto& b : blocks_) x = b->forward_packed(x, cos, sin, a, prompt_flat, resp_flat);
  return x;  // [L, D]
}

KVCache TransformerImpl::make_cache(int64_t n_rows, int64_t capacity,
                                    const at::Tensor& left_pad) const {
  if (capacity < 1 || capacity > cfg_.max_seq_len)
    throw UserError("KV cache capacity " + std::to_string(capacity) + " outside [1, max_seq_len = " +
                    std::to_string(cfg_.max_seq_len) + "]");
  const int64_t H = cfg_.n_head, Dh = cfg_.d_model / cfg_.n_head;
  auto opts = tok_emb_.options().requires_grad(false);
  KVCache c;
  for (int64_t l = 0; l < cfg_.n_layer; ++l) {
    c.keys.push_back(torch::zeros({n_rows, H, capacity, Dh}, opts));    // [N, H, S, Dh]
    c.values.push_back(torch::zeros({n_rows, H, capacity, Dh}, opts));  // [N, H, S, Dh]
  }
  auto lopts = torch::TensorOptions().dtype(at::kLong).device(tok_emb_.device());
  c.left_pad = left_pad.defined() ? left_pad.to(lopts).view({n_rows}).clone()
                                  : torch::zeros({n_rows}, lopts);  // [N]
  c.length = 0;
  return c;
}

at::Tensor TransformerImpl::forward_cached(const at::Tensor& tokens, KVCache& cache) {
  check_tokens(tokens, 0);
  const int64_t N = tokens.size(0), t = tokens.size(1), start = cache.length;
  check_tokens(tokens, start + t);
  if (static_cast<int64_t>(cache.keys.size()) != cfg_.n_layer || cache.keys[0].size(0) != N)
    throw UserError("KV cache: made for " + std::to_string(cache.keys.empty() ? 0 : cache.keys[0].size(0)) +
                    " rows and " + std::to_string(cache.keys.size()) + " layers; got " +
                    std::to_string(N) + " rows for a " + std::to_string(cfg_.n_layer) + "-layer model");
  if (start + t > cache.capacity())
    throw UserError("KV cache: " + std::to_string(start + t) + " slots exceed its capacity " +
                    std::to_string(cache.capacity()));
  at::Tensor pad = cache.left_pad.view({N, 1});                                 // [N, 1]
  at::Tensor slots = torch::arange(start, start + t, tokens.options()).view({1, t});  // [1, t]
  at::Tensor pos = (slots - pad).clamp_min(0);                                   // [N, t]
  at::Tensor cos = rope_cos_.index({pos}).unsqueeze(1);                          // [N, 1, t, Dh/2]
  at::Tensor sin = rope_sin_.index({pos}).unsqueeze(1);
  at::Tensor allowed = attention_allowed(start, t, start + t, cache.left_pad, tokens.device());
  at::Tensor x = embed(tokens);  // [N, t, D]
  for (size_t l = 0; l < blocks_.size(); ++l)
    x = blocks_[l]->forward(x, cos, sin, allowed, &cache.keys[l], &cache.values[l], start);
  cache.length = start + t;
  return head(x);  // [N, t, V]
}

Transformer clone_model(const Transformer& src) {
  torch::NoGradGuard no_grad;
  Transformer dst(src->config());
  auto src_params = src->named_parameters(true);
  auto src_buffers = src->named_buffers(true);
  if (!src_params.is_empty()) {
    const at::Tensor& p0 = src_params[src_params.keys()[0]];
    dst->to(p0.device(), p0.scalar_type());
  }
  for (auto& item : dst->named_parameters(true)) {
    const at::Tensor& s = src_params[item.key()];
    item.value().copy_(s);
    item.value().set_requires_grad(s.requires_grad());
  }
  for (auto& item : dst->named_buffers(true)) {
    const at::Tensor& s = src_buffers[item.key()];
    item.value().copy_(s);
  }
  dst->train(src->is_training());
  return dst;
}

void freeze_model(Transformer& model) {
  model->eval();
  for (auto& p : model->parameters(true)) p.set_requires_grad(false);
}

int64_t model_numel(const Transformer& model) {
  int64_t n = 0;
  for (const auto& p : model->parameters(true)) n += p.numel();
  return n;
}

c10::Device model_device(const Transformer& model) {
  auto params = model->parameters(true);
  return params.empty() ? c10::Device(c10::kCPU) : params[0].device();
}

}  // namespace swepo
