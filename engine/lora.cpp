// Dimension glossary: r adapter rank, in / out a projection's input / output width, L layers.
#include "engine/lora.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/hf/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/strings.h"
#include "engine/rng.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kPeftPrefix = "base_model.model.";  // PEFT's adapter-file name prefix

// model.layers.{l}.<path>.lora_{A|B}.weight
std::string adapter_name(int64_t layer, const std::string& proj, char which) {
  return "model.layers." + std::to_string(layer) + "." + projection_path(proj) + ".lora_" + which + ".weight";
}

// Every attached adapter as (layer, projection, adapter), in layer then projection order.
struct Attached {
  int64_t layer;
  std::string proj;
  const ProjectionAdapter* a;
};
std::vector<Attached> attached(const Transformer& model) {
  std::vector<Attached> out;
  for (int64_t l = 0; l < model->config().n_layer; ++l)
    for (const auto& p : projection_names())
      if (const ProjectionAdapter* a = find_adapter(model, l, p)) out.push_back({l, p, a});
  return out;
}

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

// alpha = scale · r, snapped to the nearest integer when within rounding of it (alpha is usually one).
double alpha_of(const ProjectionAdapter& a) {
  const double alpha = a.scale * static_cast<double>(a.A.size(0));
  const double near = std::round(alpha);
  return std::abs(alpha - near) <= 1e-9 * std::max(1.0, std::abs(alpha)) ? near : alpha;
}

// Walks the nested archives of Module::save ("model" -> "layers" -> "0" -> ...) to a tensor.
bool archive_has(torch::serialize::InputArchive& ar, const std::vector<std::string>& path, size_t i) {
  if (i + 1 == path.size()) {
    at::Tensor t;
    return ar.try_read(path[i], t);
  }
  torch::serialize::InputArchive sub;
  if (!ar.try_read(path[i], sub)) return false;
  return archive_has(sub, path, i + 1);
}

std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == '.') {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace

std::vector<std::string> lora_targets(const LoraConfig& cfg) {
  std::vector<std::string> out;
  for (const auto& p : projection_names()) {
    bool on = false;
    for (const auto& m : cfg.target_modules) on = on || m == p || m == "all-linear";
    if (on) out.push_back(p);
  }
  return out;
}

void lora_validate(const LoraConfig& cfg, const std::string& path) {
  LoraConfig c = cfg;
  Fields f(YAML::Node(), path);
  c.visit(f);
}

void add_lora(Transformer& model, const LoraConfig& cfg, uint64_t seed) {
  lora_validate(cfg);
  if (has_lora(model)) throw UserError("LoRA: the model has adapters already");
  for (auto& p : model->parameters(true)) p.set_requires_grad(false);
  at::Generator gen = make_cpu_generator(derive_seed(seed, "lora"));
  const std::vector<std::string> targets = lora_targets(cfg);
  for (int64_t l = 0; l < model->config().n_layer; ++l) {
    for (const auto& proj : targets) {
      const at::Tensor w = projection_weight(model, l, proj).first;  // [out, in]
      const int64_t out = w.size(0), in = w.size(1);
      const auto dt = w.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
      const double bound = 1.0 / std::sqrt(static_cast<double>(in));  // kaiming_uniform(a = √5), fan_in = in
      ProjectionAdapter a;
      a.A = torch::empty({cfg.r, in}, torch::TensorOptions().dtype(dt)).uniform_(-bound, bound, gen).to(w.device());
      a.B = torch::zeros({out, cfg.r}, torch::TensorOptions().dtype(dt).device(w.device()));  // [out, r]
      a.scale = cfg.alpha / static_cast<double>(cfg.r);
      a.dropout = cfg.dropout;
      attach_adapter(model, l, proj, a);
    }
  }
}

bool has_lora(const Transformer& model) {
  for (int64_t l = 0; l < model->config().n_layer; ++l)
    for (const auto& p : projection_names())
      if (find_adapter(model, l, p)) return true;
  return false;
}

LoraConfig lora_config_of(const Transformer& model) {
  const std::vector<Attached> all = attached(model);
  if (all.empty()) throw UserError("LoRA: the model has no adapters");
  LoraConfig c;
  const ProjectionAdapter& first = *all[0].a;
  c.r = first.A.size(0);
  c.alpha = alpha_of(first);
  c.dropout = first.dropout;
  c.target_modules.clear();
  for (const auto& x : all)
    if (x.layer == 0) c.target_modules.push_back(x.proj);
  for (const auto& x : all) {
    const bool same = x.a->A.size(0) == c.r && x.a->scale == first.scale && x.a->dropout == c.dropout;
    if (!same)
      throw UserError("LoRA: the adapter of " + adapter_name(x.layer, x.proj, 'A') +
                      " has other settings than layer 0's (one r, alpha and dropout per model)");
  }
  if (static_cast<int64_t>(all.size()) != model->config().n_layer * static_cast<int64_t>(c.target_modules.size()))
    throw UserError("LoRA: the layers have adapters on different projections (one target list per model)");
  return c;
}

int64_t lora_numel(const Transformer& model) {
  int64_t n = 0;
  for (const auto& x : attached(model)) n += x.a->A.numel() + x.a->B.numel();
  return n;
}

LoraOff::LoraOff(Transformer& model) : model_(model), prev_(adapters_enabled(model)) {
  set_adapters_enabled(model_, false);
}

LoraOff::~LoraOff() { set_adapters_enabled(model_, prev_); }

int64_t store_frozen_bf16(Transformer& model) {
  torch::NoGradGuard no_grad;
  bool any_frozen = false;
  int64_t n = 0;
  for (auto& item : model->named_parameters(true)) {
    at::Tensor& p = item.value();
    if (p.requires_grad()) continue;
    any_frozen = true;
    if (item.key().rfind("model.layers.", 0) != 0 || p.scalar_type() == at::kBFloat16) continue;
    p.set_data(p.to(at::kBFloat16));  // the layer's member tensor is this parameter: it sees the change
    n += p.numel();
  }
  if (!any_frozen)
    throw UserError("precision bf16 stores the frozen weights in bf16, but nothing is frozen (peft: none); "
                    "use bf16_autocast");
  return n;
}

Transformer lora_merged(const Transformer& model) {
  const std::vector<Attached> all = attached(model);
  if (all.empty()) throw UserError("LoRA merge: the model has no adapters");
  torch::NoGradGuard no_grad;
  auto src = model->named_parameters(true);
  // Every parameter is replaced below by `model`'s (on its device), so nothing is drawn and the
  // uninitialised CPU placeholders are never touched: no second copy of the weights on a GPU.
  ModelBuild build;
  build.random_init = false;
  build.device = c10::kCPU;
  build.dtype = src[src.keys()[0]].scalar_type();
  Transformer out(model->config(), build);
  for (auto& item : out->named_parameters(true)) {
    item.value().set_requires_grad(false);
    item.value().set_data(src[item.key()]);  // shares the base's storage
  }
  for (const auto& x : all) {
    at::Tensor w = projection_weight(out, x.layer, x.proj).first;                 // [out, in]
    at::Tensor delta = torch::matmul(x.a->B.detach(), x.a->A.detach()) * x.a->scale;  // [out, in]
    w.set_data(w.to(delta.scalar_type()) + delta);  // new storage: `model`'s weight is untouched
  }
  out->eval();
  return out;
}

void save_peft_adapter(const Transformer& model, const std::string& dir, const std::string& base_model) {
  const LoraConfig c = lora_config_of(model);
  std::vector<StWriteEntry> entries;
  for (const auto& x : attached(model)) {
    for (char which : {'A', 'B'}) {
      at::Tensor t = (which == 'A' ? x.a->A : x.a->B).detach().to(torch::kCPU, torch::kFloat).contiguous();
      entries.push_back({kPeftPrefix + adapter_name(x.layer, x.proj, which), StDtype::F32, t.sizes().vec(),
                         [t](std::ostream& o) {
                           o.write(static_cast<const char*>(t.data_ptr()),
                                   static_cast<std::streamsize>(t.numel() * t.element_size()));
                         }});
    }
  }
  make_dirs(dir);
  safetensors_write((fs::path(dir) / "adapter_model.safetensors").string(), entries, {{"format", "pt"}});
  const bool integral = c.alpha == std::round(c.alpha) && std::abs(c.alpha) < 1e15;
  json j = {{"alpha_pattern", json::object()},
            {"auto_mapping", nullptr},
            {"base_model_name_or_path", base_model.empty() ? json(nullptr) : json(base_model)},
            {"bias", "none"},
            {"fan_in_fan_out", false},
            {"inference_mode", true},
            {"init_lora_weights", true},
            {"layers_pattern", nullptr},
            {"layers_to_transform", nullptr},
            {"lora_alpha", integral ? json(static_cast<int64_t>(c.alpha)) : json(c.alpha)},
            {"lora_dropout", c.dropout},
            {"modules_to_save", nullptr},
            {"peft_type", "LORA"},
            {"r", c.r},
            {"rank_pattern", json::object()},
            {"revision", nullptr},
            {"target_modules", c.target_modules},
            {"task_type", "CAUSAL_LM"},
            {"use_dora", false},
            {"use_rslora", false}};
  write_file_atomic((fs::path(dir) / "adapter_config.json").string(), j.dump(2) + "\n");
}

void load_peft_adapter(Transformer& model, const std::string& dir) {
  const std::string cfg_path = (fs::path(dir) / "adapter_config.json").string();
  const std::string st_path = (fs::path(dir) / "adapter_model.safetensors").string();
  if (!fs::exists(cfg_path)) throw UserError("PEFT adapter '" + dir + "': no adapter_config.json");
  if (!fs::exists(st_path))
    throw UserError("PEFT adapter '" + dir + "': no adapter_model.safetensors" +
                    (fs::exists(fs::path(dir) / "adapter_model.bin")
                         ? std::string(" (adapter_model.bin is not read: save with safe_serialization=True)")
                         : std::string()));
  json j;
  try {
    j = json::parse(read_file(cfg_path));
  } catch (const json::exception& e) {
    throw UserError(cfg_path + ": not valid JSON (" + e.what() + ")");
  }
  if (!j.is_object()) throw UserError(cfg_path + ": expected a JSON object");
  auto bad = [&](const std::string& key, const std::string& what) {
    return UserError(cfg_path + ": key '" + key + "' " + what);
  };
  if (j.value("peft_type", std::string()) != "LORA") throw bad("peft_type", "must be \"LORA\" (only LoRA adapters are read)");
  LoraConfig c;
  if (!j.contains("r") || !j["r"].is_number_integer() || j["r"].get<int64_t>() < 1)
    throw bad("r", "must be an integer >= 1");
  c.r = j["r"].get<int64_t>();
  if (!j.contains("lora_alpha") || !j["lora_alpha"].is_number() || j["lora_alpha"].get<double>() <= 0)
    throw bad("lora_alpha", "must be a number > 0");
  c.alpha = j["lora_alpha"].get<double>();
  if (j.contains("lora_dropout") && !j["lora_dropout"].is_null()) {
    if (!j["lora_dropout"].is_number()) throw bad("lora_dropout", "must be a number");
    c.dropout = j["lora_dropout"].get<double>();
  }
  for (const char* flag : {"use_dora", "use_rslora", "fan_in_fan_out"})
    if (j.contains(flag) && j[flag].is_boolean() && j[flag].get<bool>())
      throw bad(flag, "is true: not supported by swepo (plain LoRA only)");
  if (j.contains("bias") && j["bias"] != "none") throw bad("bias", "must be \"none\" (trained biases are not supported)");
  for (const char* key : {"layers_to_transform", "modules_to_save"})
    if (j.contains(key) && !j[key].is_null() && !(j[key].is_array() && j[key].empty()))
      throw bad(key, "is set: not supported by swepo (adapters on every layer, nothing else saved)");
  for (const char* key : {"rank_pattern", "alpha_pattern"})
    if (j.contains(key) && !j[key].is_null() && !j[key].empty())
      throw bad(key, "is set: not supported by swepo (one r and lora_alpha for every projection)");
  if (!j.contains("target_modules")) throw bad("target_modules", "is missing");
  const json& tm = j["target_modules"];
  if (tm.is_string()) {
    if (tm.get<std::string>() != "all-linear")
      throw bad("target_modules", "is a regular expression ('" + tm.get<std::string>() +
                                      "'): list the module names (q_proj, ..., down_proj) instead");
    c.target_modules = {"all-linear"};
  } else if (tm.is_array() && !tm.empty()) {
    c.target_modules.clear();
    for (const auto& m : tm) {
      if (!m.is_string()) throw bad("target_modules", "must be a list of strings");
      c.target_modules.push_back(m.get<std::string>());
    }
  } else {
    throw bad("target_modules", "must be a non-empty list of module names or \"all-linear\"");
  }
  try {
    lora_validate(c, "lora");
  } catch (const UserError& e) {
    throw UserError(cfg_path + ": " + e.what());
  }
  add_lora(model, c, 0);  // the drawn A is replaced below

  SafetensorsFile file(st_path);
  auto params = model->named_parameters(true);
  std::map<std::string, bool> loaded;
  for (const auto& item : params)
    if (is_adapter_parameter(item.key())) loaded[item.key()] = false;
  torch::NoGradGuard no_grad;
  for (const auto& t : file.tensors()) {
    const std::string at_ = "PEFT adapter file '" + st_path + "': tensor '" + t.name + "'";
    const std::string prefix = kPeftPrefix;
    const std::string name = t.name.rfind(prefix, 0) == 0 ? t.name.substr(prefix.size()) : std::string();
    if (name.empty() || !loaded.count(name))
      throw UserError(at_ + " is not an adapter of this model (expected names " + prefix +
                      "model.layers.{i}.<self_attn|mlp>.<projection>.lora_{A,B}.weight for the target modules of " +
                      cfg_path + ")");
    at::Tensor& p = params[name];
    if (p.sizes() != at::IntArrayRef(t.shape))
      throw UserError(at_ + " has shape " + shape_text(t.shape) + ", the model expects " + shape_text(p.sizes()) +
                      " (r = " + std::to_string(c.r) + ")");
    const auto dt = t.dtype == StDtype::BF16 ? at::kBFloat16 : t.dtype == StDtype::F16 ? at::kHalf : at::kFloat;
    at::Tensor src = torch::empty(t.shape, torch::TensorOptions().dtype(dt));  // aligned copy of the bytes
    std::memcpy(src.data_ptr(), file.data(t), t.end - t.begin);
    p.copy_(src);
    loaded[name] = true;
  }
  for (const auto& [name, ok] : loaded)
    if (!ok)
      throw UserError("PEFT adapter file '" + st_path + "': missing tensor '" + kPeftPrefix + name + "' (" + cfg_path +
                      " targets " + join(lora_targets(c), ", ") + ")");
}

bool checkpoint_has_lora(const std::string& path) {
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(path, torch::Device(torch::kCPU));
  } catch (const c10::Error& e) {
    throw UserError("checkpoint '" + path + "' is corrupt or not a swepo checkpoint: " + e.what_without_backtrace());
  }
  for (const auto& proj : projection_names()) {
    std::vector<std::string> keys = {"model", "model", "layers", "0"};
    for (const auto& part : split_dots(projection_path(proj))) keys.push_back(part);
    keys.push_back("lora_A");
    keys.push_back("weight");
    if (archive_has(ar, keys, 0)) return true;
  }
  return false;
}

}  // namespace swepo
