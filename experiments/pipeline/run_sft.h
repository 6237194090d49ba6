// The SFT stage, trained once and cached: <cache_dir>/sft/<fingerprint>/model.pt, keyed by the
// fingerprint of (model config, tokenizer, SFT data, SFT trainer config including sft.seed,
// truncation). The run's top-level seed and the loss do not enter it, so every method and every
// seed of a sweep shares one SFT model. An exclusive flock on <cache_dir>/sft/<fingerprint>.lock
// makes parallel sweep workers wait for one training instead of training twice. (Resuming an
// interrupted SFT is not wired: the engine's load_checkpoint cannot read back its own model archive
// in this build; an interrupted SFT trains again.)
#pragma once
#include <string>
#include <vector>

#include "core/data/records.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/tokenizer.h"
#include "engine/train_common.h"
#include "experiments/pipeline/run_config.h"
#include "experiments/pipeline/run_model.h"

namespace swepo::pipeline {

struct SftOutcome {
  Transformer model{nullptr};  // the SFT model, on sft.device
  std::string fingerprint;     // 64 hex characters
  std::string checkpoint;      // <cache_dir>/sft/<fingerprint>/model.pt
  bool cached = false;         // loaded from the cache (this run trained nothing)
  double seconds = 0;          // wall time of this stage in this run (training or loading)
  double train_seconds = 0;    // wall time of the training that produced the model (from sft.json)
  int64_t steps = 0;           // optimizer steps of that training
  double last_loss = 0;        // its last logged loss
  bool skipped = false;        // model=hf without SFT data: the checkpoint itself (checkpoint = its dir)
};

// The model config (model=hf: config.json's) with the tokenizer's vocabulary resolved.
ModelConfig resolved_model_config(const RunConfig& cfg, const Tokenizer& tok);

std::string sft_fingerprint(const RunConfig& cfg, const RunModel& rm, const std::vector<SftRecord>& data);

// model=hf with no SFT data: the checkpoint, loaded (skipped = true). Otherwise trained or cached.
SftOutcome sft_stage(const RunConfig& cfg, const RunModel& rm, const std::vector<SftRecord>& data,
                     MetricSink& sink);

}  // namespace swepo::pipeline
