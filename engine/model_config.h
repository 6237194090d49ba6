// Sizes and architecture of the Llama-family decoder (engine/model.h) as a typed config struct,
// plus the analytic parameter count and the FLOPs-per-token figure used for model FLOP utilisation
// (MFU). Tensor-free. The defaults are the `tiny` preset's (a Llama model: MHA, no biases, plain
// RoPE); experiments/conf/model/{small,base100m}.yaml hold only the sizes they change. A Hugging Face
// checkpoint (model=hf, `path` set) gets every size from its config.json (engine/hf_config.h).
//
// Dimension glossary: V vocab, D d_model, H n_head, Hkv n_kv_head, Dh head width (head_dim, or
// D / H), F d_ff, L n_layer, T sequence length.
#pragma once
#include <cstdint>
#include <string>

namespace swepo {

struct ModelConfig {
  std::string name = "tiny";    // preset name, recorded with results so tables can filter by it
  std::string tokenizer = "byte";  // tokenizer factory name (engine/tokenizer.h)
  int64_t vocab_size = 0;       // 0: take the tokenizer's vocab size (see model_config_with_vocab)
  int64_t n_layer = 3;
  int64_t n_head = 4;
  int64_t d_model = 128;
  int64_t d_ff = 352;           // SwiGLU hidden width
  int64_t max_seq_len = 128;    // longest row (prompt + response + specials) the model accepts
  bool tie_embeddings = true;   // output head shares the token-embedding matrix
  double rope_theta = 10000.0;
  double norm_eps = 1e-5;
  double init_std = 0.02;
  // Llama-family architecture (defaults reproduce the native presets).
  std::string arch = "llama";   // llama | mistral | qwen2 | qwen3 (names the HF class on export)
  int64_t n_kv_head = 0;        // key/value heads (GQA); 0 = n_head
  int64_t head_dim = 0;         // 0 = d_model / n_head
  bool attention_bias = false;  // q/k/v biases (and o_proj's, except for qwen2)
  bool qk_norm = false;         // per-head RMSNorm of q and k before RoPE (qwen3)
  std::string rope_scaling_type = "none";  // none | linear | llama3
  double rope_scaling_factor = 1.0;
  double rope_low_freq_factor = 1.0;       // llama3 only
  double rope_high_freq_factor = 4.0;      // llama3 only
  int64_t rope_original_max_position = 8192;  // llama3 only
  int64_t sliding_window = 0;   // 0 = full attention; > 0: rows longer than this are refused
  std::string path;             // Hugging Face checkpoint directory; empty for a native preset
  std::string dtype = "auto";   // auto | float32 | bfloat16 | float16 (auto: config.json's)
  std::string chat_template = "auto";  // auto | a template name (core/text)

  template <class V>
  void visit(V& v) {
    v("name", name, "preset name, recorded with results");
    v("tokenizer", tokenizer, "tokenizer name (byte)");
    v("vocab_size", vocab_size, "vocabulary size; 0 = the tokenizer's vocab size");
    v("n_layer", n_layer, "number of transformer blocks");
    v("n_head", n_head, "attention heads per block");
    v("d_model", d_model, "residual stream width D (divisible by n_head, D/n_head even)");
    v("d_ff", d_ff, "SwiGLU hidden width");
    v("max_seq_len", max_seq_len, "longest row in tokens (max_position_embeddings for HF models)");
    v("tie_embeddings", tie_embeddings, "share the token embedding with the output head");
    v("rope_theta", rope_theta, "RoPE base frequency");
    v("norm_eps", norm_eps, "RMSNorm epsilon");
    v("init_std", init_std, "std of the normal initialisation of weight matrices");
    v("arch", arch, "Llama-family architecture: llama, mistral, qwen2 or qwen3");
    v("n_kv_head", n_kv_head, "key/value heads (grouped-query attention); 0 = n_head");
    v("head_dim", head_dim, "attention head width; 0 = d_model / n_head");
    v("attention_bias", attention_bias, "biases on q/k/v projections (and o_proj except for qwen2)");
    v("qk_norm", qk_norm, "per-head RMSNorm on q and k before RoPE (qwen3)");
    v("rope_scaling_type", rope_scaling_type, "RoPE frequency scaling: none, linear or llama3");
    v("rope_scaling_factor", rope_scaling_factor, "RoPE scaling factor (linear, llama3)");
    v("rope_low_freq_factor", rope_low_freq_factor, "llama3 RoPE scaling low_freq_factor");
    v("rope_high_freq_factor", rope_high_freq_factor, "llama3 RoPE scaling high_freq_factor");
    v("rope_original_max_position", rope_original_max_position,
      "llama3 RoPE scaling original_max_position_embeddings");
    v("sliding_window", sliding_window,
      "attention window in tokens; 0 = none; longer rows are refused (no sliding mask)");
    v("path", path, "Hugging Face checkpoint directory (config.json + safetensors); empty = native");
    v("dtype", dtype, "weights dtype: auto (the checkpoint's torch_dtype; float32 native), float32, bfloat16, float16");
    v("chat_template", chat_template, "chat template: auto (from tokenizer_config.json) or a name");
    v.require(vocab_size >= 0, "vocab_size", "must be >= 0");
    v.require(n_layer >= 1, "n_layer", "must be >= 1");
    v.require(n_head >= 1, "n_head", "must be >= 1");
    v.require(d_model >= 1 && (head_dim > 0 || (d_model % n_head == 0 && (d_model / n_head) % 2 == 0)),
              "d_model",
              "must be a positive multiple of n_head with an even head width d_model/n_head (or set head_dim)");
    v.require(d_ff >= 1, "d_ff", "must be >= 1");
    v.require(max_seq_len >= 4, "max_seq_len", "must be >= 4");
    v.require(rope_theta > 0, "rope_theta", "must be > 0");
    v.require(norm_eps > 0, "norm_eps", "must be > 0");
    v.require(init_std > 0, "init_std", "must be > 0");
    v.choice("arch", arch, {"llama", "mistral", "qwen2", "qwen3"});
    v.require(n_kv_head >= 0 && (n_kv_head == 0 || n_head % n_kv_head == 0), "n_kv_head",
              "must be 0 (= n_head) or divide n_head");
    v.require(head_dim >= 0 && head_dim % 2 == 0, "head_dim", "must be 0 (= d_model / n_head) or even");
    v.choice("rope_scaling_type", rope_scaling_type, {"none", "linear", "llama3"});
    v.require(rope_scaling_factor > 0, "rope_scaling_factor", "must be > 0");
    v.require(rope_high_freq_factor > rope_low_freq_factor || rope_scaling_type != "llama3",
              "rope_high_freq_factor", "must be > rope_low_freq_factor");
    v.require(rope_original_max_position >= 1, "rope_original_max_position", "must be >= 1");
    v.require(sliding_window >= 0, "sliding_window", "must be >= 0");
    v.choice("dtype", dtype, {"auto", "float32", "bfloat16", "float16"});
  }
};

// Derived sizes: Dh (head_dim or D / H), Hkv (n_kv_head or H), whether o_proj has a bias
// (attention_bias, except qwen2 whose o_proj never has one).
int64_t model_head_dim(const ModelConfig& c);
int64_t model_kv_heads(const ModelConfig& c);
bool model_o_bias(const ModelConfig& c);

// Throws UserError naming the field when `c` is inconsistent (same checks as visit()'s require,
// plus vocab_size > 0), for configs built in code rather than read through Fields.
void model_config_validate(const ModelConfig& c);

// `c` with vocab_size set from the tokenizer when 0; UserError when a nonzero vocab_size is smaller
// than the tokenizer's (ids would fall outside the embedding).
ModelConfig model_config_with_vocab(ModelConfig c, int64_t tokenizer_vocab_size);

// Number of trainable parameters (vocab_size must be resolved):
//   embedding V·D + per layer (2·D norms + attention + 3·D·F MLP) + final norm D + untied head V·D,
//   attention = D·H·Dh (q) + 2·D·Hkv·Dh (k, v) + H·Dh·D (o) [+ H·Dh + 2·Hkv·Dh biases, + D o bias]
//   [+ 2·Dh q/k norms]; with the native defaults (Hkv = H, H·Dh = D) attention = 4·D·D.
int64_t count_parameters(const ModelConfig& c);

// Parameters that take part in a matmul per token: count_parameters minus the input-embedding
// lookup when the head is untied (tied: the matrix is the head) and minus the norm gains.
int64_t count_matmul_parameters(const ModelConfig& c);

// Training FLOPs per token (forward + backward) at sequence length T, PaLM convention:
//   6 · count_matmul_parameters + 12 · L · H·Dh · T   (attention scores and weighted sum).
double model_flops_per_token(const ModelConfig& c, int64_t seq_len);

}  // namespace swepo
