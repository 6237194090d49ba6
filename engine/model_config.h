// Sizes of the Llama-style decoder (engine/model.h) as a typed config struct, plus the
// analytic parameter count and the FLOPs-per-token figure used for model FLOP utilisation (MFU).
// Tensor-free. The defaults are the `tiny` preset's; experiments/conf/model/{small,base100m}.yaml
// hold only the sizes they change.
//
// Dimension glossary: V vocab, D d_model, H n_head, Dh = D / H head width, F d_ff, L n_layer,
// T sequence length.
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

  template <class V>
  void visit(V& v) {
    v("name", name, "preset name, recorded with results");
    v("tokenizer", tokenizer, "tokenizer name (byte)");
    v("vocab_size", vocab_size, "vocabulary size; 0 = the tokenizer's vocab size");
    v("n_layer", n_layer, "number of transformer blocks");
    v("n_head", n_head, "attention heads per block");
    v("d_model", d_model, "residual stream width D (divisible by n_head, D/n_head even)");
    v("d_ff", d_ff, "SwiGLU hidden width");
    v("max_seq_len", max_seq_len, "longest row in tokens (RoPE table size)");
    v("tie_embeddings", tie_embeddings, "share the token embedding with the output head");
    v("rope_theta", rope_theta, "RoPE base frequency");
    v("norm_eps", norm_eps, "RMSNorm epsilon");
    v("init_std", init_std, "std of the normal initialisation of weight matrices");
    v.require(vocab_size >= 0, "vocab_size", "must be >= 0");
    v.require(n_layer >= 1, "n_layer", "must be >= 1");
    v.require(n_head >= 1, "n_head", "must be >= 1");
    v.require(d_model >= 1 && d_model % n_head == 0 && (d_model / n_head) % 2 == 0, "d_model",
              "must be a positive multiple of n_head with an even head width d_model/n_head");
    v.require(d_ff >= 1, "d_ff", "must be >= 1");
    v.require(max_seq_len >= 4, "max_seq_len", "must be >= 4");
    v.require(rope_theta > 0, "rope_theta", "must be > 0");
    v.require(norm_eps > 0, "norm_eps", "must be > 0");
    v.require(init_std > 0, "init_std", "must be > 0");
  }
};

// Throws UserError naming the field when `c` is inconsistent (same checks as visit()'s require,
// plus vocab_size > 0), for configs built in code rather than read through Fields.
void model_config_validate(const ModelConfig& c);

// `c` with vocab_size set from the tokenizer when 0; UserError when a nonzero vocab_size is smaller
// than the tokenizer's (ids would fall outside the embedding).
ModelConfig model_config_with_vocab(ModelConfig c, int64_t tokenizer_vocab_size);

// Number of trainable parameters (vocab_size must be resolved):
//   embedding V·D + per layer (2·D norms + 4·D·D attention + 3·D·F MLP) + final norm D
//   + untied head V·D.
int64_t count_parameters(const ModelConfig& c);

// Parameters that take part in a matmul per token: count_parameters minus the input-embedding
// lookup when the head is untied (tied: the matrix is the head) and minus the norm gains.
int64_t count_matmul_parameters(const ModelConfig& c);

// Training FLOPs per token (forward + backward) at sequence length T, PaLM convention:
//   6 · count_matmul_parameters + 12 · L · D · T   (attention scores and weighted sum).
double model_flops_per_token(const ModelConfig& c, int64_t seq_len);

}  // namespace swepo
