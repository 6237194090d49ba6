// Every default is declared once, in its config struct: a shipped preset (experiments/conf/<group>/
// *.yaml) holds only what it changes. Checked here for every preset of every group: it composes and
// resolves, and each key it sets differs from the struct's default unless the key's line says why
// it is repeated ("# deliberate: ...").
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "core/config/fields.h"
#include "core/config/tree.h"
#include "core/data/loaders.h"
#include "engine/generate.h"
#include "engine/model_config.h"
#include "engine/train_config.h"
#include "experiments/pipeline/pipeline.h"
#include "losses/registry.h"
#include "synth/eval_config.h"
#include "synth/synth_config.h"

namespace swepo::pipeline {
namespace {

namespace fs = std::filesystem;
const std::string kConf = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf";

// The struct defaults of a group's options as a mapping (every declared key).
template <class T>
YAML::Node defaults_of() {
  return with_defaults(YAML::Node(), T{});
}

YAML::Node group_defaults(const std::string& group, const YAML::Node& preset) {
  if (group == "model") return defaults_of<ModelConfig>();
  if (group == "trainer" || group == "sft") return defaults_of<TrainerConfig>();
  if (group == "generation") return defaults_of<GenerationConfig>();
  if (group == "eval") return defaults_of<synth::EvalConfig>();
  if (group == "data") {
    const std::string source = preset["source"] ? preset["source"].as<std::string>() : "synthfeedback";
    if (source == "jsonl" || source == "ultrafeedback" || source == "ultrafeedback_binarized")
      return defaults_of<FileDataConfig>();
    return defaults_of<synth::SynthConfig>();
  }
  if (group == "loss") {
    YAML::Node d(YAML::NodeType::Map);
    const std::string name = preset["name"].as<std::string>();
    if (name == "none") return d;
    for (const auto& doc : find_loss(name).describe()) d[doc.key] = YAML::Load(doc.default_value);
    return d;
  }
  ADD_FAILURE() << "no struct known for config group '" << group << "'";
  return {};
}

// The file's line that sets top-level `key`.
std::string line_of(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  const std::regex re("^" + key + "\\s*:");
  while (std::getline(in, line))
    if (std::regex_search(line, re)) return line;
  return "";
}

std::vector<std::pair<std::string, std::string>> presets() {  // (group, option)
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& dir : fs::directory_iterator(kConf)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path()))
      if (f.path().extension() == ".yaml")
        out.emplace_back(dir.path().filename().string(), f.path().stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ConfPresets, EveryGroupHasPresets) {
  std::set<std::string> groups;
  for (const auto& [g, o] : presets()) groups.insert(g);
  EXPECT_EQ(groups, (std::set<std::string>{"data", "eval", "generation", "loss", "model", "sft", "trainer"}));
}

TEST(ConfPresets, EachComposesAndResolves) {
  for (const auto& [group, option] : presets()) {
    std::vector<std::string> overrides = {group + "=" + option};
    if (option == "jsonl" || option == "ultrafeedback" || option == "ultrafeedback_binarized") overrides.push_back("data.path=/dev/null");
    EXPECT_NO_THROW(resolve_run(kConf, overrides)) << group << "/" << option;
  }
}

TEST(ConfPresets, EveryKeySetDiffersFromTheStructDefaultOrSaysWhy) {
  for (const auto& [group, option] : presets()) {
    const std::string path = kConf + "/" + group + "/" + option + ".yaml";
    const YAML::Node preset = YAML::LoadFile(path);
    if (!preset || preset.IsNull() || (preset.IsMap() && preset.size() == 0)) continue;
    ASSERT_TRUE(preset.IsMap()) << path;
    const YAML::Node defaults = group_defaults(group, preset);
    for (const auto& kv : preset) {
      const std::string key = kv.first.as<std::string>();
      if (group == "loss" && key == "name") continue;  // the preset's identity
      ASSERT_TRUE(defaults[key]) << path << ": key '" << key << "' is not an option of its struct";
      if (tree_canonical(kv.second) != tree_canonical(defaults[key])) continue;
      EXPECT_NE(line_of(path, key).find("# deliberate"), std::string::npos)
          << path << ": '" << key << ": " << tree_canonical(kv.second)
          << "' repeats the struct default; drop it, or say why on its line ('# deliberate: ...')";
    }
  }
}

TEST(ConfPresets, TheResolvedConfigNamesEveryOption) {
  ResolvedRun r = resolve_run(kConf, {"loss=dpo"});
  const YAML::Node& c = r.composed.config;
  for (const auto& doc : [] { OptionDocs d; TrainerConfig{}.visit(d); return d.docs; }()) {
    EXPECT_EQ(bool(c["trainer"][doc.key]), doc.key != "seed") << "trainer." << doc.key;  // the run's seed
    EXPECT_TRUE(c["sft"][doc.key]) << "sft." << doc.key;
  }
  // Derived keys are interpolations of the run's keys, resolved after the overrides.
  ResolvedRun cpu = resolve_run(kConf, {"loss=dpo", "device=cpu", "cache_dir=/tmp/c"});
  EXPECT_EQ(cpu.composed.config["trainer"]["device"].as<std::string>(), "cpu");
  EXPECT_EQ(cpu.composed.config["sft"]["ref_cache_dir"].as<std::string>(), "/tmp/c/ref_logps");
  EXPECT_EQ(cpu.composed.config["data"]["cache_dir"].as<std::string>(), "/tmp/c/data");
  EXPECT_EQ(cpu.cfg.trainer.device, "cpu");
  EXPECT_EQ(cpu.cfg.data.synth.cache_dir, "/tmp/c/data");
  EXPECT_DOUBLE_EQ(c["trainer"]["lr"].as<double>(), TrainerConfig{}.lr);
  EXPECT_EQ(c["model"]["max_seq_len"].as<int64_t>(), 128);
  EXPECT_TRUE(c["loss"]["beta"]);  // the loss's options, from its struct
  EXPECT_TRUE(c["eval"]["decodings"]);
  EXPECT_FALSE(c["generation"]["temperature"]);  // set per decoding by eval.decodings
}

}  // namespace
}  // namespace swepo::pipeline
