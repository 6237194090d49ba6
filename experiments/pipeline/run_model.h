// The model side of a run: a native preset (byte tokenizer, random init from sft.seed) or a Hugging
// Face checkpoint (model=hf model.path=DIR: DIR's tokenizer and chat template, the checkpoint's
// weights), behind one interface so the stages never branch on which.
//
//   model=hf   tokenizer  load_hf_tokenizer(DIR) wrapped as a ChatRowTokenizer (engine/chat_tokenizer.h)
//              template   model.chat_template: auto (detected from DIR/tokenizer_config.json) or a name,
//                         with which tokenizer_config.json is optional (resolve_chat_setup, as swepo
//                         score does; its bos/eos tokens are used when present)
//              weights    DIR's safetensors, loaded as float32 master weights for training
//                         (model.dtype is the dtype of `swepo score` and the export's default)
//              identity   base_fingerprint: SHA-256 of config.json and every safetensors header and
//                         size (not of the weight bytes: a 7B checkpoint is 15 GB)
#pragma once
#include <memory>
#include <string>

#include "core/text/chat_template.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "experiments/pipeline/run_config.h"

namespace swepo::pipeline {

struct RunModel {
  bool hf = false;
  std::unique_ptr<Tokenizer> tok;  // the row tokenizer
  std::string chat_template;       // "" for a native preset
  ChatTokens chat_tokens;
  std::string base_fingerprint;    // "" for a native preset
};

// UserError naming model.path / model.chat_template / the tokenizer file at fault.
RunModel open_run_model(const RunConfig& cfg);

// The model the SFT stage starts from: the checkpoint (hf), else a random init drawn from sft.seed.
Transformer initial_model(const RunConfig& cfg, const RunModel& rm);

// An HF directory's identity without reading its weights (see above).
std::string hf_base_fingerprint(const std::string& dir);

}  // namespace swepo::pipeline
