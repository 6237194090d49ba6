// config.json -> ModelConfig (engine/hf_config.h) on the configs of real checkpoints (abridged to
// the keys read), the defaults, every rejected value naming config.json and the key, the write-back
// (hf_config_json) round trip, and the model group resolution.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "engine/hf_config.h"

namespace swepo {
namespace {

HfModelInfo parse(const std::string& text) { return hf_parse_config(text, "dir/config.json"); }

void expect_error(const std::string& text, std::vector<std::string> fragments) {
  try {
    parse(text);
    FAIL() << "no error; expected " << fragments[0];
  } catch (const UserError& e) {
    const std::string m = e.what();
    for (const auto& f : fragments) EXPECT_NE(m.find(f), std::string::npos) << "'" << f << "' not in: " << m;
  }
}

// meta-llama/Llama-3.1-8B-Instruct
const char* kLlama31 = R"({
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "hidden_act": "silu", "hidden_size": 4096,
  "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 131072,
  "mlp_bias": false, "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 32,
  "num_key_value_heads": 8, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 128256})";

TEST(HfConfig, Llama31) {
  HfModelInfo i = parse(kLlama31);
  const ModelConfig& m = i.model;
  EXPECT_EQ(m.arch, "llama");
  EXPECT_EQ(m.vocab_size, 128256);
  EXPECT_EQ(m.d_model, 4096);
  EXPECT_EQ(m.d_ff, 14336);
  EXPECT_EQ(m.n_layer, 32);
  EXPECT_EQ(m.n_head, 32);
  EXPECT_EQ(m.n_kv_head, 8);
  EXPECT_EQ(m.head_dim, 128);
  EXPECT_EQ(m.max_seq_len, 131072);
  EXPECT_DOUBLE_EQ(m.rope_theta, 500000.0);
  EXPECT_EQ(m.rope_scaling_type, "llama3");
  EXPECT_DOUBLE_EQ(m.rope_scaling_factor, 8.0);
  EXPECT_DOUBLE_EQ(m.rope_low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(m.rope_high_freq_factor, 4.0);
  EXPECT_EQ(m.rope_original_max_position, 8192);
  EXPECT_DOUBLE_EQ(m.norm_eps, 1e-5);
  EXPECT_FALSE(m.tie_embeddings);
  EXPECT_FALSE(m.attention_bias);
  EXPECT_FALSE(m.qk_norm);
  EXPECT_EQ(m.sliding_window, 0);
  EXPECT_EQ(i.torch_dtype, "bfloat16");
  EXPECT_EQ(i.bos_token_id, 128000);
  EXPECT_EQ(i.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  // 8.03B parameters, the published figure.
  EXPECT_EQ(count_parameters(m), 8030261248);
}

TEST(HfConfig, MistralQwen2Qwen3) {
  // mistralai/Mistral-7B-v0.1
  HfModelInfo mi = parse(R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096,
    "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
    "torch_dtype": "bfloat16", "vocab_size": 32000})");
  EXPECT_EQ(mi.model.arch, "mistral");
  EXPECT_EQ(mi.model.sliding_window, 4096);
  EXPECT_EQ(count_parameters(mi.model), 7241732096);  // 7.24B
  // Qwen/Qwen2.5-0.5B-Instruct: q/k/v biases, tied, sliding window off.
  HfModelInfo q2 = parse(R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896,
    "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 21,
    "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
    "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": true,
    "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936})");
  EXPECT_EQ(q2.model.arch, "qwen2");
  EXPECT_TRUE(q2.model.attention_bias);
  EXPECT_FALSE(model_o_bias(q2.model));
  EXPECT_EQ(q2.model.sliding_window, 0);
  EXPECT_TRUE(q2.model.tie_embeddings);
  EXPECT_EQ(q2.model.head_dim, 64);
  EXPECT_EQ(count_parameters(q2.model), 494032768);  // 0.49B
  // Qwen/Qwen3-0.6B: head_dim 128 with hidden 1024 / 16 heads, q/k norm.
  HfModelInfo q3 = parse(R"({"architectures": ["Qwen3ForCausalLM"], "attention_bias": false,
    "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "intermediate_size": 3072,
    "max_position_embeddings": 40960, "max_window_layers": 28, "model_type": "qwen3",
    "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
    "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
    "torch_dtype": "bfloat16", "use_sliding_window": false, "vocab_size": 151936})");
  EXPECT_TRUE(q3.model.qk_norm);
  EXPECT_EQ(q3.model.head_dim, 128);
  EXPECT_EQ(count_parameters(q3.model), 596049920);  // 0.6B
}

TEST(HfConfig, DefaultsAndModelTypeFallback) {
  HfModelInfo i = parse(R"({"model_type": "llama", "vocab_size": 100, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4})");
  EXPECT_EQ(i.model.arch, "llama");
  EXPECT_EQ(i.model.n_kv_head, 4);
  EXPECT_EQ(i.model.head_dim, 16);
  EXPECT_EQ(i.model.max_seq_len, 2048);
  EXPECT_DOUBLE_EQ(i.model.rope_theta, 10000.0);
  EXPECT_DOUBLE_EQ(i.model.norm_eps, 1e-6);
  EXPECT_FALSE(i.model.tie_embeddings);
  EXPECT_EQ(i.torch_dtype, "float32");
  EXPECT_EQ(i.bos_token_id, -1);
  // Linear scaling in the legacy {"type": ...} form; newer rope_parameters form.
  HfModelInfo l = parse(R"({"model_type": "llama", "vocab_size": 100, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
    "rope_scaling": {"type": "linear", "factor": 4}})");
  EXPECT_EQ(l.model.rope_scaling_type, "linear");
  EXPECT_DOUBLE_EQ(l.model.rope_scaling_factor, 4.0);
  HfModelInfo p = parse(R"({"model_type": "llama", "vocab_size": 100, "hidden_size": 64,
    "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
    "rope_parameters": {"rope_type": "default", "rope_theta": 250000.0}, "dtype": "bfloat16"})");
  EXPECT_EQ(p.model.rope_scaling_type, "none");
  EXPECT_DOUBLE_EQ(p.model.rope_theta, 250000.0);
  EXPECT_EQ(p.torch_dtype, "bfloat16");
}

TEST(HfConfig, RejectionsNameTheFileAndKey) {
  const std::string base = R"("vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
    "num_hidden_layers": 2, "num_attention_heads": 4)";
  auto cfg = [&](const std::string& extra) { return "{" + base + ", " + extra + "}"; };
  expect_error(cfg(R"("architectures": ["GPTNeoXForCausalLM"])"), {"dir/config.json", "'architectures'", "GPTNeoX"});
  expect_error(cfg(R"("model_type": "gemma")"), {"dir/config.json", "'model_type'", "gemma"});
  expect_error(cfg(R"("model_type": "llama", "rope_scaling": {"rope_type": "dynamic", "factor": 2.0})"),
               {"dir/config.json", "'rope_scaling.rope_type'", "dynamic"});
  expect_error(cfg(R"("model_type": "llama", "rope_scaling": {"rope_type": "llama3", "factor": 8.0})"),
               {"'rope_scaling.low_freq_factor'", "missing"});
  expect_error(cfg(R"("model_type": "llama", "hidden_act": "gelu")"), {"dir/config.json", "'hidden_act'", "gelu"});
  expect_error(cfg(R"("model_type": "llama", "mlp_bias": true)"), {"'mlp_bias'"});
  expect_error(cfg(R"("model_type": "llama", "num_key_value_heads": 3)"), {"'num_key_value_heads'"});
  expect_error(cfg(R"("model_type": "llama", "torch_dtype": "float64")"), {"'torch_dtype'", "float64"});
  expect_error(cfg(R"("model_type": "llama", "tie_word_embeddings": "yes")"), {"'tie_word_embeddings'"});
  expect_error(R"({"model_type": "llama", "hidden_size": 64})", {"dir/config.json", "'vocab_size'", "missing"});
  expect_error("{nope", {"dir/config.json", "JSON"});
}

TEST(HfConfig, WriteBackRoundTripsAndKeepsOtherKeys) {
  HfModelInfo i = parse(kLlama31);
  const std::string text = hf_config_json(i.model, "float32", kLlama31);
  HfModelInfo back = parse(text);
  EXPECT_EQ(back.torch_dtype, "float32");
  EXPECT_EQ(back.eos_token_ids, i.eos_token_ids);  // kept from the source
  EXPECT_EQ(count_parameters(back.model), count_parameters(i.model));
  EXPECT_EQ(back.model.rope_scaling_type, "llama3");
  EXPECT_EQ(back.model.rope_original_max_position, 8192);
  EXPECT_EQ(nlohmann::json::parse(text)["pretraining_tp"], 1);
  // A native model (no base): ids written when given.
  ModelConfig native;
  native.vocab_size = 260;
  const std::string n = hf_config_json(native, "float32", "", 256, 257);
  HfModelInfo nb = parse(n);
  EXPECT_EQ(nb.model.arch, "llama");
  EXPECT_EQ(nb.model.d_model, 128);
  EXPECT_EQ(nb.model.n_kv_head, 4);
  EXPECT_TRUE(nb.model.tie_embeddings);
  EXPECT_EQ(nb.bos_token_id, 256);
  EXPECT_EQ(count_parameters(nb.model), count_parameters(native));
}

TEST(HfConfig, ResolveKeepsNativeAndTakesSizesFromTheDirectory) {
  ModelConfig native;
  native.vocab_size = 260;
  EXPECT_EQ(hf_resolve_model_config(native).d_model, 128);
  ModelConfig user;
  user.name = "hf";
  user.path = "/nonexistent/dir";
  EXPECT_THROW(hf_resolve_model_config(user), UserError);
}

}  // namespace
}  // namespace swepo
