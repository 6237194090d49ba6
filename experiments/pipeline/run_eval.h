// Evaluation of a model on SynthFeedback's suites (alpaca, arena, mtbench) under every decoding of
// eval.decodings, and the conversion of the report into results-store rows.
//
// The responder decodes prompts in batches of generation.batch_size (sorted by length so a batch
// pads little), with the engine's KV-cache generation. Each (temperature, seed) decoding has its own
// CPU generator seeded by eval_stream_seed(): derive_seed(seed, "eval/t=<temperature>"), so a
// decoding's samples do not depend on the run seed, the suite order or the other decodings; a set
// eval_seed (run_config.h) mixes into every stream.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>

#include "engine/model.h"
#include "engine/tokenizer.h"
#include "core/store/store.h"
#include "synth/suites.h"
#include "experiments/pipeline/run_config.h"

namespace swepo::pipeline {

// Called after every generated batch (e.g. to refresh the store's heartbeat).
using Progress = std::function<void()>;

// Text in, text out, `batch` prompts at a time; outputs in the order of `prompts`.
std::vector<std::string> respond_batched(Transformer& model, const Tokenizer& tok,
                                         const std::vector<std::string>& prompts,
                                         const GenerationConfig& g, double temperature,
                                         at::Generator& gen, const Progress& progress = {});

// The seed of the (temperature, decoding seed) sampling stream of a run.
uint64_t eval_stream_seed(const RunConfig& cfg, double temperature, int seed);

synth::EvalReport eval_stage(Transformer& model, const Tokenizer& tok, const synth::SynthData& data,
                             const RunConfig& cfg, const Progress& progress = {});

// "greedy" for temperature 0, else "t=<T>"; runs add ",seed=<s>"; the average is "avg".
std::string decoding_label(double temperature);
std::string decoding_label(double temperature, int seed);

// Store rows: every decoding run, every per-temperature mean and the average ("avg"). A metric
// "<suite>/<name>" becomes (suite, name); alpaca/wr carries alpaca/wr_se as its stderr; n is the
// number of prompts (mtbench: questions).
std::vector<EvalRow> eval_rows(const synth::EvalReport& report, const RunConfig& cfg,
                               const synth::SynthData& data);

}  // namespace swepo::pipeline
