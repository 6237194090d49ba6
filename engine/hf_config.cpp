#include "engine/hf_config.h"

#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo {
namespace {

using json = nlohmann::json;

// The supported architectures: HF class, model_type (= ModelConfig::arch), max_position default.
struct ArchRow {
  const char* cls;
  const char* type;
  int64_t default_max_position;
};
const ArchRow kArchs[] = {
    {"LlamaForCausalLM",   "llama",   2048},
    {"MistralForCausalLM", "mistral", 131072},
    {"Qwen2ForCausalLM",   "qwen2",   32768},
    {"Qwen3ForCausalLM",   "qwen3",   32768},
};

std::string supported_list() {
  std::string s;
  for (const auto& a : kArchs) s += (s.empty() ? "" : ", ") + std::string(a.cls);
  return s;
}

// Reads typed keys of one config.json object, every error naming the file and the key.
struct Reader {
  const json& j;
  std::string label;

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw UserError("config.json '" + label + "': key '" + key + "' " + what);
  }
  bool has(const char* key) const { return j.contains(key) && !j[key].is_null(); }
  int64_t integer(const char* key, int64_t dflt, bool required, int64_t min = 1) const {
    if (!has(key)) {
      if (required) fail(key, "is missing");
      return dflt;
    }
    const json& v = j[key];
    if (!v.is_number_integer()) fail(key, "must be an integer, got " + v.dump());
    const int64_t x = v.get<int64_t>();
    if (x < min) fail(key, "must be >= " + std::to_string(min) + ", got " + std::to_string(x));
    return x;
  }
  double number(const json& obj, const std::string& key, const std::string& shown, double dflt,
                bool required) const {
    if (!obj.contains(key) || obj[key].is_null()) {
      if (required) fail(shown, "is missing");
      return dflt;
    }
    if (!obj[key].is_number()) fail(shown, "must be a number, got " + obj[key].dump());
    return obj[key].get<double>();
  }
  bool boolean(const char* key, bool dflt) const {
    if (!has(key)) return dflt;
    if (!j[key].is_boolean()) fail(key, "must be true or false, got " + j[key].dump());
    return j[key].get<bool>();
  }
  std::string string(const char* key, const std::string& dflt) const {
    if (!has(key)) return dflt;
    if (!j[key].is_string()) fail(key, "must be a string, got " + j[key].dump());
    return j[key].get<std::string>();
  }
};

std::vector<int64_t> token_ids(const Reader& r, const char* key) {
  std::vector<int64_t> ids;
  if (!r.has(key)) return ids;
  const json& v = r.j[key];
  if (v.is_number_integer()) {
    ids.push_back(v.get<int64_t>());
  } else if (v.is_array()) {
    for (const auto& e : v) {
      if (!e.is_number_integer()) r.fail(key, "must be an integer or a list of integers");
      ids.push_back(e.get<int64_t>());
    }
  } else {
    r.fail(key, "must be an integer or a list of integers");
  }
  return ids;
}

// rope_scaling (legacy) or rope_parameters (newer transformers) -> ModelConfig's rope fields.
void read_rope(const Reader& r, ModelConfig& m) {
  const char* key = r.has("rope_scaling") ? "rope_scaling" : (r.has("rope_parameters") ? "rope_parameters" : nullptr);
  if (!key) return;
  const json& rs = r.j[key];
  const std::string k = key;
  if (!rs.is_object()) r.fail(k, "must be an object or null, got " + rs.dump());
  if (k == "rope_parameters" && rs.contains("rope_theta"))
    m.rope_theta = r.number(rs, "rope_theta", k + ".rope_theta", m.rope_theta, false);
  std::string type = "default";
  std::string type_key = k + ".rope_type";
  if (rs.contains("rope_type") && !rs["rope_type"].is_null()) {
    if (!rs["rope_type"].is_string()) r.fail(type_key, "must be a string");
    type = rs["rope_type"].get<std::string>();
  } else if (rs.contains("type") && !rs["type"].is_null()) {
    type_key = k + ".type";
    if (!rs["type"].is_string()) r.fail(type_key, "must be a string");
    type = rs["type"].get<std::string>();
  }
  if (type == "default") return;
  if (type == "linear") {
    m.rope_scaling_type = "linear";
    m.rope_scaling_factor = r.number(rs, "factor", k + ".factor", 1.0, true);
  } else if (type == "llama3") {
    m.rope_scaling_type = "llama3";
    m.rope_scaling_factor = r.number(rs, "factor", k + ".factor", 1.0, true);
    m.rope_low_freq_factor = r.number(rs, "low_freq_factor", k + ".low_freq_factor", 1.0, true);
    m.rope_high_freq_factor = r.number(rs, "high_freq_factor", k + ".high_freq_factor", 4.0, true);
    const double omax = r.number(rs, "original_max_position_embeddings",
                                 k + ".original_max_position_embeddings", 8192, true);
    m.rope_original_max_position = static_cast<int64_t>(omax);
  } else {
    r.fail(type_key, "'" + type + "' is not supported (supported: default, linear, llama3)");
  }
  if (m.rope_scaling_factor <= 0) r.fail(k + ".factor", "must be > 0");
}

}  // namespace

std::string hf_architecture_name(const std::string& arch) {
  for (const auto& a : kArchs)
    if (arch == a.type) return a.cls;
  throw UserError("model.arch '" + arch + "' has no Hugging Face architecture (supported: " +
                  supported_list() + ")");
}

HfModelInfo hf_parse_config(const std::string& text, const std::string& label) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {
    throw UserError("config.json '" + label + "': not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw UserError("config.json '" + label + "': not a JSON object");
  Reader r{j, label};
  HfModelInfo info;
  ModelConfig& m = info.model;
  m.name = "hf";
  m.tokenizer = "hf";

  // Architecture: architectures[0], else model_type.
  const ArchRow* arch = nullptr;
  if (r.has("architectures")) {
    const json& a = j["architectures"];
    if (!a.is_array() || a.empty() || !a[0].is_string())
      r.fail("architectures", "must be a non-empty list of class names");
    const std::string cls = a[0].get<std::string>();
    for (const auto& row : kArchs)
      if (cls == row.cls) arch = &row;
    if (!arch) r.fail("architectures", "names '" + cls + "', not supported (supported: " + supported_list() + ")");
  } else {
    const std::string type = r.string("model_type", "");
    if (type.empty()) r.fail("architectures", "is missing (and so is model_type)");
    for (const auto& row : kArchs)
      if (type == row.type) arch = &row;
    if (!arch) r.fail("model_type", "'" + type + "' is not supported (supported: llama, mistral, qwen2, qwen3)");
  }
  m.arch = arch->type;

  m.vocab_size = r.integer("vocab_size", 0, true);
  m.d_model = r.integer("hidden_size", 0, true);
  m.d_ff = r.integer("intermediate_size", 0, true);
  m.n_layer = r.integer("num_hidden_layers", 0, true);
  m.n_head = r.integer("num_attention_heads", 0, true);
  m.n_kv_head = r.integer("num_key_value_heads", m.n_head, false);
  if (m.n_head % m.n_kv_head != 0)
    r.fail("num_key_value_heads", std::to_string(m.n_kv_head) + " must divide num_attention_heads " +
                                      std::to_string(m.n_head));
  m.head_dim = r.integer("head_dim", 0, false);
  if (m.head_dim == 0) {
    if (m.d_model % m.n_head != 0)
      r.fail("hidden_size", "must be a multiple of num_attention_heads when head_dim is not given");
    m.head_dim = m.d_model / m.n_head;
  }
  if (m.head_dim % 2 != 0) r.fail("head_dim", "must be even for RoPE, got " + std::to_string(m.head_dim));
  m.max_seq_len = r.integer("max_position_embeddings", arch->default_max_position, false, 4);
  m.rope_theta = r.number(j, "rope_theta", "rope_theta", 10000.0, false);
  read_rope(r, m);
  if (m.rope_theta <= 0) r.fail("rope_theta", "must be > 0");
  m.norm_eps = r.number(j, "rms_norm_eps", "rms_norm_eps", 1e-6, false);
  if (m.norm_eps <= 0) r.fail("rms_norm_eps", "must be > 0");
  m.tie_embeddings = r.boolean("tie_word_embeddings", false);
  m.init_std = r.number(j, "initializer_range", "initializer_range", 0.02, false);
  if (m.init_std <= 0) m.init_std = 0.02;

  const std::string type = m.arch;
  if (type == "qwen2") {
    m.attention_bias = true;  // Qwen2Attention: q/k/v always biased, o_proj never
  } else if (type == "mistral") {
    m.attention_bias = false;
  } else {
    m.attention_bias = r.boolean("attention_bias", false);
  }
  m.qk_norm = type == "qwen3";
  if (type == "mistral") {
    m.sliding_window = r.integer("sliding_window", 0, false, 1);
  } else if (type == "qwen2" || type == "qwen3") {
    if (r.boolean("use_sliding_window", false)) m.sliding_window = r.integer("sliding_window", 0, false, 1);
  }

  const std::string act = r.string("hidden_act", "silu");
  if (act != "silu") r.fail("hidden_act", "'" + act + "' is not supported (only silu)");
  if (r.boolean("mlp_bias", false)) r.fail("mlp_bias", "true is not supported (MLP without biases only)");
  if (r.has("partial_rotary_factor") && r.number(j, "partial_rotary_factor", "partial_rotary_factor", 1.0, false) != 1.0)
    r.fail("partial_rotary_factor", "must be 1 (partial RoPE is not supported)");

  const char* dtype_key = r.has("torch_dtype") ? "torch_dtype" : "dtype";
  info.torch_dtype = r.string(dtype_key, "float32");
  if (info.torch_dtype != "float32" && info.torch_dtype != "bfloat16" && info.torch_dtype != "float16")
    r.fail(dtype_key, "'" + info.torch_dtype + "' is not supported (float32, bfloat16, float16)");
  const auto bos = token_ids(r, "bos_token_id");
  info.bos_token_id = bos.empty() ? -1 : bos[0];
  info.eos_token_ids = token_ids(r, "eos_token_id");

  try {
    model_config_validate(m);
  } catch (const UserError& e) {
    throw UserError("config.json '" + label + "': " + e.what());
  }
  return info;
}

HfModelInfo hf_read_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  HfModelInfo info = hf_parse_config(read_file(path), path);
  info.model.path = dir;
  return info;
}

ModelConfig hf_model_config(const std::string& dir) { return hf_read_config(dir).model; }

ModelConfig hf_resolve_model_config(const ModelConfig& user) {
  if (user.path.empty()) return user;
  ModelConfig m = hf_model_config(user.path);
  m.name = user.name;
  m.tokenizer = user.tokenizer;
  m.path = user.path;
  m.dtype = user.dtype;
  m.chat_template = user.chat_template;
  m.init_std = user.init_std;
  return m;
}

std::string hf_config_json(const ModelConfig& c, const std::string& torch_dtype,
                           const std::string& base_json, int64_t bos_token_id, int64_t eos_token_id) {
  json j = json::object();
  if (!base_json.empty()) {
    try {
      j = json::parse(base_json);
    } catch (const json::exception& e) {
      throw UserError(std::string("source config.json: not valid JSON: ") + e.what());
    }
    if (!j.is_object()) j = json::object();
  }
  j.erase("rope_parameters");  // written below in the legacy form (rope_theta, rope_scaling)
  j["architectures"] = {hf_architecture_name(c.arch)};
  j["model_type"] = c.arch;
  j["vocab_size"] = c.vocab_size;
  j["hidden_size"] = c.d_model;
  j["intermediate_size"] = c.d_ff;
  j["num_hidden_layers"] = c.n_layer;
  j["num_attention_heads"] = c.n_head;
  j["num_key_value_heads"] = model_kv_heads(c);
  j["head_dim"] = model_head_dim(c);
  j["hidden_act"] = "silu";
  j["max_position_embeddings"] = c.max_seq_len;
  j["rms_norm_eps"] = c.norm_eps;
  j["rope_theta"] = c.rope_theta;
  if (c.rope_scaling_type == "linear") {
    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", c.rope_scaling_factor}};
  } else if (c.rope_scaling_type == "llama3") {
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", c.rope_scaling_factor},
                         {"low_freq_factor", c.rope_low_freq_factor},
                         {"high_freq_factor", c.rope_high_freq_factor},
                         {"original_max_position_embeddings", c.rope_original_max_position}};
  } else {
    j["rope_scaling"] = nullptr;
  }
  j["tie_word_embeddings"] = c.tie_embeddings;
  j["torch_dtype"] = torch_dtype;
  if (j.contains("dtype")) j["dtype"] = torch_dtype;
  if (!j.contains("initializer_range")) j["initializer_range"] = c.init_std;
  if (!j.contains("attention_dropout")) j["attention_dropout"] = 0.0;
  if (!j.contains("use_cache")) j["use_cache"] = true;
  if (c.arch == "llama" || c.arch == "qwen3") j["attention_bias"] = c.attention_bias;
  if (c.arch == "llama") j["mlp_bias"] = false;
  const json window = c.sliding_window > 0 ? json(c.sliding_window) : json(nullptr);
  if (c.arch == "mistral") j["sliding_window"] = window;
  if (c.arch == "qwen2" || c.arch == "qwen3") {
    j["use_sliding_window"] = c.sliding_window > 0;
    j["sliding_window"] = window;
    if (!j.contains("max_window_layers")) j["max_window_layers"] = c.n_layer;
  }
  if (bos_token_id >= 0 && (!j.contains("bos_token_id") || j["bos_token_id"].is_null()))
    j["bos_token_id"] = bos_token_id;
  if (eos_token_id >= 0 && (!j.contains("eos_token_id") || j["eos_token_id"].is_null()))
    j["eos_token_id"] = eos_token_id;
  return j.dump(2) + "\n";
}

}  // namespace swepo
