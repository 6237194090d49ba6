// Dimension glossary: N rows, T tokens in the call, S key/value slots, V vocab, D d_model,
// H heads, Hkv key/value heads, Dh head width, F d_ff, L layers.
#include "engine/model.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>

#include "core/util/error.h"
#include "engine/autocast.h"
#include "engine/recompute.h"

namespace swepo {

namespace {

// Element-wise math runs in float32, or in float64 for a float64 model (finite-difference tests).
at::ScalarType math_dtype(const at::Tensor& x) {
  return x.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
}

// RMSNorm in float32, cast back to the input dtype, then scaled by the gain (LlamaRMSNorm).
at::Tensor rms_norm(const at::Tensor& x /*[..., E]*/, const at::Tensor& w /*[E]*/, double eps) {
  at::Tensor xf = x.to(math_dtype(x));                               // [..., E]
  at::Tensor y = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + eps);  // [..., E]
  return y.to(x.scalar_type()) * w;
}

// Rotary embedding, rotate_half form: x [N, Hx, T, Dh] with halves (x1, x2) becomes
// (x1·cos − x2·sin, x2·cos + x1·sin), cos/sin [N or 1, 1, T, Dh/2] in the parameter dtype (as
// transformers casts them to the hidden states' dtype); the result has x's dtype.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  at::Tensor x1 = x.slice(-1, 0, half);         // [N, Hx, T, Dh/2]
  at::Tensor x2 = x.slice(-1, half, 2 * half);  // [N, Hx, T, Dh/2]
  at::Tensor out = torch::cat({x1 * cos - x2 * sin, x2 * cos + x1 * sin}, -1);  // [N, Hx, T, Dh]
  return out.to(x.scalar_type());
}

// repeat_kv: key/value heads [N, Hkv, S, Dh] -> [N, Hkv·rep, S, Dh], query head h reading kv head
// h / rep.
at::Tensor repeat_kv(const at::Tensor& t, int64_t rep) {
  if (rep == 1) return t;
  const int64_t N = t.size(0), Hkv = t.size(1), S = t.size(2), Dh = t.size(3);
  return t.unsqueeze(2).expand({N, Hkv, rep, S, Dh}).reshape({N, Hkv * rep, S, Dh});
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
// (undefined: causal with Tq == Tk), scale 1/sqrt(Dh). Returns [N, H, Tq, Dh].
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

// Registers `t` as parameter `dotted` (e.g. "self_attn.q_proj.weight") of `root`, creating the
// intermediate modules ("self_attn", then "q_proj") so that names match the HF state dict.
at::Tensor register_nested(torch::nn::Module& root, const std::string& dotted, at::Tensor t) {
  torch::nn::Module* m = &root;
  size_t start = 0;
  for (size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1) {
    const std::string name = dotted.substr(start, dot - start);
    auto children = m->named_children();
    if (auto* found = children.find(name)) {
      m = found->get();
    } else {
      m = m->register_module(name, std::make_shared<torch::nn::Module>()).get();
    }
  }
  return m->register_parameter(dotted.substr(start), std::move(t));
}

// RoPE inverse frequencies [Dh/2] in float32, exactly as transformers' rope init functions:
// default theta^(-2i/Dh) (computed as 1 / theta^(arange(0, Dh, 2) / Dh) in float32); linear divides
// by the factor; llama3 (_compute_llama3_parameters) divides the low frequencies (wavelength >
// original_max / low_freq_factor) by the factor, keeps the high ones (wavelength <
// original_max / high_freq_factor) and interpolates smoothly in between.
at::Tensor rope_inv_freq(const ModelConfig& c) {
  const int64_t Dh = model_head_dim(c);
  auto f32 = torch::TensorOptions().dtype(at::kFloat);
  at::Tensor exponent = torch::arange(0, Dh, 2, torch::TensorOptions().dtype(at::kLong)).to(at::kFloat) /
                        static_cast<double>(Dh);                                   // [Dh/2]
  at::Tensor inv_freq = 1.0 / torch::pow(torch::scalar_tensor(c.rope_theta, f32), exponent);  // [Dh/2]
  if (c.rope_scaling_type == "linear") return inv_freq / c.rope_scaling_factor;
  if (c.rope_scaling_type != "llama3") return inv_freq;
  const double factor = c.rope_scaling_factor, lo = c.rope_low_freq_factor, hi = c.rope_high_freq_factor;
  const double old_len = static_cast<double>(c.rope_original_max_position);
  const double low_freq_wavelen = old_len / lo, high_freq_wavelen = old_len / hi;
  at::Tensor wavelen = 2.0 * M_PI / inv_freq;                                           // [Dh/2]
  at::Tensor scaled = torch::where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq);  // [Dh/2]
  at::Tensor smooth = (old_len / wavelen - lo) / (hi - lo);                             // [Dh/2]
  at::Tensor smoothed = (1 - smooth) * scaled / factor + smooth * scaled;               // [Dh/2]
  at::Tensor is_medium = (wavelen >= high_freq_wavelen) & (wavelen <= low_freq_wavelen);
  return torch::where(is_medium, smoothed, scaled).to(at::kFloat);                      // [Dh/2]
}

}  // namespace

namespace {

// x [..., in] · W [out, in]ᵀ in x's dtype, for a frozen W stored in a lower precision (bf16 base,
// engine/lora.h): W is upcast at use in the forward and again in the backward, so autograd keeps
// only the stored low-precision W, not an upcast copy per layer. No gradient for W.
struct UpcastLinear : torch::autograd::Function<UpcastLinear> {
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& w) {
    ctx->save_for_backward({w});
    return torch::linear(x, w.to(x.scalar_type()));  // [..., out]
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad) {
    const at::Tensor w = ctx->get_saved_variables()[0];  // [out, in]
    const at::Tensor& g = grad[0];                       // [..., out]
    if (!g.defined()) return {at::Tensor(), at::Tensor()};
    return {torch::matmul(g, w.to(g.scalar_type())), at::Tensor()};  // d x [..., in], none for W
  }
};

// torch::linear(x, w, b) for weights of any stored dtype: under CUDA autocast as is (autocast
// casts); a weight in another dtype than x is upcast at use (frozen: through UpcastLinear).
at::Tensor linear_any(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  if (w.scalar_type() == x.scalar_type() || autocast_active()) return torch::linear(x, w, b);
  const auto dt = x.scalar_type();
  at::Tensor y = w.requires_grad() ? torch::linear(x, w.to(dt)) : UpcastLinear::apply(x, w);  // [..., out]
  return b.defined() ? y + b.to(dt) : y;
}

}  // namespace

// One pre-norm block: x + Attn(RMSNorm(x)), then x + MLP(RMSNorm(x)), MLP = down(silu(gate) * up).
// Each projection goes through proj(): its weight, bias and optional adapter (model.h).
struct TransformerBlockImpl : torch::nn::Module {
  TransformerBlockImpl(const ModelConfig& c, const torch::TensorOptions& o)
      : H(c.n_head), Hkv(model_kv_heads(c)), Dh(model_head_dim(c)), eps(c.norm_eps) {
    const int64_t D = c.d_model, F = c.d_ff;
    auto reg = [&](const char* name, at::Tensor t) { return register_nested(*this, name, std::move(t)); };
    q_w = reg("self_attn.q_proj.weight", torch::empty({H * Dh, D}, o));      // [H·Dh, D]
    if (c.attention_bias) q_b = reg("self_attn.q_proj.bias", torch::zeros({H * Dh}, o));
    k_w = reg("self_attn.k_proj.weight", torch::empty({Hkv * Dh, D}, o));    // [Hkv·Dh, D]
    if (c.attention_bias) k_b = reg("self_attn.k_proj.bias", torch::zeros({Hkv * Dh}, o));
    v_w = reg("self_attn.v_proj.weight", torch::empty({Hkv * Dh, D}, o));    // [Hkv·Dh, D]
    if (c.attention_bias) v_b = reg("self_attn.v_proj.bias", torch::zeros({Hkv * Dh}, o));
    o_w = reg("self_attn.o_proj.weight", torch::empty({D, H * Dh}, o));      // [D, H·Dh]
    if (model_o_bias(c)) o_b = reg("self_attn.o_proj.bias", torch::zeros({D}, o));
    if (c.qk_norm) {
      q_norm = reg("self_attn.q_norm.weight", torch::ones({Dh}, o));         // [Dh]
      k_norm = reg("self_attn.k_norm.weight", torch::ones({Dh}, o));         // [Dh]
    }
    gate_w = reg("mlp.gate_proj.weight", torch::empty({F, D}, o));           // [F, D]
    up_w = reg("mlp.up_proj.weight", torch::empty({F, D}, o));               // [F, D]
    down_w = reg("mlp.down_proj.weight", torch::empty({D, F}, o));           // [D, F]
    in_norm = reg("input_layernorm.weight", torch::ones({D}, o));            // [D]
    post_norm = reg("post_attention_layernorm.weight", torch::ones({D}, o)); // [D]
  }

  // h [N, T, D] (normed), cos/sin [N|1, 1, T, Dh/2] -> q [N, H, T, Dh], k, v [N, Hkv, T, Dh]
  // (q/k normed per head when qk_norm, then rotated).
  std::tuple<at::Tensor, at::Tensor, at::Tensor> qkv(const at::Tensor& h, const at::Tensor& cos,
                                                     const at::Tensor& sin) {
    const int64_t N = h.size(0), T = h.size(1);
    at::Tensor q = proj(kQ, h).view({N, T, H, Dh});    // [N, T, H, Dh]
    at::Tensor k = proj(kK, h).view({N, T, Hkv, Dh});  // [N, T, Hkv, Dh]
    at::Tensor v = proj(kV, h).view({N, T, Hkv, Dh});  // [N, T, Hkv, Dh]
    if (q_norm.defined()) {
      q = rms_norm(q, q_norm, eps);
      k = rms_norm(k, k_norm, eps);
    }
    q = apply_rope(q.transpose(1, 2), cos, sin);  // [N, H, T, Dh]
    k = apply_rope(k.transpose(1, 2), cos, sin);  // [N, Hkv, T, Dh]
    return {q, k, v.transpose(1, 2)};             // v [N, Hkv, T, Dh]
  }

  at::Tensor mlp(const at::Tensor& y /*[..., D]*/) {
    at::Tensor h = rms_norm(y, post_norm, eps);                                           // [..., D]
    return proj(kDown, torch::silu(proj(kGate, h)) * proj(kUp, h));                     // [..., D]
  }

  // x [N, T, D]; cos/sin [N|1, 1, T, Dh/2]; allowed [N|1, 1, T, S] or undefined (causal).
  // With a cache (k_cache, v_cache [N, Hkv, S, Dh]), the new keys/values are written at slots
  // [start, start + T) and attention spans slots [0, start + T).
  at::Tensor forward(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                     const at::Tensor& allowed, at::Tensor* k_cache, at::Tensor* v_cache,
                     int64_t start) {
    const int64_t N = x.size(0), T = x.size(1);
    auto [q, k, v] = qkv(rms_norm(x, in_norm, eps), cos, sin);  // [N, H|Hkv, T, Dh]
    if (k_cache) {
      k_cache->slice(2, start, start + T).copy_(k);
      v_cache->slice(2, start, start + T).copy_(v);
      k = k_cache->slice(2, 0, start + T).to(q.scalar_type());  // [N, Hkv, S', Dh]
      v = v_cache->slice(2, 0, start + T).to(q.scalar_type());  // [N, Hkv, S', Dh]
    }
    at::Tensor a = attend(q, repeat_kv(k, H / Hkv), repeat_kv(v, H / Hkv), allowed);  // [N, H, T, Dh]
    a = a.transpose(1, 2).reshape({N, T, H * Dh});                                     // [N, T, H·Dh]
    at::Tensor y = x + proj(kO, a);                                                    // [N, T, D]
    return y + mlp(y);                                                                 // [N, T, D]
  }

  // The shared-prompt layout: x [L, D] flat tokens, cos/sin [1, 1, L, Dh/2], `a` on x's device,
  // prompt_flat / resp_flat the flat indices of the valid prompt / response entries (in the
  // order of a.prompt_valid / a.resp_valid's true entries). Same math as forward() per token.
  at::Tensor forward_packed(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                            const PackedAttention& a, const at::Tensor& prompt_flat,
                            const at::Tensor& resp_flat) {
    const int64_t L = x.size(0), rep = H / Hkv;
    auto [q4, k4, v4] = qkv(rms_norm(x, in_norm, eps).unsqueeze(0), cos, sin);  // [1, H|Hkv, L, Dh]
    at::Tensor q = q4[0].transpose(0, 1);  // [L, H, Dh]
    at::Tensor k = k4[0].transpose(0, 1);  // [L, Hkv, Dh]
    at::Tensor v = v4[0].transpose(0, 1);  // [L, Hkv, Dh]
    auto heads_first = [](const at::Tensor& t) { return t.permute({0, 2, 1, 3}); };  // [., H, ., Dh]
    // Prompts: causal self-attention, once per group.
    at::Tensor qp = heads_first(q.index({a.prompt_idx}));                       // [G, H, Pm, Dh]
    at::Tensor kp = k.index({a.prompt_idx}), vp = v.index({a.prompt_idx});      // [G, Pm, Hkv, Dh]
    at::Tensor op = attend(qp, repeat_kv(heads_first(kp), rep), repeat_kv(heads_first(vp), rep),
                           a.prompt_allowed)
                        .permute({0, 2, 1, 3});                                  // [G, Pm, H, Dh]
    // Responses: keys = the group's prompt, then their own tokens.
    at::Tensor qr = heads_first(q.index({a.resp_idx}));                         // [S, H, Rm, Dh]
    at::Tensor kr = torch::cat({kp.index_select(0, a.resp_group), k.index({a.resp_idx})}, 1);  // [S, Pm+Rm, Hkv, Dh]
    at::Tensor vr = torch::cat({vp.index_select(0, a.resp_group), v.index({a.resp_idx})}, 1);  // [S, Pm+Rm, Hkv, Dh]
    at::Tensor orr = attend(qr, repeat_kv(heads_first(kr), rep), repeat_kv(heads_first(vr), rep),
                            a.resp_allowed)
                         .permute({0, 2, 1, 3});                                 // [S, Rm, H, Dh]
    // Back to the flat tokens: every token is in exactly one prompt or response.
    at::Tensor out = torch::zeros({L, H, Dh}, q.options());                     // [L, H, Dh]
    out = out.index_put({prompt_flat}, op.index({a.prompt_valid}));
    out = out.index_put({resp_flat}, orr.index({a.resp_valid}));
    at::Tensor y = x + proj(kO, out.reshape({L, H * Dh}));                      // [L, D]
    return y + mlp(y);                                                          // [L, D]
  }

  // The projections, in projection_names() order.
  enum Proj { kQ, kK, kV, kO, kGate, kUp, kDown, kProjections };

  // Projection p's weight [out, in] and bias ([out] or undefined).
  std::pair<at::Tensor, at::Tensor> weight_bias(int p) const {
    switch (p) {
      case kQ: return {q_w, q_b};
      case kK: return {k_w, k_b};
      case kV: return {v_w, v_b};
      case kO: return {o_w, o_b};
      case kGate: return {gate_w, {}};
      case kUp: return {up_w, {}};
      default: return {down_w, {}};
    }
  }

  // x [..., in] -> [..., out]: x Wᵀ + b, plus scale · dropout(x) Aᵀ Bᵀ when projection p has an
  // adapter and adapters are on (model.h).
  at::Tensor proj(int p, const at::Tensor& x) {
    const auto [w, b] = weight_bias(p);
    at::Tensor y = linear_any(x, w, b);  // [..., out]
    const ProjectionAdapter& a = adapters[p];
    if (!a.A.defined() || !adapters_on) return y;
    at::Tensor h = a.dropout > 0 && is_training() ? torch::dropout(x, a.dropout, true) : x;  // [..., in]
    return y + torch::linear(torch::linear(h, a.A), a.B) * a.scale;                        // [..., out]
  }

  int64_t H, Hkv, Dh;
  double eps;
  at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b, q_norm, k_norm;  // biases/norms may be undefined
  at::Tensor gate_w, up_w, down_w, in_norm, post_norm;
  std::array<ProjectionAdapter, kProjections> adapters;  // A undefined: no adapter
  bool adapters_on = true;
};

TransformerImpl::TransformerImpl(const ModelConfig& cfg, const ModelBuild& build) : cfg_(cfg) {
  model_config_validate(cfg_);
  const int64_t V = cfg_.vocab_size, D = cfg_.d_model;
  auto o = torch::TensorOptions().dtype(build.dtype).device(build.device);
  // Registration order = the HF state dict's: model.embed_tokens, model.layers.*, model.norm, lm_head.
  auto body = register_module("model", std::make_shared<torch::nn::Module>());
  embed_w_ = register_nested(*body, "embed_tokens.weight", torch::empty({V, D}, o));  // [V, D]
  auto layers = body->register_module("layers", std::make_shared<torch::nn::Module>());
  for (int64_t l = 0; l < cfg_.n_layer; ++l)
    blocks_.push_back(layers->register_module(std::to_string(l), std::make_shared<TransformerBlockImpl>(cfg_, o)));
  norm_w_ = register_nested(*body, "norm.weight", torch::ones({D}, o));  // [D]
  if (!cfg_.tie_embeddings) head_w_ = register_nested(*this, "lm_head.weight", torch::empty({V, D}, o));  // [V, D]
  inv_freq_ = rope_inv_freq(cfg_);  // [Dh/2] float32, CPU
  if (build.random_init) reset_parameters();
}

void TransformerImpl::reset_parameters() {
  torch::NoGradGuard no_grad;
  const double std = cfg_.init_std;
  const double out_std = std / std::sqrt(2.0 * static_cast<double>(cfg_.n_layer));
  embed_w_.normal_(0.0, std);
  for (auto& b : blocks_) {
    b->in_norm.fill_(1.0);
    b->post_norm.fill_(1.0);
    const int64_t nq = b->q_w.size(0), nk = b->k_w.size(0), F = b->gate_w.size(0);
    at::Tensor qkv = torch::empty({nq + 2 * nk, b->q_w.size(1)}, b->q_w.options()).normal_(0.0, std);
    b->q_w.copy_(qkv.slice(0, 0, nq));
    b->k_w.copy_(qkv.slice(0, nq, nq + nk));
    b->v_w.copy_(qkv.slice(0, nq + nk, nq + 2 * nk));
    at::Tensor gu = torch::empty({2 * F, b->gate_w.size(1)}, b->gate_w.options()).normal_(0.0, std);
    b->gate_w.copy_(gu.slice(0, 0, F));
    b->up_w.copy_(gu.slice(0, F, 2 * F));
    b->o_w.normal_(0.0, out_std);
    b->down_w.normal_(0.0, out_std);
    for (at::Tensor* bias : {&b->q_b, &b->k_b, &b->v_b, &b->o_b})
      if (bias->defined()) bias->zero_();
    for (at::Tensor* g : {&b->q_norm, &b->k_norm})
      if (g->defined()) g->fill_(1.0);
  }
  norm_w_.fill_(1.0);
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

void TransformerImpl::check_window(int64_t span) const {
  if (cfg_.sliding_window > 0 && span > cfg_.sliding_window)
    throw UserError("model input: a row spans " + std::to_string(span) +
                    " positions, beyond model.sliding_window = " + std::to_string(cfg_.sliding_window) +
                    " (sliding-window attention is not implemented: rows up to the window are exact; "
                    "truncate rows to at most that many tokens)");
}

std::pair<at::Tensor, at::Tensor> TransformerImpl::rope(const at::Tensor& pos) {
  if (!inv_freq_dev_.defined() || inv_freq_dev_.device() != pos.device()) inv_freq_dev_ = inv_freq_.to(pos.device());
  at::Tensor angle = pos.to(at::kFloat).unsqueeze(-1) * inv_freq_dev_;  // [pos..., Dh/2] float32
  const auto dt = embed_w_.scalar_type();
  return {torch::cos(angle).to(dt), torch::sin(angle).to(dt)};
}

at::Tensor TransformerImpl::embed(const at::Tensor& tokens) {
  return torch::embedding(embed_w_, tokens);  // [N, T, D]
}

at::Tensor TransformerImpl::head(const at::Tensor& x) {
  at::Tensor h = rms_norm(x, norm_w_, cfg_.norm_eps);                     // [N, T, D]
  return torch::linear(h, cfg_.tie_embeddings ? embed_w_ : head_w_);      // [N, T, V]
}

bool TransformerImpl::recompute_blocks() const {
  return activation_checkpointing_ && is_training() && torch::GradMode::is_enabled();
}

at::Tensor TransformerImpl::forward(const at::Tensor& tokens, const at::Tensor& left_pad) {
  check_tokens(tokens, tokens.dim() == 2 ? tokens.size(1) : 0);
  const int64_t N = tokens.size(0), T = tokens.size(1);
  at::Tensor cos, sin, allowed;  // [N|1, 1, T, Dh/2], [N|1, 1, T, T]
  if (left_pad.defined()) {
    at::Tensor pad = left_pad.to(tokens.device(), at::kLong).view({N, 1});   // [N, 1]
    if (cfg_.sliding_window > 0 && T > cfg_.sliding_window && N > 0)
      check_window(T - pad.min().item<int64_t>());
    at::Tensor slots = torch::arange(0, T, tokens.options()).view({1, T});   // [1, T]
    at::Tensor pos = (slots - pad).clamp_min(0);                             // [N, T]
    std::tie(cos, sin) = rope(pos);                                          // [N, T, Dh/2]
    cos = cos.unsqueeze(1);                                                  // [N, 1, T, Dh/2]
    sin = sin.unsqueeze(1);
    allowed = attention_allowed(0, T, T, pad.view({N}), tokens.device());   // [N, 1, T, T]
  } else {
    check_window(T);
    std::tie(cos, sin) = rope(torch::arange(0, T, tokens.options()));  // [T, Dh/2]
    cos = cos.view({1, 1, T, -1});                                     // [1, 1, T, Dh/2]
    sin = sin.view({1, 1, T, -1});
  }
  at::Tensor x = embed(tokens);  // [N, T, D]
  const bool recompute = recompute_blocks();
  for (auto& b : blocks_) {
    auto layer = [b, cos = cos, sin = sin, allowed](const at::Tensor& h) {  // by value: backward reruns it
      return b->forward(h, cos, sin, allowed, nullptr, nullptr, 0);
    };
    x = recompute ? recompute_in_backward(layer, x, b->parameters()) : layer(x);  // [N, T, D]
  }
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
  if (L > 0 && cfg_.sliding_window > 0) check_window(positions.max().item<int64_t>() + 1);
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
  auto [cos, sin] = rope(positions.to(dev, at::kLong));                       // [L, Dh/2]
  cos = cos.view({1, 1, L, -1});                                              // [1, 1, L, Dh/2]
  sin = sin.view({1, 1, L, -1});
  at::Tensor x = embed(tokens);                                               // [L, D]
  const bool recompute = recompute_blocks();
  for (auto& b : blocks_) {
    auto layer = [b, cos = cos, sin = sin, a, prompt_flat, resp_flat](const at::Tensor& h) {
      return b->forward_packed(h, cos, sin, a, prompt_flat, resp_flat);
    };
    x = recompute ? recompute_in_backward(layer, x, b->parameters()) : layer(x);  // [L, D]
  }
  return x;  // [L, D]
}

KVCache TransformerImpl::make_cache(int64_t n_rows, int64_t capacity,
                                    const at::Tensor& left_pad) const {
  if (capacity < 1 || capacity > cfg_.max_seq_len)
    throw UserError("KV cache capacity " + std::to_string(capacity) + " outside [1, max_seq_len = " +
                    std::to_string(cfg_.max_seq_len) + "]");
  const int64_t Hkv = model_kv_heads(cfg_), Dh = model_head_dim(cfg_);
  auto opts = embed_w_.options().requires_grad(false);
  KVCache c;
  for (int64_t l = 0; l < cfg_.n_layer; ++l) {
    c.keys.push_back(torch::zeros({n_rows, Hkv, capacity, Dh}, opts));    // [N, Hkv, S, Dh]
    c.values.push_back(torch::zeros({n_rows, Hkv, capacity, Dh}, opts));  // [N, Hkv, S, Dh]
  }
  auto lopts = torch::TensorOptions().dtype(at::kLong).device(embed_w_.device());
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
  if (cfg_.sliding_window > 0 && start + t > cfg_.sliding_window && N > 0)
    check_window(start + t - cache.left_pad.min().item<int64_t>());
  at::Tensor pad = cache.left_pad.view({N, 1});                                 // [N, 1]
  at::Tensor slots = torch::arange(start, start + t, tokens.options()).view({1, t});  // [1, t]
  at::Tensor pos = (slots - pad).clamp_min(0);                                   // [N, t]
  auto [cos, sin] = rope(pos);                                                   // [N, t, Dh/2]
  cos = cos.unsqueeze(1);                                                        // [N, 1, t, Dh/2]
  sin = sin.unsqueeze(1);
  at::Tensor allowed = attention_allowed(start, t, start + t, cache.left_pad, tokens.device());
  at::Tensor x = embed(tokens);  // [N, t, D]
  for (size_t l = 0; l < blocks_.size(); ++l)
    x = blocks_[l]->forward(x, cos, sin, allowed, &cache.keys[l], &cache.values[l], start);
  cache.length = start + t;
  return head(x);  // [N, t, V]
}

Transformer clone_model(const Transformer& src) {
  torch::NoGradGuard no_grad;
  auto src_params = src->named_parameters(true);
  auto src_buffers = src->named_buffers(true);
  ModelBuild build;  // every parameter is copied below: no random draws, built in place
  build.random_init = false;
  if (!src_params.is_empty()) {
    const at::Tensor& p0 = src_params[src_params.keys()[0]];
    build.dtype = p0.scalar_type();
    build.device = p0.device();
  }
  Transformer dst(src->config(), build);
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

// ---- Projection adapters (model.h) -------------------------------------------------------------

namespace {

// Layer `layer`'s block (the module model.layers.{layer}).
TransformerBlockImpl& block_of(const Transformer& model, int64_t layer) {
  const int64_t L = model->config().n_layer;
  if (layer < 0 || layer >= L)
    throw UserError("adapter: layer " + std::to_string(layer) + " outside [0, " + std::to_string(L) + ")");
  auto body = model->named_children()["model"];
  auto layers = body->named_children()["layers"];
  auto block = std::dynamic_pointer_cast<TransformerBlockImpl>(layers->named_children()[std::to_string(layer)]);
  if (!block) throw std::logic_error("model.layers." + std::to_string(layer) + " is not a decoder layer");
  return *block;
}

int projection_index(const std::string& proj) {
  const auto& names = projection_names();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == proj) return static_cast<int>(i);
  std::string valid;
  for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
  throw UserError("unknown projection '" + proj + "'; valid: " + valid);
}

}  // namespace

const std::vector<std::string>& projection_names() {
  static const std::vector<std::string> names = {"q_proj", "k_proj", "v_proj", "o_proj",
                                                 "gate_proj", "up_proj", "down_proj"};
  return names;
}

std::string projection_path(const std::string& proj) {
  return (projection_index(proj) < TransformerBlockImpl::kGate ? "self_attn." : "mlp.") + proj;
}

bool is_adapter_parameter(const std::string& name) {
  return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos;
}

std::pair<at::Tensor, at::Tensor> projection_weight(const Transformer& model, int64_t layer, const std::string& proj) {
  return block_of(model, layer).weight_bias(projection_index(proj));
}

void attach_adapter(Transformer& model, int64_t layer, const std::string& proj, const ProjectionAdapter& a) {
  TransformerBlockImpl& b = block_of(model, layer);
  const int p = projection_index(proj);
  const std::string where = "model.layers." + std::to_string(layer) + "." + projection_path(proj);
  if (b.adapters[p].A.defined()) throw UserError("adapter: " + where + " has an adapter already");
  const at::Tensor w = b.weight_bias(p).first;  // [out, in]
  const int64_t out = w.size(0), in = w.size(1);
  if (a.A.dim() != 2 || a.B.dim() != 2 || a.A.size(0) < 1 || a.A.size(1) != in || a.B.size(0) != out ||
      a.B.size(1) != a.A.size(0)) {
    std::ostringstream os;
    os << "adapter for " << where << " [" << out << ", " << in << "]: expected A [r, " << in << "] and B ["
       << out << ", r], got A " << a.A.sizes() << " and B " << a.B.sizes();
    throw UserError(os.str());
  }
  ProjectionAdapter reg = a;
  reg.A = register_nested(b, projection_path(proj) + ".lora_A.weight", a.A);  // [r, in]
  reg.B = register_nested(b, projection_path(proj) + ".lora_B.weight", a.B);  // [out, r]
  b.adapters[p] = reg;
}

const ProjectionAdapter* find_adapter(const Transformer& model, int64_t layer, const std::string& proj) {
  const ProjectionAdapter& a = block_of(model, layer).adapters[projection_index(proj)];
  return a.A.defined() ? &a : nullptr;
}

void set_adapters_enabled(Transformer& model, bool on) {
  for (int64_t l = 0; l < model->config().n_layer; ++l) block_of(model, l).adapters_on = on;
}

bool adapters_enabled(const Transformer& model) {
  return model->config().n_layer == 0 || block_of(model, 0).adapters_on;
}

}  // namespace swepo
