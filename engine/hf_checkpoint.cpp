// Dimension glossary: V vocab, D d_model.
#include "engine/hf_checkpoint.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>

#include "core/hf/safetensors.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "engine/hf_config.h"
#include "engine/tokenizer.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;

at::ScalarType scalar_type_named(const std::string& name, const std::string& what) {
  if (name == "float32") return at::kFloat;
  if (name == "bfloat16") return at::kBFloat16;
  if (name == "float16") return at::kHalf;
  throw UserError(what + ": dtype '" + name + "' is not one of auto, float32, bfloat16, float16");
}

at::ScalarType scalar_type_of(StDtype d) {
  switch (d) {
    case StDtype::F32: return at::kFloat;
    case StDtype::BF16: return at::kBFloat16;
    case StDtype::F16: return at::kHalf;
  }
  return at::kFloat;
}

StDtype st_dtype_of(at::ScalarType t) {
  if (t == at::kBFloat16) return StDtype::BF16;
  if (t == at::kHalf) return StDtype::F16;
  return StDtype::F32;
}

std::string shape_text(at::IntArrayRef s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The tensor `t` of `file` as a CPU tensor viewing the mapping (or an aligned copy when the data
// is not aligned to its element size).
at::Tensor view_tensor(const SafetensorsFile& file, const StTensorInfo& t) {
  const uint8_t* p = file.data(t);
  auto opts = torch::TensorOptions().dtype(scalar_type_of(t.dtype));
  if (reinterpret_cast<uintptr_t>(p) % st_dtype_size(t.dtype) == 0)
    return torch::from_blob(const_cast<uint8_t*>(p), t.shape, opts);
  at::Tensor copy = torch::empty(t.shape, opts);
  std::memcpy(copy.data_ptr(), p, t.end - t.begin);
  return copy;
}

// Where a tensor lives: file index and its header entry.
struct Located {
  size_t file;
  const StTensorInfo* info;
};

}  // namespace

const std::vector<std::string>& hf_tokenizer_files() {
  static const std::vector<std::string> files = {
      "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model",
      "chat_template.jinja", "added_tokens.json", "vocab.json", "merges.txt"};
  return files;
}

Transformer load_hf_model(const std::string& dir, const std::string& dtype, c10::Device device) {
  HfModelInfo info = hf_read_config(dir);
  const std::string resolved = dtype == "auto" ? info.torch_dtype : dtype;
  const at::ScalarType scalar = scalar_type_named(resolved, "HF checkpoint '" + dir + "'");
  ModelConfig cfg = info.model;
  cfg.dtype = dtype;

  // The weight files: one model.safetensors, or the shards of the index.
  const std::string single = dir + "/model.safetensors";
  const std::string index_path = dir + "/model.safetensors.index.json";
  const bool sharded = !fs::exists(single);
  SafetensorsIndex index;
  std::vector<std::string> names;  // file names inside dir
  if (!sharded) {
    names.push_back("model.safetensors");
  } else {
    if (!fs::exists(index_path))
      throw UserError("HF checkpoint '" + dir + "': no model.safetensors or model.safetensors.index.json "
                      "(only safetensors weights are read; convert pytorch_model.bin first)");
    index = safetensors_index_read(index_path);
    std::map<std::string, std::string> first_tensor;  // shard -> a tensor it should hold
    for (const auto& [tensor, shard] : index.weight_map) first_tensor.emplace(shard, tensor);
    for (const auto& [shard, tensor] : first_tensor) {
      if (!fs::exists(dir + "/" + shard))
        throw UserError("shard index '" + index_path + "': shard '" + shard + "' (holding tensor '" + tensor +
                        "') is missing from " + dir);
      names.push_back(shard);
    }
    if (names.empty()) throw UserError("shard index '" + index_path + "': key 'weight_map' lists no tensors");
  }
  std::vector<std::unique_ptr<SafetensorsFile>> files;
  for (const auto& n : names) files.push_back(std::make_unique<SafetensorsFile>(dir + "/" + n));

  // The model, parameters uninitialised (every one is loaded below).
  ModelBuild build;
  build.dtype = scalar;
  build.device = device;
  build.random_init = false;
  Transformer model(cfg, build);
  auto params = model->named_parameters(true);

  // Match every tensor of every file to a parameter before reading any data.
  std::map<std::string, Located> found;
  std::vector<Located> tied_heads;
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string& path = files[f]->path();
    for (const auto& t : files[f]->tensors()) {
      const std::string at_ = "HF checkpoint file '" + path + "': tensor '" + t.name + "'";
      if (sharded) {
        auto it = index.weight_map.find(t.name);
        if (it == index.weight_map.end())
          throw UserError(at_ + " is not listed in the shard index '" + index_path + "'");
        if (it->second != names[f])
          throw UserError(at_ + ": the shard index '" + index_path + "' maps it to '" + it->second + "'");
      }
      if (found.count(t.name))
        throw UserError(at_ + " also appears in '" + files[found[t.name].file]->path() + "'");
      if (at::Tensor* p = params.find(t.name)) {
        if (p->sizes() != at::IntArrayRef(t.shape))
          throw UserError(at_ + " has shape " + shape_text(t.shape) + ", the model of config.json expects " +
                          shape_text(p->sizes()));
        found[t.name] = {f, &t};
      } else if (cfg.tie_embeddings && t.name == "lm_head.weight") {
        const std::vector<int64_t> want = {cfg.vocab_size, cfg.d_model};
        if (t.shape != want)
          throw UserError(at_ + " has shape " + shape_text(t.shape) + ", expected " + shape_text(want));
        tied_heads.push_back({f, &t});
      } else if (ends_with(t.name, ".self_attn.rotary_emb.inv_freq")) {
        continue;  // RoPE frequencies saved by old conversions: derived from config.json
      } else {
        throw UserError(at_ + " is not used by this " + hf_architecture_name(cfg.arch) +
                        " (config.json '" + dir + "/config.json' builds no such parameter)");
      }
    }
  }
  if (sharded) {
    for (const auto& [tensor, shard] : index.weight_map) {
      bool held = found.count(tensor) > 0 || ends_with(tensor, ".self_attn.rotary_emb.inv_freq");
      for (const auto& h : tied_heads) held = held || h.info->name == tensor;
      if (!held)
        throw UserError("shard index '" + index_path + "': maps tensor '" + tensor + "' to '" + shard +
                        "', which does not hold it");
    }
  }
  for (const auto& item : params) {
    if (!found.count(item.key()))
      throw UserError("HF checkpoint '" + dir + "': missing tensor '" + item.key() + "' " +
                      shape_text(item.value().sizes()) + " (not in " +
                      (sharded ? "the shards of " + index_path : single) + ")");
  }

  // Read each file once, straight into the parameters, then unmap it (files holding a tied
  // lm_head copy stay mapped until it is compared with the loaded embedding).
  torch::NoGradGuard no_grad;
  for (size_t f = 0; f < files.size(); ++f) {
    for (const auto& [name, loc] : found)
      if (loc.file == f) params[name].copy_(view_tensor(*files[f], *loc.info));
    const bool keep = std::any_of(tied_heads.begin(), tied_heads.end(), [&](const Located& h) { return h.file == f; });
    if (!keep) files[f].reset();
  }
  for (const auto& h : tied_heads) {
    at::Tensor head = view_tensor(*files[h.file], *h.info).to(scalar);  // [V, D]
    if (!torch::equal(head, params["model.embed_tokens.weight"].to(torch::kCPU)))
      throw UserError("HF checkpoint file '" + files[h.file]->path() +
                      "': tensor 'lm_head.weight' differs from 'model.embed_tokens.weight', but "
                      "config.json sets tie_word_embeddings (set it to false to load both)");
  }
  return model;
}

void export_hf_model(const Transformer& model, const std::string& out_dir, const HfExportOptions& opts) {
  const ModelConfig& cfg = model->config();
  if (out_dir.empty()) throw UserError("HF export: empty output directory");
  if (opts.shard_bytes == 0) throw UserError("HF export: shard size must be > 0 bytes");
  const std::string src = opts.source_dir.empty() ? cfg.path : opts.source_dir;
  const bool have_src = !src.empty() && fs::exists(src + "/config.json");
  std::string base_json;
  HfModelInfo src_info;
  if (have_src) {
    base_json = read_file(src + "/config.json");
    src_info = hf_parse_config(base_json, src + "/config.json");
  }
  const std::string dtype = opts.dtype == "auto" ? (have_src ? src_info.torch_dtype : "float32") : opts.dtype;
  const at::ScalarType scalar = scalar_type_named(dtype, "HF export to '" + out_dir + "'");
  int64_t bos = opts.bos_token_id, eos = opts.eos_token_id;
  if (cfg.tokenizer == "byte") {
    if (bos < 0) bos = ByteTokenizer::kBos;
    if (eos < 0) eos = ByteTokenizer::kEos;
  }

  // Tensors in state-dict order, sharded greedily.
  auto params = model->named_parameters(true);
  std::vector<std::string> keys;
  std::vector<uint64_t> sizes;
  for (const auto& item : params) {
    keys.push_back(item.key());
    sizes.push_back(static_cast<uint64_t>(item.value().numel()) * st_dtype_size(st_dtype_of(scalar)));
  }
  const auto plan = safetensors_plan_shards(sizes, opts.shard_bytes);

  const fs::path out = fs::path(out_dir).lexically_normal();
  const fs::path parent = out.has_parent_path() ? out.parent_path() : fs::path(".");
  const std::string leaf = out.filename().string();
  const fs::path tmp = parent / ("." + leaf + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  make_dirs(tmp.string());
  try {
    SafetensorsIndex index;
    for (size_t s = 0; s < plan.size(); ++s) {
      const std::string fname = plan.size() == 1 ? "model.safetensors" : safetensors_shard_name(s + 1, plan.size());
      std::vector<StWriteEntry> entries;
      for (size_t i : plan[s]) {
        const at::Tensor p = params[keys[i]];
        entries.push_back({keys[i], st_dtype_of(scalar), p.sizes().vec(), [p, scalar](std::ostream& o) {
                             at::Tensor c = p.detach().to(torch::kCPU, scalar).contiguous();
                             o.write(static_cast<const char*>(c.data_ptr()),
                                     static_cast<std::streamsize>(c.numel() * c.element_size()));
                           }});
        index.weight_map[keys[i]] = fname;
        index.total_size += sizes[i];
      }
      safetensors_write((tmp / fname).string(), entries, {{"format", "pt"}});
    }
    if (plan.size() > 1) write_file_atomic((tmp / "model.safetensors.index.json").string(), safetensors_index_json(index));
    write_file_atomic((tmp / "config.json").string(), hf_config_json(cfg, dtype, base_json, bos, eos));
    if (have_src && fs::exists(src + "/generation_config.json")) {
      fs::copy_file(src + "/generation_config.json", tmp / "generation_config.json");
    } else {
      nlohmann::json g = {{"_from_model_config", true}};
      if (have_src && src_info.bos_token_id >= 0) g["bos_token_id"] = src_info.bos_token_id;
      else if (bos >= 0) g["bos_token_id"] = bos;
      if (have_src && !src_info.eos_token_ids.empty())
        g["eos_token_id"] = src_info.eos_token_ids.size() == 1 ? nlohmann::json(src_info.eos_token_ids[0])
                                                               : nlohmann::json(src_info.eos_token_ids);
      else if (eos >= 0) g["eos_token_id"] = eos;
      write_file_atomic((tmp / "generation_config.json").string(), g.dump(2) + "\n");
    }
    if (!src.empty())
      for (const auto& f : hf_tokenizer_files())
        if (fs::exists(src + "/" + f)) fs::copy_file(src + "/" + f, tmp / f);
    // Swap into place: the old directory (if any) is moved aside first, removed last.
    if (fs::exists(out)) {
      const fs::path old = parent / ("." + leaf + ".old-" + std::to_string(::getpid()));
      fs::remove_all(old, ec);
      fs::rename(out, old);
      fs::rename(tmp, out);
      fs::remove_all(old, ec);
    } else {
      fs::rename(tmp, out);
    }
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(tmp, ec);
    throw UserError("HF export to '" + out_dir + "': " + e.what());
  } catch (...) {
    fs::remove_all(tmp, ec);
    throw;
  }
}

}  // namespace swepo
