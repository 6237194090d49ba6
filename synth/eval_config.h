// EvalConfig: how the three suites are run and judged (config group `eval`, files
// experiments/conf/eval/default.yaml and eval/fast.yaml). Declared once here with default and help.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"

namespace swepo::synth {

// One decoding setting: a temperature (0 = greedy) and the sampling seeds to average over.
struct Decoding {
  double temperature = 0.0;
  std::vector<int> seeds = {0};
};

struct EvalConfig {
  // The paper's decoding list: greedy, then 0.2, 0.5, 1.0 with three seeds each.
  std::vector<Decoding> decodings = {{0.0, {0}}, {0.2, {0, 1, 2}}, {0.5, {0, 1, 2}}, {1.0, {0, 1, 2}}};
  std::vector<std::string> suites = {"alpaca", "arena", "mtbench"};
  int max_prompts = 0;               // evaluate only the first N prompts of each suite (0 = all)
  double judge_temperature = 1.0;    // alpaca preference = 1 + σ((R*_model − R*_baseline) / T)
  double judge_verbosity_bias = 0.0; // judge reward added per extra character (AlpacaEval's length bias)
  std::string glm = "length_controlled_v1";
  double lc_lambda = 0.2;            // weight λ/2 per gamed-baseline row
  double arena_tie_margin = 0.5;     // |d| below: tie
  double arena_decisive_margin = 3.0;  // |d| at or above: decisive (counts 3 battles)
  double arena_position_bias = 0.25; // the judge favours the answer shown first by this much
  int arena_bootstrap = 100;         // bootstrap resamples of the battles
  int64_t bootstrap_seed = 0;

  template <class V>
  void visit(V& v) {
    v("decodings", decodings,
      "decoding settings [{temperature, seeds}]; 0 = greedy; results are averaged over seeds, then settings");
    v.require(!decodings.empty(), "decodings", "needs at least one decoding");
    for (const auto& d : decodings)
      v.require(d.temperature >= 0 && !d.seeds.empty(), "decodings",
                "each decoding needs temperature >= 0 and at least one seed");
    v("suites", suites, "suites to run: alpaca, arena, mtbench");
    for (const auto& s : suites) v.choice("suites", s, {"alpaca", "arena", "mtbench"});
    v("max_prompts", max_prompts, "evaluate only the first N prompts of each suite (0 = all)");
    v.require(max_prompts >= 0, "max_prompts", "must be >= 0");
    v("judge_temperature", judge_temperature, "alpaca judge: preference = 1 + sigmoid(dR*/T)");
    v.require(judge_temperature > 0, "judge_temperature", "must be > 0");
    v("judge_verbosity_bias", judge_verbosity_bias,
      "judge reward per character beyond the answer's length (alpaca and arena)");
    v("glm", glm, "LC variant");
    v.choice("glm", glm, {"length_controlled_v1", "length_controlled_noreg", "length_controlled_minimal"});
    v("lc_lambda", lc_lambda, "LC regularisation towards the baseline (length_controlled_v1)");
    v("arena_tie_margin", arena_tie_margin, "arena: |judged difference| below this is a tie");
    v("arena_decisive_margin", arena_decisive_margin, "arena: |judged difference| at or above this is decisive");
    v.require(arena_decisive_margin >= arena_tie_margin, "arena_decisive_margin", "must be >= arena_tie_margin");
    v("arena_position_bias", arena_position_bias, "arena: judge bonus for the answer shown first");
    v("arena_bootstrap", arena_bootstrap, "arena: bootstrap resamples for the 95% interval");
    v("bootstrap_seed", bootstrap_seed, "seed of the bootstrap resampling");
  }
};

EvalConfig eval_config_from_yaml(const YAML::Node& node, const std::string& path = "eval");

}  // namespace swepo::synth

namespace YAML {
template <>
struct convert<swepo::synth::Decoding> {
  static bool decode(const Node& n, swepo::synth::Decoding& d) {
    if (!n.IsMap()) return false;
    for (const auto& kv : n) {
      const auto k = kv.first.as<std::string>();
      if (k != "temperature" && k != "seeds") return false;
    }
    if (!n["temperature"]) return false;
    d.temperature = n["temperature"].as<double>();
    d.seeds = n["seeds"] ? n["seeds"].as<std::vector<int>>() : std::vector<int>{0};
    return true;
  }
};
inline Emitter& operator<<(Emitter& e, const swepo::synth::Decoding& d) {
  return e << BeginMap << Key << "temperature" << Value << d.temperature << Key << "seeds" << Value
           << Flow << d.seeds << EndMap;
}
}  // namespace YAML

namespace swepo {
template <>
inline const char* Fields::type_name<std::vector<synth::Decoding>>() {
  return "a list of {temperature: number, seeds: [integers]}";
}
}  // namespace swepo
