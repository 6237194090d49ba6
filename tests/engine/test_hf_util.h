// Shared by the HF checkpoint tests: random tiny checkpoints written in the Hugging Face layout by
// the test itself (config.json with HF keys, safetensors, optional shards + index), and an
// independent float64 reference forward written from the transformers formulas (LlamaRMSNorm,
// rotate_half RoPE with the default / linear / llama3 inverse frequencies, repeat_kv attention with
// a causal mask, SiLU-gated MLP), in plain double loops and basic torch ops, not the engine's code.
//
// Dimension glossary: T tokens, V vocab, D hidden, H heads, Hkv kv heads, Dh head width, F MLP width.
#pragma once
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/hf/safetensors.h"

namespace swepo::hftest {

struct Spec {
  std::string arch = "llama";  // llama | mistral | qwen2 | qwen3
  int64_t V = 50, D = 32, H = 4, Hkv = 4, Dh = 8, F = 40, L = 2, max_pos = 64;
  bool tied = false;
  bool attention_bias = false;  // llama / qwen3 key
  std::string rope = "none";    // none | linear | llama3
  double factor = 1.0, low = 1.0, high = 4.0;
  int64_t original_max = 16;
  double theta = 10000.0, eps = 1e-5;
  int64_t sliding_window = 0;   // mistral: 0 writes null
  std::string dtype = "float32";  // float32 | bfloat16 (file dtype and torch_dtype)
  int shards = 1;
};

inline bool qkv_bias(const Spec& s) { return s.arch == "qwen2" || (s.attention_bias && s.arch != "mistral"); }
inline bool o_bias(const Spec& s) { return s.attention_bias && (s.arch == "llama" || s.arch == "qwen3"); }

inline std::string class_name(const std::string& arch) {
  if (arch == "llama") return "LlamaForCausalLM";
  if (arch == "mistral") return "MistralForCausalLM";
  if (arch == "qwen2") return "Qwen2ForCausalLM";
  return "Qwen3ForCausalLM";
}

inline nlohmann::json config_json(const Spec& s) {
  nlohmann::json j = {
      {"architectures", {class_name(s.arch)}}, {"model_type", s.arch},
      {"vocab_size", s.V}, {"hidden_size", s.D}, {"intermediate_size", s.F},
      {"num_hidden_layers", s.L}, {"num_attention_heads", s.H}, {"num_key_value_heads", s.Hkv},
      {"head_dim", s.Dh}, {"hidden_act", "silu"}, {"max_position_embeddings", s.max_pos},
      {"rms_norm_eps", s.eps}, {"rope_theta", s.theta}, {"tie_word_embeddings", s.tied},
      {"torch_dtype", s.dtype}, {"bos_token_id", 1}, {"eos_token_id", 2}, {"transformers_version", "4.46.0"}};
  if (s.arch == "llama" || s.arch == "qwen3") j["attention_bias"] = s.attention_bias;
  if (s.rope == "linear") j["rope_scaling"] = {{"type", "linear"}, {"factor", s.factor}};
  if (s.rope == "llama3")
    j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", s.factor}, {"low_freq_factor", s.low},
                         {"high_freq_factor", s.high}, {"original_max_position_embeddings", s.original_max}};
  if (s.rope == "none") j["rope_scaling"] = nullptr;
  if (s.arch == "mistral") j["sliding_window"] = s.sliding_window > 0 ? nlohmann::json(s.sliding_window) : nlohmann::json(nullptr);
  if (s.arch == "qwen2" || s.arch == "qwen3") {
    j["use_sliding_window"] = false;
    j["sliding_window"] = 4096;
    j["max_window_layers"] = s.L;
  }
  return j;
}

// name -> double tensor, in the order HF lists them; values rounded to the file dtype.
using Weights = std::vector<std::pair<std::string, at::Tensor>>;

inline Weights random_weights(const Spec& s, uint64_t seed) {
  auto gen = at::detail::createCPUGenerator(seed);
  auto dbl = torch::TensorOptions().dtype(at::kDouble);
  Weights w;
  auto add = [&](const std::string& name, std::vector<int64_t> shape, double scale, double offset) {
    at::Tensor t = torch::randn(shape, gen, dbl) * scale + offset;
    if (s.dtype == "bfloat16") t = t.to(at::kBFloat16).to(at::kDouble);
    w.emplace_back(name, t);
  };
  add("model.embed_tokens.weight", {s.V, s.D}, 0.5, 0.0);
  for (int64_t l = 0; l < s.L; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    add(p + "self_attn.q_proj.weight", {s.H * s.Dh, s.D}, 0.25, 0.0);
    if (qkv_bias(s)) add(p + "self_attn.q_proj.bias", {s.H * s.Dh}, 0.2, 0.0);
    add(p + "self_attn.k_proj.weight", {s.Hkv * s.Dh, s.D}, 0.25, 0.0);
    if (qkv_bias(s)) add(p + "self_attn.k_proj.bias", {s.Hkv * s.Dh}, 0.2, 0.0);
    add(p + "self_attn.v_proj.weight", {s.Hkv * s.Dh, s.D}, 0.25, 0.0);
    if (qkv_bias(s)) add(p + "self_attn.v_proj.bias", {s.Hkv * s.Dh}, 0.2, 0.0);
    add(p + "self_attn.o_proj.weight", {s.D, s.H * s.Dh}, 0.25, 0.0);
    if (o_bias(s)) add(p + "self_attn.o_proj.bias", {s.D}, 0.2, 0.0);
    if (s.arch == "qwen3") {
      add(p + "self_attn.q_norm.weight", {s.Dh}, 0.2, 1.0);
      add(p + "self_attn.k_norm.weight", {s.Dh}, 0.2, 1.0);
    }
    add(p + "mlp.gate_proj.weight", {s.F, s.D}, 0.25, 0.0);
    add(p + "mlp.up_proj.weight", {s.F, s.D}, 0.25, 0.0);
    add(p + "mlp.down_proj.weight", {s.D, s.F}, 0.25, 0.0);
    add(p + "input_layernorm.weight", {s.D}, 0.2, 1.0);
    add(p + "post_attention_layernorm.weight", {s.D}, 0.2, 1.0);
  }
  add("model.norm.weight", {s.D}, 0.2, 1.0);
  if (!s.tied) add("lm_head.weight", {s.V, s.D}, 0.5, 0.0);
  return w;
}

inline at::Tensor get(const Weights& w, const std::string& name) {
  for (const auto& [n, t] : w)
    if (n == name) return t;
  return {};
}

inline std::string temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("swepo_hf_" + std::to_string(::getpid())) / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d.string();
}

inline void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

// One safetensors file holding `tensors` in `dtype` ("float32" | "bfloat16").
inline void write_tensors(const std::string& path, const Weights& tensors, const std::string& dtype) {
  std::vector<StWriteEntry> entries;
  for (const auto& [name, t] : tensors) {
    at::Tensor c = t.to(dtype == "bfloat16" ? at::kBFloat16 : at::kFloat).contiguous();
    entries.push_back({name, dtype == "bfloat16" ? StDtype::BF16 : StDtype::F32, c.sizes().vec(),
                       [c](std::ostream& o) {
                         o.write(static_cast<const char*>(c.data_ptr()), c.numel() * c.element_size());
                       }});
  }
  safetensors_write(path, entries, {{"format", "pt"}});
}

// config.json + model.safetensors, or s.shards shards (contiguous slices of the list) + index.
inline void write_checkpoint(const std::string& dir, const Spec& s, const Weights& w,
                             const nlohmann::json* config = nullptr) {
  write_text(dir + "/config.json", (config ? *config : config_json(s)).dump(2));
  if (s.shards <= 1) {
    write_tensors(dir + "/model.safetensors", w, s.dtype);
    return;
  }
  nlohmann::json map = nlohmann::json::object();
  const size_t n = static_cast<size_t>(s.shards), per = (w.size() + n - 1) / n;
  for (size_t k = 0; k < n; ++k) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", k + 1, n);
    Weights part(w.begin() + std::min(w.size(), k * per), w.begin() + std::min(w.size(), (k + 1) * per));
    for (const auto& [t, _] : part) map[t] = name;
    write_tensors(dir + "/" + name, part, s.dtype);
  }
  write_text(dir + "/model.safetensors.index.json", nlohmann::json{{"metadata", {{"total_size", 0}}}, {"weight_map", map}}.dump(2));
}

// ---- the float64 reference ----------------------------------------------------------------------

inline std::vector<double> ref_inv_freq(const Spec& s) {
  std::vector<double> inv(s.Dh / 2);
  for (int64_t i = 0; i < s.Dh / 2; ++i) {
    double f = 1.0 / std::pow(s.theta, static_cast<double>(2 * i) / static_cast<double>(s.Dh));
    if (s.rope == "linear") f /= s.factor;
    if (s.rope == "llama3") {
      const double wavelen = 2 * M_PI / f;
      const double low_wl = s.original_max / s.low, high_wl = s.original_max / s.high;
      if (wavelen > low_wl) {
        f = f / s.factor;
      } else if (wavelen >= high_wl) {
        const double smooth = (s.original_max / wavelen - s.low) / (s.high - s.low);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
    }
    inv[i] = f;
  }
  return inv;
}

inline at::Tensor ref_rms(const at::Tensor& x /*[T, E]*/, const at::Tensor& w /*[E]*/, double eps) {
  return x / torch::sqrt(x.pow(2).mean(-1, true) + eps) * w;
}

inline at::Tensor ref_linear(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
  at::Tensor y = torch::matmul(x, w.t());
  return b.defined() ? y + b : y;
}

// q/k of one head [T, Dh] rotated: x·cos + rotate_half(x)·sin, cos = cat(cos θ, cos θ).
inline at::Tensor ref_rope(const at::Tensor& x, const std::vector<double>& inv) {
  const int64_t T = x.size(0), half = x.size(1) / 2;
  at::Tensor cos = torch::empty({T, 2 * half}, x.options()), sin = torch::empty({T, 2 * half}, x.options());
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < half; ++i) {
      const double a = static_cast<double>(t) * inv[i];
      cos[t][i] = std::cos(a);
      cos[t][i + half] = std::cos(a);
      sin[t][i] = std::sin(a);
      sin[t][i + half] = std::sin(a);
    }
  at::Tensor rot = torch::cat({-x.slice(1, half), x.slice(1, 0, half)}, 1);  // rotate_half
  return x * cos + rot * sin;
}

// Logits [T, V] (double) of one row `ids`.
inline at::Tensor reference_logits(const Spec& s, const Weights& w, const std::vector<int64_t>& ids) {
  const int64_t T = static_cast<int64_t>(ids.size());
  const auto inv = ref_inv_freq(s);
  at::Tensor E = get(w, "model.embed_tokens.weight");
  at::Tensor x = torch::empty({T, s.D}, E.options());
  for (int64_t t = 0; t < T; ++t) x[t] = E[ids[t]];
  for (int64_t l = 0; l < s.L; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    at::Tensor h = ref_rms(x, get(w, p + "input_layernorm.weight"), s.eps);
    at::Tensor q = ref_linear(h, get(w, p + "self_attn.q_proj.weight"), get(w, p + "self_attn.q_proj.bias"));
    at::Tensor k = ref_linear(h, get(w, p + "self_attn.k_proj.weight"), get(w, p + "self_attn.k_proj.bias"));
    at::Tensor v = ref_linear(h, get(w, p + "self_attn.v_proj.weight"), get(w, p + "self_attn.v_proj.bias"));
    std::vector<at::Tensor> heads;
    for (int64_t hd = 0; hd < s.H; ++hd) {
      const int64_t g = hd / (s.H / s.Hkv);  // repeat_kv: query head hd reads kv head g
      at::Tensor qh = q.slice(1, hd * s.Dh, (hd + 1) * s.Dh), kh = k.slice(1, g * s.Dh, (g + 1) * s.Dh);
      at::Tensor vh = v.slice(1, g * s.Dh, (g + 1) * s.Dh);
      if (s.arch == "qwen3") {
        qh = ref_rms(qh, get(w, p + "self_attn.q_norm.weight"), s.eps);
        kh = ref_rms(kh, get(w, p + "self_attn.k_norm.weight"), s.eps);
      }
      qh = ref_rope(qh, inv);
      kh = ref_rope(kh, inv);
      at::Tensor scores = torch::matmul(qh, kh.t()) / std::sqrt(static_cast<double>(s.Dh));  // [T, T]
      for (int64_t i = 0; i < T; ++i)
        for (int64_t j = i + 1; j < T; ++j) scores[i][j] = -INFINITY;
      heads.push_back(torch::matmul(torch::softmax(scores, -1), vh));  // [T, Dh]
    }
    x = x + ref_linear(torch::cat(heads, 1), get(w, p + "self_attn.o_proj.weight"), get(w, p + "self_attn.o_proj.bias"));
    at::Tensor h2 = ref_rms(x, get(w, p + "post_attention_layernorm.weight"), s.eps);
    at::Tensor gate = torch::matmul(h2, get(w, p + "mlp.gate_proj.weight").t());
    at::Tensor up = torch::matmul(h2, get(w, p + "mlp.up_proj.weight").t());
    x = x + torch::matmul(gate * torch::sigmoid(gate) * up, get(w, p + "mlp.down_proj.weight").t());
  }
  x = ref_rms(x, get(w, "model.norm.weight"), s.eps);
  return torch::matmul(x, (s.tied ? E : get(w, "lm_head.weight")).t());  // [T, V]
}

}  // namespace swepo::hftest
