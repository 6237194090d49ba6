#include "experiments/pipeline/run_model.h"

#include <filesystem>
#include <fstream>

#include <torch/torch.h>

#include "core/hf/safetensors.h"
#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "engine/chat_tokenizer.h"
#include "engine/hf_checkpoint.h"
#include "engine/hf_config.h"
#include "engine/rng.h"
#include "experiments/pipeline/run_sft.h"

namespace fs = std::filesystem;

namespace swepo::pipeline {
namespace {

// The first 8 + header-length bytes of a safetensors file (its JSON header) and the file's size.
std::string safetensors_header_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot read " + path);
  unsigned char len8[8];
  if (!in.read(reinterpret_cast<char*>(len8), 8)) throw UserError(path + ": truncated safetensors file");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len8[i];
  if (n > (uint64_t(100) << 20)) throw UserError(path + ": safetensors header length " + std::to_string(n) + " is implausible");
  std::string header(n, '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(n))) throw UserError(path + ": truncated safetensors header");
  return header + "\nsize=" + std::to_string(fs::file_size(path));
}

}  // namespace

std::string hf_base_fingerprint(const std::string& dir) {
  std::string acc = "config.json\n" + read_file((fs::path(dir) / "config.json").string());
  std::vector<std::string> shards;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".safetensors") shards.push_back(e.path().filename().string());
  std::sort(shards.begin(), shards.end());
  if (shards.empty()) throw UserError("config key 'model.path': " + dir + " holds no .safetensors file");
  for (const auto& s : shards) acc += "\n" + s + "\n" + safetensors_header_bytes((fs::path(dir) / s).string());
  return sha256_hex(acc);
}

RunModel open_run_model(const RunConfig& cfg) {
  RunModel rm;
  if (cfg.model.path.empty()) {
    if (cfg.model.name == "hf")
      throw UserError("config key 'model.path' is required with model=hf (model.path=DIR, a Hugging Face "
                      "checkpoint directory)");
    rm.tok = make_tokenizer(cfg.model.tokenizer);
    return rm;
  }
  const std::string& dir = cfg.model.path;
  if (!fs::is_directory(dir))
    throw UserError("config key 'model.path': '" + dir + "' is not a directory");
  if (cfg.data.is_synth())
    throw UserError("data=synthfeedback evaluates by generation with the byte-level presets; with model=hf "
                    "use data=jsonl, data=ultrafeedback or data=ultrafeedback_binarized (data.path=...)");
  rm.hf = true;
  std::unique_ptr<Tokenizer> base = load_hf_tokenizer(dir);
  // As swepo score: with a template name, tokenizer_config.json is optional (read for its tokens).
  ChatSetup chat;
  try {
    chat = resolve_chat_setup(dir, cfg.model.chat_template, *base, kChatTemplateKey);
  } catch (const UserError& e) {
    throw UserError("config key 'model.chat_template': " + std::string(e.what()));
  }
  rm.chat_template = chat.name;
  rm.chat_tokens = chat.tokens;
  rm.tok = std::make_unique<ChatRowTokenizer>(std::move(base), rm.chat_template);
  rm.base_fingerprint = hf_base_fingerprint(dir);
  return rm;
}

Transformer initial_model(const RunConfig& cfg, const RunModel& rm) {
  if (rm.hf) return load_hf_model(cfg.model.path, "float32", c10::Device(c10::kCPU));
  seed_model_init(cfg.sft.seed);
  return Transformer(resolved_model_config(cfg, *rm.tok));
}

}  // namespace swepo::pipeline
