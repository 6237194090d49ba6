#include "experiments/pipeline/run_config.h"

#include <filesystem>
#include <set>

#include "core/config/tree.h"
#include "engine/hf_config.h"
#include "core/data/loaders.h"
#include "core/util/error.h"
#include "core/util/strings.h"
#include "losses/registry.h"

namespace swepo::pipeline {
namespace {

// Reads `T` (a struct with visit()) from the mapping at `key` (absent or null: defaults).
template <class T>
T read_section(const YAML::Node& root, const std::string& key, const Origins& origins) {
  return read_fields<T>(map_child(root, key).value_or(YAML::Node()), key, &origins);
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
  } else {
    d.file = read_section<FileDataConfig>(root, "data", origins);
  }
  return d;
}

}  // namespace

std::vector<std::string> data_source_names() {
  return {"synthfeedback", "jsonl", "ultrafeedback", "ultrafeedback_binarized"};
}

const std::vector<std::string>& run_config_keys() {
  static const std::vector<std::string> keys = {"seed",    "data_seed",  "pair_seed",  "eval_seed",
                                                "device",  "output_dir", "cache_dir",
                                                "model",   "data",       "loss",       "sft",
                                                "sft_data", "trainer",   "lora",       "truncation",
                                                "generation", "eval"};
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
  // data_seed, pair_seed, eval_seed: null (derived) or an integer >= 0.
  for (auto [key, out] : {std::pair<const char*, std::optional<int64_t>*>{"data_seed", &r.data_seed},
                          {"pair_seed", &r.pair_seed},
                          {"eval_seed", &r.eval_seed}}) {
    auto n = map_child(root, key);
    if (!n || n->IsNull()) continue;
    YAML::Node one(YAML::NodeType::Map);
    one[key] = *n;
    int64_t v = 0;
    Fields f(one, "", &origins);
    f(key, v, "a separate seed");
    f.require(v >= 0, key, "must be null (derived from seed) or an integer >= 0");
    f.done();
    *out = v;
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
    r.loss_name = (*node)["name"].as<std::string>();
    if (r.loss_name == "none") {
      r.skip_preference = true;
      for (const auto& k : map_keys(*node))
        if (k != "name")
          throw UserError("unknown config key 'loss." + k + "'" + origin_of(&origins, "loss." + k) +
                          ": loss 'none' (no preference optimisation) takes no options");
    } else {
      r.loss = parse_loss_spec(*node, &origins);  // validates the name and every option
    }
  }

  r.sft = TrainerConfig::from_yaml(map_child(root, "sft").value_or(YAML::Node()), "sft", &origins);
  r.sft_data = read_section<SftDataConfig>(root, "sft_data", origins);
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
  r.trainer.data_seed = r.data_seed.value_or(-1);
  r.trainer.pair_seed = r.pair_seed.value_or(-1);
  r.lora = read_section<LoraConfig>(root, "lora", origins);
  // LoRA trains the preference stage's adapters; the SFT stage trains every weight (its cached model
  // is the base the adapters are added to). bf16 storage applies to frozen weights only.
  if (r.sft.peft != "none")
    throw UserError("config key 'sft.peft'" + origin_of(&origins, "sft.peft") + " is '" + r.sft.peft +
                    "': LoRA applies to the preference stage (trainer.peft: lora); the SFT stage trains "
                    "every weight");
  for (auto [stage, name] : {std::pair<const TrainerConfig*, const char*>{&r.sft, "sft"},
                              std::pair<const TrainerConfig*, const char*>{&r.trainer, "trainer"}}) {
    const std::string key = std::string(name) + ".precision";
    if (stage->precision == "bf16" && stage->peft != "lora")
      throw UserError("config key '" + key + "'" + origin_of(&origins, key) +
                      " is bf16, which stores the frozen weights in bf16, but with " + name +
                      ".peft: none nothing is frozen; use bf16_autocast (bf16 compute, float32 weights)");
  }

  r.truncation = read_section<TruncationConfig>(root, "truncation", origins);
  // The temperatures come from eval.decodings: a generation.temperature would be silently unused.
  if (explicitly_set(origins, "generation.temperature"))
    throw UserError("config key 'generation.temperature'" + origin_of(&origins, "generation.temperature") +
                    ": evaluation temperatures are set per decoding in eval.decodings "
                    "(e.g. 'eval.decodings=[{temperature: 0.7, seeds: [0]}]')");
  r.generation = read_section<GenerationConfig>(root, "generation", origins);
  r.eval = read_section<synth::EvalConfig>(root, "eval", origins);
  return r;
}

void resolve_hf_model(ComposedConfig& c, RunConfig& cfg) {
  const ModelConfig& user = cfg.model;
  if (user.path.empty()) return;
  if (user.tokenizer != "hf")
    throw UserError("config key 'model.path'" + origin_of(&c.origins, "model.path") + " is set to '" + user.path +
                    "' but the model group is '" + user.name + "' (tokenizer " + user.tokenizer +
                    "): a Hugging Face checkpoint is loaded with model=hf (swepo run model=hf model.path=" +
                    user.path + ")");
  if (!std::filesystem::is_directory(user.path))
    throw UserError("config key 'model.path'" + origin_of(&c.origins, "model.path") + ": '" + user.path +
                    "' is not a directory");
  const ModelConfig resolved = hf_resolve_model_config(user);
  // The keys hf_resolve_model_config keeps from the user; every other one comes from config.json.
  const std::set<std::string> kept = {"name", "tokenizer", "path", "dtype", "chat_template", "init_std"};
  YAML::Node recorded = with_defaults(YAML::Node(), resolved);
  for (const auto& key : map_keys(recorded)) {
    if (kept.count(key)) continue;
    const auto o = c.origins.find("model." + key);
    if (o != c.origins.end())
      throw UserError("config key 'model." + key + "'" + origin_of(&c.origins, "model." + key) +
                      ": with model=hf every size and the architecture come from " + user.path +
                      "/config.json; drop the key (it would be ignored)");
  }
  c.config["model"] = recorded;
  cfg.model = resolved;
}

YAML::Node run_config_schema(const YAML::Node& merged) {
  const YAML::Node none;
  YAML::Node d(YAML::NodeType::Map);
  d["model"] = with_defaults(none, ModelConfig{});
  // data: the struct of the chosen source. A synthfeedback cache_dir follows the run's cache_dir.
  std::string source = "synthfeedback";
  if (auto data = map_child(merged, "data"); data && data->IsMap())
    if (auto s = map_child(*data, "source"); s && s->IsScalar()) source = s->Scalar();
  if (source == "jsonl" || source == "ultrafeedback" || source == "ultrafeedback_binarized") {
    FileDataConfig f;
    f.source = source;
    d["data"] = with_defaults(none, f);
  } else if (source == "synthfeedback") {
    d["data"] = with_defaults(none, synth::SynthConfig{}, {"cache_dir"});
    d["data"]["cache_dir"] = "${cache_dir}/data";
  }
  // loss: every option of the named loss (an unknown name is reported by run_config_from).
  if (auto loss = map_child(merged, "loss"); loss && loss->IsMap())
    if (auto name = map_child(*loss, "name"); name && name->IsScalar() && name->Scalar() != "none") {
      for (const auto& info : loss_registry())
        if (info.name == name->Scalar()) {
          YAML::Node options(YAML::NodeType::Map);
          for (const auto& doc : info.describe()) options[doc.key] = YAML::Load(doc.default_value);
          d["loss"] = options;
        }
    }
  // A stage's device and reference cache follow the run's device and cache_dir (interpolations,
  // resolved after the overrides); the preference stage's seed is the run's seed and evaluation
  // temperatures come from eval.decodings: those two are left out.
  for (const char* stage : {"sft", "trainer"}) {
    d[stage] = with_defaults(none, TrainerConfig{}, {"seed", "device", "ref_cache_dir"});
    if (std::string(stage) == "sft") d[stage]["seed"] = TrainerConfig{}.seed;
    d[stage]["device"] = "${device}";
    d[stage]["ref_cache_dir"] = "${cache_dir}/ref_logps";
  }
  d["sft_data"] = with_defaults(none, SftDataConfig{});
  d["lora"] = with_defaults(none, LoraConfig{});
  d["truncation"] = with_defaults(none, TruncationConfig{});
  d["generation"] = with_defaults(none, GenerationConfig{}, {"temperature"});
  d["eval"] = with_defaults(none, synth::EvalConfig{});
  return d;
}

ComposedConfig compose_run_config(const std::string& conf_dir, const std::vector<std::string>& overrides) {
  return compose_config(conf_dir, overrides, "config", run_config_schema);
}

}  // namespace swepo::pipeline
