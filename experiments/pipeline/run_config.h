// The whole `swepo run` config as typed structs, read once at the edge from the composed YAML
// (experiments/conf/config.yaml and its groups). Any key no struct declares is a UserError naming
// the key, the file that set it and the closest valid key.
//
// Top-level keys and where their defaults live:
//   seed        the run's seed: preference optimisation (data order, DPO's pairing). Not part of
//               the SFT fingerprint: every seed shares one SFT model.
//   data_seed   null (= seed) or the seed of the preference stage's data order alone
//   pair_seed   null (= seed) or the seed of the loss's sampling alone (DPO's random rejected
//               response); Table 2's pairing-only variance fixes seed and varies this
//   eval_seed   null: evaluation samples with the decodings' own seeds (eval.decodings), the same
//               streams for every run (common random numbers); N: those streams mixed with N
//               Null seeds are left out of the run's config hash (core/config/emit.h).
//   device      auto | cpu | cuda[:N]; the default of sft.device and trainer.device
//   output_dir  where config.yaml, summary.json and metrics.jsonl are written
//   cache_dir   root of the caches: <cache_dir>/sft/<fingerprint>/ (SFT models),
//               <cache_dir>/ref_logps (default of trainer.ref_cache_dir),
//               <cache_dir>/data (default of data.cache_dir)
//   model       ModelConfig (engine/model_config.h), group model/
//   data        SynthConfig (synth/synth_config.h) or JSONL / UltraFeedback (core/data/
//               loaders.h), chosen by data.source; group data/
//   loss        {name: X, options...}, parsed once into a LossSpec (losses/registry.h); `none`
//               skips preference optimisation and evaluates the SFT model (the paper's SFT row);
//               group loss/
//   sft         TrainerConfig of the SFT stage (sft.seed is the SFT seed); group sft/
//   sft_data    SftDataConfig: what the SFT stage trains on (auto: the data source's SFT corpus
//               for a native preset, no SFT for model=hf; chat: {"messages": [...]} JSONL)
//   trainer     TrainerConfig of preference optimisation; its seed is the run's `seed`; group trainer/
//   lora        LoraConfig (engine/lora.h): the adapters of trainer.peft: lora (preference stage only;
//               sft.peft: lora is an error); trainer.precision: bf16 needs trainer.peft: lora
//   truncation  TruncationConfig (engine/collate.h) of both training stages
//   generation  GenerationConfig (engine/generate.h) but its temperature; group generation/
//   eval        EvalConfig (synth/eval_config.h); group eval/
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/data/loaders.h"
#include "core/config/compose.h"
#include "engine/collate.h"
#include "engine/generate.h"
#include "engine/lora.h"
#include "engine/model_config.h"
#include "engine/train_config.h"
#include "losses/registry.h"
#include "synth/eval_config.h"
#include "synth/synth_config.h"

namespace swepo::pipeline {

// Data sources. `synthfeedback` builds the benchmark (SFT corpus, preference corpus, eval suites);
// `jsonl` and `ultrafeedback` read preference records from a file: SFT then trains on each
// record's best-scored response and the SynthFeedback suites are not run (no held-out prompts).
struct DataSource {
  std::string source = "synthfeedback";
  synth::SynthConfig synth;  // source == synthfeedback
  FileDataConfig file;       // source == jsonl | ultrafeedback | ultrafeedback_binarized
  bool is_synth() const { return source == "synthfeedback"; }
};
std::vector<std::string> data_source_names();  // synthfeedback, jsonl, ultrafeedback, ultrafeedback_binarized

// What the SFT stage trains on.
//   auto   native presets: the data source's SFT corpus (SynthFeedback's demonstrations, or each
//          preference record's best-scored response); model=hf: nothing (the checkpoint is the
//          SFT model and the reference, as in the paper)
//   none   no SFT stage; best: each preference record's best-scored response (or SynthFeedback's
//          demonstrations); chat: `path`, JSONL chat records {"messages": [{role, content}, ...]}
//          (UltraChat-200k's layout; a `prompt` field is ignored), trained on the last assistant turn
struct SftDataConfig {
  std::string source = "auto";
  std::string path;
  template <class V>
  void visit(V& v) {
    v("source", source, "what the SFT stage trains on: auto | none | best | chat");
    v("path", path, "chat data JSONL (source: chat)");
    v.choice("source", source, {"auto", "none", "best", "chat"});
    v.require(source != "chat" || !path.empty(), "path", "is required with source: chat");
  }
};

struct RunConfig {
  int64_t seed = 0;
  std::optional<int64_t> data_seed, pair_seed, eval_seed;  // null: see the top of this file
  std::string device = "auto";
  std::string output_dir = "outputs/run";
  std::string cache_dir = "cache";
  ModelConfig model;
  DataSource data;
  LossSpec loss;           // the `loss:` section, parsed once (empty when skip_preference)
  std::string loss_name;   // loss.name
  bool skip_preference = false;  // loss.name == none
  TrainerConfig sft;       // SFT stage (sft.seed: the SFT seed)
  SftDataConfig sft_data;  // what it trains on
  TrainerConfig trainer;   // preference stage (trainer.seed == seed)
  LoraConfig lora;         // adapters of the preference stage when trainer.peft == lora
  TruncationConfig truncation;
  GenerationConfig generation;  // temperature unused: eval.decodings sets it per decoding
  synth::EvalConfig eval;
};

// The top-level keys a config may have, in documentation order.
const std::vector<std::string>& run_config_keys();

// Reads and validates everything (the loss section is parsed once, into `loss`).
// UserError names the key, its file and the closest valid key.
RunConfig run_config_from(const ComposedConfig& c);

// model.path set (a Hugging Face checkpoint): the values DIR/config.json sets (arch, sizes, heads,
// vocab, RoPE, biases, ...) replace the preset's in both `c.config` (so --cfg, config.yaml, the
// config hash and the store's params record the model that runs) and `cfg.model`. UserError when
// model.path is set without model=hf (model.tokenizer is not hf), when it is not a directory, or
// when a key config.json decides was set by a file or override (it would be silently ignored).
void resolve_hf_model(ComposedConfig& c, RunConfig& cfg);

// The structs' defaults as a composition schema (core/config/compose.h): every option of every
// section, for the data source and loss the merged files name. Derived keys are interpolations
// (a stage's device = ${device}, ref_cache_dir = ${cache_dir}/ref_logps, data.cache_dir =
// ${cache_dir}/data); left out: the preference stage's seed (the run's seed, kept out of the
// config hash) and generation.temperature (set per decoding by eval.decodings). With it the composed config (printed by --cfg, saved as config.yaml,
// hashed and recorded in the store) names every option, and `loss.p=2` overrides a key that exists
// although the presets hold only what they change.
YAML::Node run_config_schema(const YAML::Node& merged);

// compose_config with run_config_schema: how `swepo run` and `swepo sweep` compose a run's config.
ComposedConfig compose_run_config(const std::string& conf_dir, const std::vector<std::string>& overrides);

}  // namespace swepo::pipeline
