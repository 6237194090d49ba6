// Hugging Face checkpoint directories in and out of the Transformer (engine/model.h), whose
// parameters carry the HF names, so tensors map 1:1 (no renaming table).
//
// Load: DIR/config.json (engine/hf_config.h) and DIR/model.safetensors, or the shards listed in
// DIR/model.safetensors.index.json. Every file is memory-mapped and read once, straight into the
// parameters (converted to the requested dtype, copied to the device). Strict: every parameter
// must be present with its shape; a tensor nothing explains is an error (tied models may omit
// lm_head.weight, or carry a copy equal to the embedding; "*.self_attn.rotary_emb.inv_freq"
// buffers of old conversions are derived and skipped); the index must agree with the shards.
// Every failure is a UserError naming the file and the tensor or key.
//
// Export: config.json (HF field names, the source's other keys kept), generation_config.json,
// model.safetensors or model-0000i-of-0000n.safetensors + model.safetensors.index.json, and the
// tokenizer files of the source directory. Written into a temporary sibling directory, then renamed
// over `out_dir`: a failure leaves no half-written directory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <c10/core/Device.h>

#include "engine/model.h"

namespace swepo {

// dtype: "auto" (config.json's torch_dtype) | "float32" | "bfloat16" | "float16".
// The returned model is in train mode with requires_grad parameters (as a fresh Transformer); its
// config() is hf_model_config(dir) with dtype = `dtype`.
Transformer load_hf_model(const std::string& dir, const std::string& dtype, c10::Device device);

struct HfExportOptions {
  uint64_t shard_bytes = 5'000'000'000;  // largest shard's data (HF's "5GB"); one file when it all fits
  std::string dtype = "auto";  // auto | float32 | bfloat16 | float16; auto = the source's torch_dtype
                               // (float32 for a native model, or when the source is unknown)
  std::string source_dir;      // HF dir the model came from; empty: model->config().path
  int64_t bos_token_id = -1;   // written to config.json / generation_config.json when >= 0 and the
  int64_t eos_token_id = -1;   // source gives none (native byte models: ByteTokenizer's ids)
};

// Writes an HF directory for `model` at `out_dir` (replaced if it exists). UserError when the
// directory cannot be written or options are invalid.
void export_hf_model(const Transformer& model, const std::string& out_dir, const HfExportOptions& opts = {});

// The files copied from the source directory when present, in order.
const std::vector<std::string>& hf_tokenizer_files();

}  // namespace swepo
