// The registry of preference losses: one explicit table (losses/registry.cpp), in the order
// `swepo losses` lists them. How to add a loss: write losses/loss_<name>.{h,cpp} (an options struct
// with visit(), a make_loss_<name>(options, LossId) factory) and add one row to the table.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "losses/loss.h"

namespace swepo {

struct LossInfo {
  std::string name;     // registry name (the `loss.name` config key)
  std::string summary;  // one line, with its paper
  LossTraits traits;
  std::function<std::vector<OptionDoc>()> describe;  // options of a default-constructed struct
  // Builds the loss from its options mapping (null: all defaults). `path` prefixes keys in errors.
  std::function<std::unique_ptr<Loss>(const YAML::Node& options, const std::string& path,
                                      const Origins* origins)>
      make;
};

const std::vector<LossInfo>& loss_registry();
std::vector<std::string> loss_names();
// The row for `name`; UserError listing the valid names (with a did-you-mean) when unknown.
const LossInfo& find_loss(const std::string& name);

// Builds a loss from a `loss:` config section {name: X, <options of X>}. Unknown names and unknown
// or ill-typed options are UserErrors naming the key (as `loss.<key>`), its file (from `origins`)
// and the closest valid key.
std::unique_ptr<Loss> make_loss(const YAML::Node& loss_cfg, const Origins* origins = nullptr);

}  // namespace swepo
