// Builds SynthFeedback's data from a SynthConfig: the SFT corpus, the scored preference corpus and
// the three evaluation suites' prompts with their baselines. Deterministic from the config (every
// draw comes from a portable RNG seeded by derive_seed(data_seed, stream, index)), and cached on disk
// as JSON keyed by synth_fingerprint(config). Tensor-free.
//
// Held-out: evaluation prompts are drawn first; an SFT or preference prompt that equals one of them
// is redrawn.
// Instruction difficulty γ_i (alpaca and arena): the panel's mean gold shortfall on that
// instruction, γ_i = mean over the panel generators g of (10 − R*(x_i, g(x_i))) / 10, in [0, 1],
// one draw per generator with its own seeded stream; computed once when the benchmark is built.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/data/records.h"
#include "synth/synth_config.h"
#include "synth/task.h"

namespace swepo::synth {

// An evaluation suite with a baseline (alpaca, arena).
struct BaselineSuite {
  std::vector<Item> items;                   // [n]
  std::vector<std::string> baseline;         // [n] baseline outputs
  std::vector<std::string> baseline_verbose; // [n] the baseline made verbose (LC regularisation)
  std::vector<std::string> baseline_concise; // [n] the baseline made concise (LC regularisation)
  std::vector<double> difficulty;            // [n] γ_i
};

// MT-bench analogue: turn 1 is `item`; turn 2 asks for `family2` applied to the first answer.
struct MtQuestion {
  Item item;
  std::string family2;
};

struct SynthData {
  std::string fingerprint;
  std::vector<SftRecord> sft;                        // [n_sft]
  std::vector<PreferenceRecord> pref;                // [n_pref] K responses + annotator scores
  std::vector<std::vector<std::string>> pref_generators;  // [n_pref][K] which panel generator wrote each
  BaselineSuite alpaca;                              // [n_alpaca]
  BaselineSuite arena;                               // [n_arena]
  std::vector<MtQuestion> mtbench;                   // [n_mtbench]
};

SynthData build_synth_data(const SynthConfig& c);

// The cache file of `c` under c.cache_dir: "<cache_dir>/synthfeedback-<fingerprint[:16]>.json".
std::string synth_cache_path(const SynthConfig& c);
// Loads the cached data when present (UserError if the file is corrupt or its fingerprint differs),
// else builds and writes it atomically. With an empty cache_dir, just builds.
SynthData load_or_build_synth_data(const SynthConfig& c);
std::string synth_data_to_json(const SynthData& d);
SynthData synth_data_from_json(const std::string& text, const std::string& origin);

// Parses "<family>: <payload>" back into an Item (UserError naming the prompt if malformed).
Item parse_prompt(const std::string& prompt);

// On-policy preference data: `sample(prompts, n)` returns prompts.size() · n responses, prompt-major
// (all n samples of prompt 0 first). Each response is scored by the same annotator as the
// preference corpus (noise drawn from stream "onpolicy" of data_seed, per prompt).
using SampleFn =
    std::function<std::vector<std::string>(const std::vector<std::string>& prompts, int n_samples)>;
std::vector<PreferenceRecord> build_on_policy_preferences(const SynthConfig& c,
                                                          const std::vector<std::string>& prompts,
                                                          const SampleFn& sample, int n_samples);

// Scores one response with the annotator (z drawn from rng).
double annotate_response(const SynthConfig& c, const Item& item, const std::string& response, Rng& rng);

}  // namespace swepo::synth
