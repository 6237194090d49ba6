// Hydra-style composition (https://hydra.cc/docs/advanced/defaults_list/), the subset swepo uses.
//
// conf_dir/config.yaml (the primary config) starts with a defaults list:
//   defaults:
//     - model: tiny      # config group `model` (folder conf_dir/model/), option tiny.yaml,
//                        #   merged under the key `model`
//     - optim: null      # a group with no option (a place-holder for +optim=... / optim=...)
//     - base             # conf_dir/base.yaml merged at the top level
//     - _self_           # where the primary file's own keys are merged (absent: last, Hydra 1.1+)
// Merging is deep (mappings merge key by key; anything else replaces) and later wins. Then
// `group=option` overrides (see override.h) change the defaults list before merging, the schema's
// defaults fill what the files leave out (optional, below), the other overrides apply to the
// merged tree in command-line order, and ${...} is resolved last.
//
//   ComposedConfig c = compose_config("experiments/conf", {"loss=dpo", "trainer.lr=1e-4"});
//   auto t = read_fields<TrainerConfig>(c.config["trainer"], "trainer", &c.origins);  // unknown keys name their file
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"  // Origins

namespace swepo {

struct ComposedConfig {
  YAML::Node config;  // the resolved config (a mapping)
  Origins origins;    // dotted key -> file that set it last, or "<command line>"
  std::map<std::string, std::string> choices;  // group -> chosen option; "null" when none
  std::vector<std::string> overrides;           // the overrides, as given
};

// The typed defaults behind a composed tree (Hydra's structured-config schema): given the tree the
// files merged into (before any key override), a mapping of every option the structs declare with
// its default. compose_config adds the keys the files leave out, so a preset holds only what it
// changes and `trainer.lr=...` still overrides a key that exists. Added keys have no origin. The
// mappings the schema declares are closed (Hydra's struct mode): `key=value` on a key missing from
// one is an error naming the closest key, without the '+key=value' hint of an open mapping.
using ConfigSchemaFn = std::function<YAML::Node(const YAML::Node& merged)>;

// Throws UserError for a missing or invalid file (naming it, with line for YAML syntax errors),
// a bad defaults list, an unknown group option (listing the valid ones), a bad override (naming
// it) and interpolation errors.
ComposedConfig compose_config(const std::string& conf_dir,
                              const std::vector<std::string>& overrides,
                              const std::string& config_name = "config",
                              const ConfigSchemaFn& schema = {});

// The options of a config group: the names of conf_dir/<group>/*.yaml, sorted.
std::vector<std::string> config_group_options(const std::string& conf_dir,
                                              const std::string& group);

}  // namespace swepo
