// SynthConfig: every knob of the SynthFeedback benchmark's data (config group `data`, file
// experiments/conf/data/synthfeedback.yaml). Declared once here with default and help.
//
//   SynthConfig c = read_fields<SynthConfig>(node, "data", &origins);
//
// Every key except `source` and `cache_dir` enters the data fingerprint (synth_fingerprint).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "synth/generators.h"
#include "synth/task.h"

namespace YAML {
class Node;
}

namespace swepo::synth {

struct SynthConfig {
  std::string source = "synthfeedback";  // data source name (the config group's file)
  std::string cache_dir = ".swepo_cache/data";  // where built data is cached ("" = no cache)
  int64_t data_seed = 0;                 // seed of every random draw in the data
  std::vector<std::string> families = {"reverse", "sort", "dedup", "rot1", "upper", "count", "swap"};
  int payload_min = 3;                   // payload length range (SFT, preference, alpaca, mtbench)
  int payload_max = 10;
  int n_sft = 20000;                     // SFT demonstrations (the UltraChat analogue)
  double sft_error_rate = 0.05;          // per-character error rate of the demonstrations
  double sft_filler_fraction = 0.6;      // share of demonstrations ending in filler " ok"
  int n_pref = 4000;                     // preference prompts (the UltraFeedback analogue)
  int K = 4;                             // responses per preference prompt, 2..8 distinct generators
  std::vector<std::string> panel = {"exact", "noisy05", "noisy15", "noisy30",
                                    "truncate", "filler_ok", "filler_done", "wrong_family"};
  double filler_penalty = 0.3;           // gold reward lost per filler character
  double annotator_noise = 1.0;          // std of the annotator's Gaussian noise
  double verbosity_bias = 0.1;           // annotator score added per extra character
  double baseline_error_rate = 0.15;     // alpaca/arena baseline's per-character error rate
  int n_alpaca = 805;                    // held-out prompts of each suite
  int n_arena = 500;
  int n_mtbench = 80;
  std::vector<std::string> arena_families = {"reverse", "sort", "dedup", "rot1", "swap"};
  int arena_payload_min = 8;             // the arena's harder, longer payloads
  int arena_payload_max = 14;
  std::vector<std::string> mtbench_families = {"reverse", "sort", "dedup", "rot1", "upper", "swap"};

  template <class V>
  void visit(V& v) {
    v("source", source, "data source: synthfeedback (this file), jsonl or ultrafeedback");
    v.choice("source", source, {"synthfeedback"});
    v("cache_dir", cache_dir, "cache folder for built data, keyed by fingerprint ('' = no cache)");
    v("data_seed", data_seed, "seed of every random draw in the generated data");
    v("families", families, "instruction families of SFT, preference, alpaca and mtbench prompts");
    for (const auto& f : families) v.choice("families", f, family_names());
    v.require(!families.empty(), "families", "needs at least one family");
    v("payload_min", payload_min, "shortest payload (characters)");
    v("payload_max", payload_max, "longest payload (characters)");
    v.require(payload_min >= 1 && payload_max >= payload_min, "payload_max",
              "need 1 <= payload_min <= payload_max");
    v("n_sft", n_sft, "SFT demonstrations (the UltraChat analogue)");
    v("sft_error_rate", sft_error_rate, "per-character error rate of SFT demonstrations");
    v("sft_filler_fraction", sft_filler_fraction,
      "share of SFT demonstrations ending in filler ' ok' (the systematic flaw)");
    v.require(sft_error_rate >= 0 && sft_error_rate <= 1, "sft_error_rate", "must be in [0, 1]");
    v.require(sft_filler_fraction >= 0 && sft_filler_fraction <= 1, "sft_filler_fraction",
              "must be in [0, 1]");
    v("n_pref", n_pref, "preference prompts (the UltraFeedback analogue)");
    v("K", K, "responses per preference prompt, each from a distinct panel generator (2..8)");
    v("panel", panel, "generators that write the preference responses");
    for (const auto& g : panel) v.choice("panel", g, generator_names());
    v.require(K >= 2 && K <= 8, "K", "must be in 2..8");
    v.require(static_cast<int>(panel.size()) >= K, "K", "exceeds the number of panel generators");
    v("filler_penalty", filler_penalty, "gold reward lost per filler character");
    v("annotator_noise", annotator_noise, "std of the annotator's Gaussian noise");
    v("verbosity_bias", verbosity_bias, "annotator score added per character beyond the answer's length");
    v("baseline_error_rate", baseline_error_rate, "per-character error rate of the eval baseline");
    v("n_alpaca", n_alpaca, "alpaca suite prompts");
    v("n_arena", n_arena, "arena suite prompts (harder)");
    v("n_mtbench", n_mtbench, "mtbench suite questions (2 turns each)");
    v.require(n_sft >= 0 && n_pref >= 0 && n_alpaca >= 2 && n_arena >= 1 && n_mtbench >= 1, "n_alpaca",
              "sizes must be >= 0 (n_alpaca >= 2, n_arena, n_mtbench >= 1)");
    v("arena_families", arena_families, "instruction families of the arena suite");
    for (const auto& f : arena_families) v.choice("arena_families", f, family_names());
    v.require(!arena_families.empty(), "arena_families", "needs at least one family");
    v("arena_payload_min", arena_payload_min, "shortest arena payload");
    v("arena_payload_max", arena_payload_max, "longest arena payload");
    v.require(arena_payload_min >= 1 && arena_payload_max >= arena_payload_min, "arena_payload_max",
              "need 1 <= arena_payload_min <= arena_payload_max");
    v("mtbench_families", mtbench_families, "families of both mtbench turns (string-valued; >= 2)");
    for (const auto& f : mtbench_families) v.choice("mtbench_families", f, family_names());
    v.require(mtbench_families.size() >= 2, "mtbench_families", "needs at least two families");
  }
};

// Reads and validates a SynthConfig from a YAML mapping (null: defaults).
SynthConfig synth_config_from_yaml(const YAML::Node& node, const std::string& path = "data");

// "key: value" lines of every generating key (not source/cache_dir), in declaration order.
std::string synth_config_text(const SynthConfig& c);
// SHA-256 hex of "synthfeedback-data-v1\n" + synth_config_text(c).
std::string synth_fingerprint(const SynthConfig& c);

}  // namespace swepo::synth
