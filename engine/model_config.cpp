#include "engine/model_config.h"

#include <string>

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
};
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
  const int64_t per_layer = 2 * D + 4 * D * D + 3 * D * F;  // two norm gains, Wqkv + Wo, W1 W3 W2
  return V * D + L * per_layer + D + (c.tie_embeddings ? 0 : V * D);
}

int64_t count_matmul_parameters(const ModelConfig& c) {
  const int64_t V = c.vocab_size, D = c.d_model, F = c.d_ff, L = c.n_layer;
  return L * (4 * D * D + 3 * D * F) + V * D;  // blocks + output head (tied or not)
}

double model_flops_per_token(const ModelConfig& c, int64_t seq_len) {
  return 6.0 * static_cast<double>(count_matmul_parameters(c)) +
         12.0 * static_cast<double>(c.n_layer) * static_cast<double>(c.d_model) *
             static_cast<double>(seq_len);
}

}  // namespace swepo
