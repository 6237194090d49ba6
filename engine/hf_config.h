// Hugging Face config.json <-> ModelConfig for the Llama family (LlamaForCausalLM,
// MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM). Tensor-free.
//
// Read (config.json key -> ModelConfig field):
//   architectures[0] / model_type -> arch (llama, mistral, qwen2, qwen3)
//   vocab_size -> vocab_size, hidden_size -> d_model, intermediate_size -> d_ff,
//   num_hidden_layers -> n_layer, num_attention_heads -> n_head,
//   num_key_value_heads -> n_kv_head (absent/null: n_head), head_dim -> head_dim (absent/null: D/H),
//   rope_theta -> rope_theta, rope_scaling {rope_type|type: default|linear|llama3, factor,
//   low_freq_factor, high_freq_factor, original_max_position_embeddings} -> rope_scaling_* (also
//   the newer rope_parameters form), attention_bias -> attention_bias (qwen2: always q/k/v biases,
//   never an o_proj bias; mistral: none), qwen3 -> qk_norm, tie_word_embeddings -> tie_embeddings
//   (default false), rms_norm_eps -> norm_eps, max_position_embeddings -> max_seq_len,
//   sliding_window (mistral; qwen2/qwen3 only with use_sliding_window) -> sliding_window (null: 0),
//   initializer_range -> init_std, torch_dtype (or dtype) -> HfModelInfo::torch_dtype.
//   Checked: hidden_act must be silu, mlp_bias false, partial_rotary_factor 1.
// Anything else (an unknown architecture or rope_scaling type, a missing size, a value of the
// wrong type or out of range) is a UserError naming config.json's path and the key.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "engine/model_config.h"

namespace swepo {

struct HfModelInfo {
  ModelConfig model;                   // name "hf", tokenizer "hf", path = the directory
  std::string torch_dtype = "float32";  // float32 | bfloat16 | float16
  int64_t bos_token_id = -1;           // -1: not given
  std::vector<int64_t> eos_token_ids;  // config.json's eos_token_id (an int or a list)
};

// Reads DIR/config.json.
HfModelInfo hf_read_config(const std::string& dir);
// The same from JSON text; `label` names the file in errors; model.path stays empty.
HfModelInfo hf_parse_config(const std::string& json_text, const std::string& label);
// hf_read_config(dir).model.
ModelConfig hf_model_config(const std::string& dir);

// The model group as the pipeline reads it -> the config to build: unchanged when `user.path` is
// empty (a native preset); otherwise config.json's sizes and architecture, keeping the user's
// name, tokenizer, path, dtype and chat_template (init_std too, for completeness).
ModelConfig hf_resolve_model_config(const ModelConfig& user);

// config.json text for `c` with HF field names (architectures, model_type, sizes, RoPE, biases,
// tie_word_embeddings, torch_dtype = `torch_dtype`, ...). `base_json` (the source checkpoint's
// config.json text, or "") supplies every other key (token ids, transformers_version, ...); the
// keys above are overwritten. bos/eos ids >= 0 are written when the base has none.
std::string hf_config_json(const ModelConfig& c, const std::string& torch_dtype,
                           const std::string& base_json, int64_t bos_token_id = -1,
                           int64_t eos_token_id = -1);

// The HF architecture class for `arch` ("LlamaForCausalLM", ...).
std::string hf_architecture_name(const std::string& arch);

}  // namespace swepo
