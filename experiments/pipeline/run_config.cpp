#include "experiments/pipeline/run_config.h"

#include "core/config/tree.h"
#include "core/data/loaders.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/registry.h"

namespace swepo::pipeline {
namespace {

// Reads `T` (a struct with visit()) from the mapping at `key` (absent or null: defaults).
template <class T>
T read_section(const YAML::Node& root, const std::string& key, const Origins& origins) {
  T value;
  YAML::Node node;
  if (auto n = map_child(root, key)) node = *n;
  Fields f(node, key, &origins);
  value.visit(f);
  f.done();
  return value;
}

bool explicitly_set(const Origins& origins, const std::string& dotted) {
  return origins.count(dotted) > 0;
}

DataSource read_data(const YAML::Node& root, const Origins& origins) {
  DataSource d;
  YAML::Node node;
  if (auto n = map_child(root, "data")) node = *n;
  if (node && !node.IsNull() && !node.IsMap())
    throw UserError("config key 'data'" + origin_of(&origins, "data") + ": expected a mapping");
  if (node && node.IsMap()) {
    if (auto s = map_child(node, "source")) {
      if (!s->IsScalar())
        throw UserError("config key 'data.source'" + origin_of(&origins, "data.source") +
                        ": expected a string");
      d.source = s->Scalar();
    }
  }
  const auto names = data_source_names();
  Fields probe(node, "data", &origins);
  probe.choice("source", d.source, names);
  if (d.source == "synthfeedback") {
    d.synth = read_section<synth::SynthConfig>(root, "data", origins);
  } else if (d.source == "jsonl") {
    d.path = read_section<JsonlDataConfig>(root, "data", origins).path;
  } else {
    d.path = read_section<UltraFeedbackDataConfig>(root, "data", origins).path;
  }
  return d;
}

}  // namespace

std::vector<std::string> data_source_names() { return {"synthfeedback", "jsonl", "ultrafeedback"}; }

const std::vector<std::string>& run_config_keys() {
  static const std::vector<std::string> keys = {"seed",    "device",     "output_dir", "cache_dir",
                                                "model",   "data",       "loss",       "sft",
                                                "trainer", "truncation", "generation", "eval"};
  return keys;
}

RunConfig run_config_from(const ComposedConfig& c) {
  const YAML::Node& root = c.config;
  const Origins& origins = c.origins;
  if (!root || !root.IsMap()) throw UserError("the composed config is not a mapping");
  for (const auto& key : map_keys(root)) {
    bool known = false;
    for (const auto& k : run_config_keys()) known = known || k == key;
    if (!known)
      throw UserError("unknown config key '" + key + "'" + origin_of(&origins, key) +
                      did_you_mean(key, run_config_keys()) + "; valid keys: " +
                      join(run_config_keys(), ", "));
  }

  RunConfig r;
  {
    YAML::Node scalars(YAML::NodeType::Map);
    for (const char* k : {"seed", "device", "output_dir", "cache_dir"})
      if (auto n = map_child(root, k)) scalars[k] = *n;
    Fields f(scalars, "", &origins);
    f("seed", r.seed, "the run's seed");
    f("device", r.device, "auto | cpu | cuda | cuda:N");
    f("output_dir", r.output_dir, "output folder of the run");
    f("cache_dir", r.cache_dir, "root of the SFT, reference and data caches");
    f.require(!r.output_dir.empty(), "output_dir", "must not be empty");
    f.require(!r.cache_dir.empty(), "cache_dir", "must not be empty");
    f.done();
  }
  r.model = read_section<ModelConfig>(root, "model", origins);
  r.data = read_data(root, origins);
  if (r.data.is_synth() && !explicitly_set(origins, "data.cache_dir"))
    r.data.synth.cache_dir = r.cache_dir + "/data";

  // loss: {name: X, options}; `none` is not a loss but the pipeline's "no preference stage".
  {
    auto node = map_child(root, "loss");
    if (!node || !node->IsMap() || !map_child(*node, "name"))
      throw UserError("config key 'loss'" + origin_of(&origins, "loss") +
                      ": expected a mapping with a 'name' (a registered loss or none)");
    r.loss = tree_copy(*node);
    r.loss_name = (*node)["name"].as<std::string>();
    if (r.loss_name == "none") {
      r.skip_preference = true;
      for (const auto& k : map_keys(*node))
        if (k != "name")
          throw UserError("unknown config key 'loss." + k + "'" + origin_of(&origins, "loss." + k) +
                          ": loss 'none' (no preference optimisation) takes no options");
    } else {
      make_loss(r.loss, &origins);  // validates the name and every option
    }
  }

  r.sft = TrainerConfig::from_yaml(map_child(root, "sft").value_or(YAML::Node()), "sft", &origins);
  r.trainer =
      TrainerConfig::from_yaml(map_child(root, "trainer").value_or(YAML::Node()), "trainer", &origins);
  // Run-level defaults for what the stage sections leave unset.
  for (auto [stage, name] : {std::pair<TrainerConfig*, const char*>{&r.sft, "sft"},
                              std::pair<TrainerConfig*, const char*>{&r.trainer, "trainer"}}) {
    const std::string p = name;
    if (!explicitly_set(origins, p + ".device")) stage->device = r.device;
    if (!explicitly_set(origins, p + ".ref_cache_dir")) stage->ref_cache_dir = r.cache_dir + "/ref_logps";
  }
  // The preference stage's seed is the run's seed (so `seed=0,1,2` varies data order and DPO's
  // pairing). A trainer file may repeat it (`seed: ${seed}`) but not contradict it.
  if (explicitly_set(origins, "trainer.seed") && r.trainer.seed != r.seed)
    throw UserError("config key 'trainer.seed'" + origin_of(&origins, "trainer.seed") + " is " +
                    std::to_string(r.trainer.seed) + " but the run's seed is " + std::to_string(r.seed) +
                    ": the preference stage uses the top-level 'seed' (write 'seed: ${seed}' or drop the key)");
  r.trainer.seed = r.seed;

  r.truncation = read_section<TruncationConfig>(root, "truncation", origins);
  r.generation = read_section<GenerationSettings>(root, "generation", origins);
  {
    YAML::Node node;
    if (auto n = map_child(root, "eval")) node = *n;
    Fields f(node, "eval", &origins);
    r.eval.visit(f);
    f.done();
  }
  return r;
}

}  // namespace swepo::pipeline
