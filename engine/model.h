// The Llama-family decoder-only transformer, one class for the native presets and Hugging Face
// checkpoints (Llama, Mistral, Qwen2, Qwen3): token embedding, pre-norm RMSNorm (float32, cast
// back, times the gain), causal attention with grouped key/value heads (repeat_kv), RoPE in the
// rotate_half form on the two halves of each head (optionally linear or llama3 frequency scaling),
// optional q/k/v(/o) biases and per-head q/k RMSNorm, SiLU-gated MLP, final RMSNorm, output head
// (optionally tied to the embedding). Semantics follow transformers' modeling_llama / _qwen2 / _qwen3.
//
// Parameters carry the Hugging Face names, so the state dict maps 1:1 to safetensors names:
//   model.embed_tokens.weight                         [V, D]
//   model.layers.{i}.input_layernorm.weight           [D]
//   model.layers.{i}.self_attn.q_proj.weight          [H·Dh, D]     (.bias [H·Dh] with attention_bias)
//   model.layers.{i}.self_attn.k_proj.weight          [Hkv·Dh, D]   (.bias [Hkv·Dh])
//   model.layers.{i}.self_attn.v_proj.weight          [Hkv·Dh, D]   (.bias [Hkv·Dh])
//   model.layers.{i}.self_attn.o_proj.weight          [D, H·Dh]     (.bias [D] unless qwen2)
//   model.layers.{i}.self_attn.{q,k}_norm.weight      [Dh]          (qk_norm)
//   model.layers.{i}.post_attention_layernorm.weight  [D]
//   model.layers.{i}.mlp.{gate,up}_proj.weight        [F, D]
//   model.layers.{i}.mlp.down_proj.weight             [D, F]
//   model.norm.weight                                 [D]
//   lm_head.weight                                    [V, D]        (absent when tied)
// No buffers: RoPE cos/sin are computed for the positions each call needs (float32, as transformers).
//
// Dimension glossary: N rows, T tokens in the call, S key/value slots (cache), V vocab, D d_model,
// H heads, Hkv key/value heads, Dh head width, F d_ff, L layers.
//
// Layouts. forward() takes one (prompt, response) per row; hidden_packed() takes the shared-prompt
// layout of engine/pack.h (flat tokens, explicit positions, prompt-once attention).
//
// Padding conventions.
//  * Training rows are RIGHT-padded (engine/collate.h): plain causal masking is exact for the
//    real tokens, and padded positions are never scored. Call forward(tokens).
//  * Generation LEFT-pads prompts of different lengths to a common length. Pass `left_pad` [N]:
//    row n's first left_pad[n] slots are padding; its real tokens get RoPE positions 0, 1, ...
//    (position = slot - left_pad[n]) and padding slots are masked out as keys, so each row computes
//    what it would compute alone. A padding slot attends only to itself (finite, never used).
//
// Initialisation draws from the global torch RNG: call torch::manual_seed(seed) before construction.
// sliding_window > 0: a row spanning more positions than the window is a UserError (no sliding mask).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include "engine/model_config.h"

namespace swepo {

// Key/value cache for incremental decoding. All rows share the slot count `length`; per-row
// prompt lengths are expressed by `left_pad` (see above). Create with TransformerImpl::make_cache.
struct KVCache {
  std::vector<at::Tensor> keys;    // L x [N, Hkv, S, Dh], S = capacity, filled in [0, length)
  std::vector<at::Tensor> values;  // L x [N, Hkv, S, Dh]
  at::Tensor left_pad;             // [N] int64 (on the model's device): padding slots per row
  int64_t length = 0;              // slots filled so far
  int64_t capacity() const { return keys.empty() ? 0 : keys[0].size(2); }
};

// The attention structure of the shared-prompt layout (built by engine/pack.h), over L flat tokens:
// G prompts attend causally to themselves; S responses attend to their group's prompt and
// causally to their own tokens. Index entries that are padding point at token 0 and are masked.
struct PackedAttention {
  at::Tensor prompt_idx;      // [G, Pm] int64: flat index of token j of prompt g
  at::Tensor prompt_valid;    // [G, Pm] bool
  at::Tensor resp_idx;        // [S, Rm] int64: flat index of token j of response s
  at::Tensor resp_valid;      // [S, Rm] bool
  at::Tensor resp_group;      // [S] int64: the prompt (row of prompt_idx) response s attends to
  at::Tensor prompt_allowed;  // [G, 1, Pm, Pm] bool: causal over valid keys, plus the diagonal
  at::Tensor resp_allowed;    // [S, 1, Rm, Pm + Rm] bool: the group's valid prompt keys, then causal own
};

struct TransformerBlockImpl;  // one pre-norm attention + MLP block (model.cpp)

// Where and how the parameters are created. random_init = false leaves them uninitialised (a
// checkpoint loader fills every one): no RNG draws, no float32 copy of a bfloat16 model.
struct ModelBuild {
  c10::ScalarType dtype = c10::kFloat;
  c10::Device device = c10::kCPU;
  bool random_init = true;
};

struct TransformerImpl : torch::nn::Module {
  // `cfg.vocab_size` must be resolved (> 0); UserError otherwise or on inconsistent sizes.
  explicit TransformerImpl(const ModelConfig& cfg, const ModelBuild& build = {});

  // tokens [N, T] int64 (T <= max_seq_len, ids in [0, V)); left_pad [N] int64 or undefined.
  // Returns logits [N, T, V] (float32, or the autocast dtype on CUDA).
  at::Tensor forward(const at::Tensor& tokens, const at::Tensor& left_pad = {});

  // The shared-prompt layout (engine/pack.h): tokens [L] int64, positions [L] int64 (RoPE
  // positions < max_seq_len; L itself is unbounded), attention structure `attn`. Returns the last
  // block's output [L, D], before the final norm: logits() of the scored tokens alone gives their
  // logits, so the head runs only where a token is scored.
  at::Tensor hidden_packed(const at::Tensor& tokens, const at::Tensor& positions, const PackedAttention& attn);

  // Final RMSNorm and output head: hidden [..., D] -> logits [..., V].
  at::Tensor logits(const at::Tensor& hidden) { return head(hidden); }

  // Empty cache for N rows and `capacity` slots (<= max_seq_len) on the model's device/dtype.
  // left_pad [N] int64 (any device) or undefined (no padding).
  KVCache make_cache(int64_t n_rows, int64_t capacity, const at::Tensor& left_pad = {}) const;

  // Incremental forward: tokens [N, t] occupy slots [cache.length, cache.length + t); attends to
  // all filled slots; appends their keys/values and advances cache.length by t.
  // Returns logits [N, t, V]. Equal (up to float rounding) to the matching slice of forward().
  at::Tensor forward_cached(const at::Tensor& tokens, KVCache& cache);

  // Re-draws every parameter: weight matrices ~ N(0, init_std²), output projections of attention
  // and MLP ~ N(0, init_std² / (2L)), norm gains = 1, biases = 0. q, k, v are drawn as one
  // [(H + 2·Hkv)·Dh, D] matrix and gate, up as one [2F, D] matrix (the native presets' draw order).
  void reset_parameters();

  const ModelConfig& config() const { return cfg_; }

  // Activation checkpointing (trainer.activation_checkpointing): while on, a training forward with
  // autograd enabled keeps only each decoder layer's input and recomputes the layer in the backward
  // pass (engine/recompute.h); results and gradients are the plain path's. Off by default.
  void set_activation_checkpointing(bool on) { activation_checkpointing_ = on; }
  bool activation_checkpointing() const { return activation_checkpointing_; }

 private:
  at::Tensor embed(const at::Tensor& tokens);                      // [N, T] -> [N, T, D]
  at::Tensor head(const at::Tensor& x);                             // [N, T, D] -> [N, T, V]
  void check_tokens(const at::Tensor& tokens, int64_t end_slot) const;
  void check_window(int64_t span) const;  // UserError when span > sliding_window > 0
  bool recompute_blocks() const;          // checkpointing on, training, autograd enabled
  // RoPE cos/sin [pos..., Dh/2] for int64 positions `pos` (on the model's device), float32 as
  // transformers computes them, cast to the parameter dtype.
  std::pair<at::Tensor, at::Tensor> rope(const at::Tensor& pos);

  ModelConfig cfg_;
  at::Tensor embed_w_;  // [V, D] parameter model.embed_tokens.weight
  std::vector<std::shared_ptr<TransformerBlockImpl>> blocks_;  // L
  at::Tensor norm_w_;   // [D] parameter model.norm.weight: final RMSNorm gain
  at::Tensor head_w_;   // [V, D] parameter lm_head.weight; undefined when tie_embeddings
  at::Tensor inv_freq_;  // [Dh/2] float32 on the CPU (not a buffer): RoPE frequencies, scaled
  at::Tensor inv_freq_dev_;  // inv_freq_ on the device last used
  bool activation_checkpointing_ = false;
};
TORCH_MODULE(Transformer);

// A real deep copy: a new module with copies of every parameter and buffer, on the same device and
// dtype, in the same train/eval mode and requires_grad state. Never aliases the source.
Transformer clone_model(const Transformer& src);

// Frozen reference: eval() and requires_grad(false) on every parameter.
void freeze_model(Transformer& model);

// Total number of parameter elements of a built model (equals count_parameters(config)).
int64_t model_numel(const Transformer& model);

// The device of the model's parameters.
c10::Device model_device(const Transformer& model);

// ---- Projection adapters (LoRA: engine/lora.h builds on these) ---------------------------------
// Each decoder layer has seven projections, by PEFT's module names: q_proj, k_proj, v_proj, o_proj
// (under self_attn), gate_proj, up_proj, down_proj (under mlp). Projection p of layer l computes
//   y = x Wᵀ + b                                          (no adapter, or adapters switched off)
//   y = x Wᵀ + b + scale · dropout(x) Aᵀ Bᵀ               (an adapter attached, adapters on)
// with A [r, in] and B [out, r] registered as parameters of the layer, named
//   model.layers.{l}.self_attn.q_proj.lora_A.weight  [r, in]
//   model.layers.{l}.self_attn.q_proj.lora_B.weight  [out, r]
// (PEFT's saved names less the "base_model.model." prefix), so optimizers, checkpoints, activation
// checkpointing and model_weights_hash see them as any parameter. Dropout acts in training mode only.
// A weight stored in a lower precision than the activations (a frozen bf16 base, engine/lora.h
// store_frozen_bf16) is upcast at use; a frozen one keeps only its bf16 copy for the backward pass.
// clone_model copies the base only (a clone has no adapters).
struct ProjectionAdapter {
  at::Tensor A;          // [r, in]
  at::Tensor B;          // [out, r]
  double scale = 1.0;    // LoRA: alpha / r
  double dropout = 0.0;  // probability, on the adapter's input
};

// q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj (the order of the layer's parameters).
const std::vector<std::string>& projection_names();

// "self_attn.q_proj", ..., "mlp.down_proj": projection `proj`'s path inside a layer; UserError for
// a name not in projection_names().
std::string projection_path(const std::string& proj);

// True for an adapter's parameter name ("....lora_A.weight" / "....lora_B.weight").
bool is_adapter_parameter(const std::string& name);

// Projection `proj` of layer `layer`: its weight [out, in] and bias ([out] or undefined). The
// tensors are the model's own (not copies).
std::pair<at::Tensor, at::Tensor> projection_weight(const Transformer& model, int64_t layer, const std::string& proj);

// Attaches `a` (A, B on the model's device, requires_grad as given) to projection `proj` of layer
// `layer` and registers its parameters. UserError when one is attached already or a shape is wrong.
void attach_adapter(Transformer& model, int64_t layer, const std::string& proj, const ProjectionAdapter& a);

// The adapter of projection `proj` of layer `layer`, or nullptr.
const ProjectionAdapter* find_adapter(const Transformer& model, int64_t layer, const std::string& proj);

// Switches every attached adapter on or off (on when attached); the weights are untouched.
void set_adapters_enabled(Transformer& model, bool on);
bool adapters_enabled(const Transformer& model);

}  // namespace swepo
