// The whole `swepo run` config as typed structs, read once at the edge from the composed YAML
// (experiments/conf/config.yaml and its groups). Any key no struct declares is a UserError naming
// the key, the file that set it and the closest valid key.
//
// Top-level keys and where their defaults live:
//   seed        the run's seed: preference optimisation (data order, DPO's pairing). Not part of
//               the SFT fingerprint: every seed shares one SFT model.
//   device      auto | cpu | cuda[:N]; the default of sft.device and trainer.device
//   output_dir  where config.yaml, summary.json and metrics.jsonl are written
//   cache_dir   root of the caches: <cache_dir>/sft/<fingerprint>/ (SFT models),
//               <cache_dir>/ref_logps (default of trainer.ref_cache_dir),
//               <cache_dir>/data (default of data.cache_dir)
//   model       ModelConfig (core/engine/model_config.h), group model/
//   data        SynthConfig (core/synth/synth_config.h) or JSONL / UltraFeedback (core/data/
//               loaders.h), chosen by data.source; group data/
//   loss        {name: X, options...} for make_loss (losses/registry.h); `none` skips preference
//               optimisation and evaluates the SFT model (the paper's SFT row); group loss/
//   sft         TrainerConfig of the SFT stage (sft.seed is the SFT seed); group sft/
//   trainer     TrainerConfig of preference optimisation; its seed is the run's `seed`; group trainer/
//   truncation  TruncationConfig (core/engine/collate.h) of both training stages
//   generation  GenerationSettings below; group generation/
//   eval        EvalConfig (core/synth/eval_config.h); group eval/
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/compose.h"
#include "core/engine/collate.h"
#include "core/engine/model_config.h"
#include "core/engine/train_config.h"
#include "core/synth/eval_config.h"
#include "core/synth/synth_config.h"

namespace swepo::pipeline {

// How evaluation prompts are decoded (the temperatures and seeds come from eval.decodings).
struct GenerationSettings {
  int64_t max_new_tokens = 32;  // longest response in tokens (answers are <= 14 characters + filler)
  double top_p = 1.0;           // nucleus sampling mass; 1 = off
  int64_t batch_size = 256;     // prompts decoded together (lockstep, KV cache)
  bool use_cache = true;        // KV cache

  template <class V>
  void visit(V& v) {
    v("max_new_tokens", max_new_tokens, "most tokens generated per evaluation prompt");
    v("top_p", top_p, "nucleus sampling mass in (0, 1]; 1 = off");
    v("batch_size", batch_size, "evaluation prompts decoded together");
    v("use_cache", use_cache, "decode with the KV cache");
    v.require(max_new_tokens >= 1, "max_new_tokens", "must be >= 1");
    v.require(top_p > 0 && top_p <= 1, "top_p", "must be in (0, 1]");
    v.require(batch_size >= 1, "batch_size", "must be >= 1");
  }
};

// Data sources. `synthfeedback` builds the benchmark (SFT corpus, preference corpus, eval suites);
// `jsonl` and `ultrafeedback` read preference records from a file: SFT then trains on each
// record's best-scored response and the SynthFeedback suites are not run (no held-out prompts).
struct DataSource {
  std::string source = "synthfeedback";
  synth::SynthConfig synth;  // source == synthfeedback
  std::string path;          // source == jsonl | ultrafeedback
  bool is_synth() const { return source == "synthfeedback"; }
};
std::vector<std::string> data_source_names();  // synthfeedback, jsonl, ultrafeedback

struct RunConfig {
  int64_t seed = 0;
  std::string device = "auto";
  std::string output_dir = "outputs/run";
  std::string cache_dir = "cache";
  ModelConfig model;
  DataSource data;
  YAML::Node loss;         // the `loss:` section, as given to make_loss
  std::string loss_name;   // loss.name
  bool skip_preference = false;  // loss.name == none
  TrainerConfig sft;       // SFT stage (sft.seed: the SFT seed)
  TrainerConfig trainer;   // preference stage (trainer.seed == seed)
  TruncationConfig truncation;
  GenerationSettings generation;
  synth::EvalConfig eval;
};

// The top-level keys a config may have, in documentation order.
const std::vector<std::string>& run_config_keys();

// Reads and validates everything (including building the loss once to validate its options).
// UserError names the key, its file and the closest valid key.
RunConfig run_config_from(const ComposedConfig& c);

}  // namespace swepo::pipeline
