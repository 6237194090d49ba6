#include "engine/model_config.h"

#include <string>
#include <vector>

#include "core/util/error.h"

namespace swepo {

namespace {
// Visitor that only evaluates visit()'s require() checks, for configs built in code.
struct RequireChecker {
  template <class T>
  void operator()(const char*, T&, const char*) {}
  void require(bool ok, const char* key, const std::string& what) {
    if (!ok) throw UserError(std::string("model config key 'model.") + key + "': " + what);
  }
  void choice(const char* key, const std::string& value, const std::vector<std::string>& choices) {
    for (const auto& c : choices)
      if (c == value) return;
    std::string all;
    for (const auto& c : choices) all += (all.empty() ? "" : ", ") + c;
    require(false, key, "'" + value + "' is not one of: " + all);
  }
};
}  // namespace

int64_t model_head_dim(const ModelConfig& c) {
  return c.head_dim > 0 ? c.head_dim : c.d_model / c.n_head;
}

int64_t model_kv_heads(const ModelConfig& c) { return c.n_kv_head > 0 ? c.n_kv_head : c.n_head; }

bool model_o_bias(const ModelConfig& c) { return c.attention_bias && c.arch != "qwen2"; }

namespace {
// Attention weights (and biases, norms) of one layer.
int64_t attention_parameters(const ModelConfig& c, bool matmul_only) {
  const int64_t D = c.d_model, Dh = model_head_dim(c), Hq = c.n_head * Dh, Hk = model_kv_heads(c) * Dh;
  int64_t n = D * Hq + 2 * D * Hk + Hq * D;
  if (matmul_only) return n;
  if (c.attention_bias) n += Hq + 2 * Hk;
  if (model_o_bias(c)) n += D;
  if (c.qk_norm) n += 2 * Dh;
  return n;
}
}  // namespace

void model_config_validate(const ModelConfig& c) {
  ModelConfig copy = c;
  RequireChecker check;
  copy.visit(check);
  check.require(c.vocab_size > 0, "vocab_size",
                "must be resolved (> 0) before building a model; see model_config_with_vocab");
}

ModelConfig model_config_with_vocab(ModelConfig c, int64_t tokenizer_vocab_size) {
  if (c.vocab_size == 0) {
    c.vocab_size = tokenizer_vocab_size;
  } else if (c.vocab_size < tokenizer_vocab_size) {
    throw UserError("model config key 'model.vocab_size': " + std::to_string(c.vocab_size) +
                    " is smaller than the tokenizer's vocabulary (" +
                    std::to_string(tokenizer_vocab_size) + "); use 0 to take the tokenizer's");
  }
  return c;
}

int64_t count_parameters(const ModelConfig& c) {
  const int64_t V = c.vocab_size, D = c.d_model, F = c.d_ff, L = c.n_layer;
  const int64_t per_layer = 2 * D + attention_parameters(c, false) + 3 * D * F;  // norms, attn, MLP
  return V * D + L * per_layer + D + (c.tie_embeddings ? 0 : V * D);
}

int64_t count_matmul_parameters(const ModelConfig& c) {
  const int64_t V = c.vocab_size, D = c.d_model, F = c.d_ff, L = c.n_layer;
  return L * (attention_parameters(c, true) + 3 * D * F) + V * D;  // blocks + head (tied or not)
}

double model_flops_per_token(const ModelConfig& c, int64_t seq_len) {
  return 6.0 * static_cast<double>(count_matmul_parameters(c)) +
         12.0 * static_cast<double>(c.n_layer) * static_cast<double>(c.n_head * model_head_dim(c)) *
             static_cast<double>(seq_len);
}

}  // namespace swepo
