// swepo export: a trained checkpoint as a Hugging Face model directory (engine/hf_checkpoint.h):
// config.json, model.safetensors or shards + model.safetensors.index.json, generation_config.json
// and the base model's tokenizer files, with HF's tensor names, loadable by transformers and vLLM.
//
//   swepo export --checkpoint PATH --out DIR [--base DIR] [--config FILE] [--shard-size 5GB]
//                [--dtype auto|float32|bfloat16|float16]
// PATH is a swepo training checkpoint (engine/checkpoint.h: <output_dir>/checkpoint/last.pt, an SFT
// model.pt, any phase; weights only are read) or a Hugging Face directory (re-sharded / converted).
// A swepo checkpoint holds weights by parameter name; the model it belongs to comes from
//   --base DIR     the HF model the run started from (its config.json; tokenizer files copied), or
//   --config FILE  a run's config.yaml, or else the config.yaml found next to PATH (PATH's directory
//                  or the one above: <output_dir>/config.yaml): its `model:` section (keys of
//                  engine/model_config.h); when model.path is set, that directory is the base.
// The model is built in --dtype (auto: the base's torch_dtype, or model.dtype of the config when set,
// float32 for a native preset), the weights are loaded into it (shapes checked), and it is exported
// in --dtype (auto: the base's torch_dtype; float32 for a native preset).
// --merge (LoRA, engine/lora.h): PATH is a LoRA run's checkpoint (its adapters' settings come from
// the run's config.yaml, --config or found as above, `lora:` section) or a PEFT adapter directory
// (adapter_config.json + adapter_model.safetensors; needs --base DIR, the model it adapts); the
// adapters are merged into the base in float32 (W + alpha/r · B A) and the plain model exported.
// A checkpoint with adapters or an adapter directory without --merge is an error (exit 2).
// Errors (a missing or corrupt checkpoint, shapes that do not match, no config found) exit 2
// naming the file.
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iostream>

#include <yaml-cpp/yaml.h>

#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/config/fields.h"
#include "core/util/error.h"
#include "engine/checkpoint.h"
#include "engine/hf_checkpoint.h"
#include "engine/hf_config.h"
#include "engine/lora.h"
#include "engine/model.h"
#include "engine/model_config.h"
#include "engine/tokenizer.h"

namespace swepo::cli {

namespace {

namespace fs = std::filesystem;

// "5GB" (10^9, as HF's max_shard_size), "500MB", "2GiB", "1000" (bytes) -> bytes.
uint64_t parse_shard_size(const std::string& text) {
  std::string s;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  const std::string num = s.substr(0, i), unit = s.substr(i);
  static const std::vector<std::pair<std::string, double>> units = {
      {"", 1},        {"b", 1},         {"kb", 1e3},        {"mb", 1e6},           {"gb", 1e9},
      {"tb", 1e12},   {"kib", 1024.0},  {"mib", 1048576.0}, {"gib", 1073741824.0}, {"k", 1e3},
      {"m", 1e6},     {"g", 1e9}};
  double mult = 0;
  for (const auto& [u, m] : units)
    if (u == unit) mult = m;
  double value = 0;
  try {
    size_t used = 0;
    value = num.empty() ? 0 : std::stod(num, &used);
    if (used != num.size()) mult = 0;
  } catch (const std::exception&) {
    mult = 0;
  }
  const double bytes = value * mult;
  if (mult == 0 || bytes < 1 || bytes > 1.8e19)
    throw UserError("--shard-size '" + text + "': expected a size such as 5GB, 500MB, 2GiB or a number of bytes");
  return static_cast<uint64_t>(bytes);
}

c10::ScalarType scalar_of(const std::string& dtype) {
  if (dtype == "bfloat16") return at::kBFloat16;
  if (dtype == "float16") return at::kHalf;
  return at::kFloat;
}

// The run's config.yaml for a checkpoint file: PATH's directory, then the one above.
std::string find_run_config(const fs::path& ckpt) {
  const fs::path dir = fs::absolute(ckpt).parent_path();
  for (const fs::path& c : {dir / "config.yaml", dir.parent_path() / "config.yaml"})
    if (fs::is_regular_file(c)) return c.string();
  throw UserError("checkpoint '" + ckpt.string() + "': no --base or --config given and no config.yaml at " +
                  (dir / "config.yaml").string() + " or " + (dir.parent_path() / "config.yaml").string() +
                  ": pass --base DIR (the Hugging Face model the run started from) or --config FILE "
                  "(the run's config.yaml)");
}

// The `model:` section of a run's config.yaml.
ModelConfig read_run_model_config(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw UserError(path + ": not valid YAML (" + e.what() + ")");
  }
  if (!root.IsMap() || !root["model"] || !root["model"].IsMap())
    throw UserError(path + ": no 'model:' section (expected a swepo run's config.yaml)");
  try {
    return read_fields<ModelConfig>(root["model"], "model");
  } catch (const UserError& e) {
    throw UserError(path + ": " + e.what());
  }
}

// The `lora:` section of a LoRA run's config.yaml (defaults where absent).
LoraConfig read_run_lora_config(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw UserError(path + ": not valid YAML (" + e.what() + ")");
  }
  if (!root.IsMap()) throw UserError(path + ": expected a swepo run's config.yaml");
  try {
    return read_fields<LoraConfig>(root["lora"] ? root["lora"] : YAML::Node(), "lora");
  } catch (const UserError& e) {
    throw UserError(path + ": " + e.what());
  }
}

struct Source {
  ModelConfig cfg;           // the model to build (vocab resolved)
  std::string base_dir;      // the HF directory it came from ("" for a native preset)
  std::string config_dtype;  // model.dtype of the run config ("auto" when not given)
};

Source resolve_source(const std::string& ckpt, const std::string& base, const std::string& config) {
  Source s;
  s.config_dtype = "auto";
  if (!base.empty()) {
    if (!fs::is_directory(base)) throw UserError("--base '" + base + "': not a directory");
    s.cfg = hf_read_config(base).model;
    s.base_dir = base;
    return s;
  }
  const std::string cfg_path = config.empty() ? find_run_config(ckpt) : config;
  if (!fs::is_regular_file(cfg_path)) throw UserError("--config '" + cfg_path + "': no such file");
  ModelConfig user = read_run_model_config(cfg_path);
  s.config_dtype = user.dtype;
  if (!user.path.empty()) {
    if (!fs::is_directory(user.path))
      throw UserError(cfg_path + ": model.path '" + user.path +
                      "' is not a directory from here: pass --base DIR (the Hugging Face model the run started from)");
    s.cfg = hf_resolve_model_config(user);
    s.base_dir = user.path;
    return s;
  }
  if (user.vocab_size == 0) {
    try {
      user = model_config_with_vocab(user, make_tokenizer(user.tokenizer)->vocab_size());
    } catch (const UserError& e) {
      throw UserError(cfg_path + ": " + e.what());
    }
  }
  try {
    model_config_validate(user);
  } catch (const UserError& e) {
    throw UserError(cfg_path + ": " + e.what());
  }
  s.cfg = user;
  return s;
}

}  // namespace

int cmd_export(const Args& args) {
  std::string ckpt, out, base, config, shard = "5GB", dtype = "auto";
  bool merge = false;
  po::options_description desc(
      "swepo export --checkpoint PATH --out DIR [--base DIR] [--config FILE] [--merge] [--shard-size 5GB] [--dtype auto]\n"
      "A swepo checkpoint (last.pt, an SFT model.pt) or an HF directory as a Hugging Face model directory;\n"
      "--merge: a LoRA run's checkpoint or a PEFT adapter directory (+ --base) merged into its base");
  desc.add_options()("help,h", "show this help")(
      "checkpoint", po::value(&ckpt), "swepo checkpoint file, or a Hugging Face model directory")(
      "out", po::value(&out), "output directory (replaced if it exists)")(
      "base", po::value(&base),
      "the Hugging Face model the run started from (config.json; its tokenizer files are copied)")(
      "config", po::value(&config),
      "the run's config.yaml (default: PATH's directory or the one above); its model: section "
      "defines the model, model.path its base")(
      "merge", po::bool_switch(&merge),
      "merge LoRA adapters into the base: PATH is a LoRA run's checkpoint (settings from its config.yaml's "
      "lora: section) or a PEFT adapter directory (with --base DIR)")(
      "shard-size", po::value(&shard)->default_value(shard),
      "largest shard: 5GB, 500MB, 2GiB or bytes (one model.safetensors when everything fits)")(
      "dtype", po::value(&dtype)->default_value(dtype),
      "auto (the base's torch_dtype; float32 for a native preset) | float32 | bfloat16 | float16");
  po::variables_map vm;
  if (!cli_parse(args, desc, vm)) return 0;
  if (ckpt.empty()) throw UserError("--checkpoint is required (see swepo export --help)");
  if (out.empty()) throw UserError("--out is required (see swepo export --help)");
  if (dtype != "auto" && dtype != "float32" && dtype != "bfloat16" && dtype != "float16")
    throw UserError("--dtype must be auto, float32, bfloat16 or float16, got '" + dtype + "'");
  HfExportOptions opts;
  opts.shard_bytes = parse_shard_size(shard);
  opts.dtype = dtype;
  if (!fs::exists(ckpt)) throw UserError("checkpoint '" + ckpt + "': does not exist");
  if (fs::absolute(ckpt).lexically_normal() == fs::absolute(out).lexically_normal())
    throw UserError("--out '" + out + "' is the checkpoint itself");

  torch::NoGradGuard no_grad;
  Transformer model{nullptr};
  const bool adapter_dir = fs::is_directory(ckpt) && fs::exists(fs::path(ckpt) / "adapter_config.json");
  if (adapter_dir) {
    if (!merge)
      throw UserError("checkpoint '" + ckpt + "' is a PEFT adapter directory: pass --merge --base DIR (the Hugging "
                      "Face model it adapts) to export the merged model");
    if (base.empty())
      throw UserError("--merge of the adapter directory '" + ckpt + "' needs --base DIR (the Hugging Face model it adapts)");
    if (!fs::is_directory(base)) throw UserError("--base '" + base + "': not a directory");
    model = load_hf_model(base, "float32", c10::kCPU);
    load_peft_adapter(model, ckpt);
    model = lora_merged(model);
    opts.source_dir = base;
  } else if (fs::is_directory(ckpt)) {
    if (merge)
      throw UserError("--merge: '" + ckpt + "' is not a PEFT adapter directory (no adapter_config.json) nor a LoRA "
                      "run's checkpoint file");
    if (!fs::exists(fs::path(ckpt) / "config.json"))
      throw UserError("checkpoint '" + ckpt + "': a directory without config.json (expected a Hugging Face "
                      "model directory or a swepo checkpoint file)");
    model = load_hf_model(ckpt, dtype, c10::kCPU);
    opts.source_dir = base.empty() ? ckpt : base;
  } else {
    const bool has_lora_tensors = checkpoint_has_lora(ckpt);
    if (has_lora_tensors && !merge)
      throw UserError("checkpoint '" + ckpt + "' holds LoRA adapters (trainer.peft: lora): pass --merge to export "
                      "the base with the adapters merged (the run's <output_dir>/adapter is the PEFT adapter)");
    if (merge && !has_lora_tensors)
      throw UserError("--merge: checkpoint '" + ckpt + "' holds no LoRA adapters (export it without --merge)");
    const Source src = resolve_source(ckpt, base, config);
    std::string build = dtype;
    if (build == "auto") build = src.config_dtype;
    if (build == "auto") build = src.base_dir.empty() ? "float32" : hf_read_config(src.base_dir).torch_dtype;
    if (merge) build = "float32";  // the merge's arithmetic; exported in --dtype
    ModelBuild mb;
    mb.dtype = scalar_of(build);
    mb.device = c10::kCPU;
    mb.random_init = false;
    ModelConfig cfg = src.cfg;
    cfg.dtype = build;
    model = Transformer(cfg, mb);
    if (merge) {  // the adapters as the run added them (shapes from its lora: section)
      std::string run_cfg = config;
      if (run_cfg.empty()) {
        try {
          run_cfg = find_run_config(ckpt);
        } catch (const UserError& e) {
          throw UserError(std::string(e.what()) + " (--merge reads the lora: section of the run's config.yaml)");
        }
      }
      add_lora(model, read_run_lora_config(run_cfg), 0);
    }
    load_model_weights(ckpt, model);  // UserError naming the file on a missing tensor or shape
    if (merge) model = lora_merged(model);
    opts.source_dir = src.base_dir;
  }
  export_hf_model(model, out, opts);

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(out))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::cout << "exported " << ckpt << " (" << model_numel(model) << " parameters, "
            << hf_architecture_name(model->config().arch) << ") to " << out << ":\n";
  for (const auto& f : files) std::cout << "  " << f.filename().string() << "  " << fs::file_size(f) << " bytes\n";
  return 0;
}

}  // namespace swepo::cli
