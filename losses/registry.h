// The registry of preference losses: one explicit table (losses/registry.cpp), in the order
// `swepo losses` lists them. A loss is its options struct (with visit()) plus one compute function
// (losses/loss_<name>.{h,cpp}); the table row wraps them into a Loss that validates the batch once
// and then calls the function. How to add a loss: losses/README.md.
//
// The `loss:` config section is parsed once, at the edge, into a LossSpec; the pipeline holds the
// spec, not the YAML, and builds the loss from it without parsing again.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "losses/loss.h"

namespace swepo {

struct LossInfo;

// One option of a parsed loss section: its key and resolved value as one-line YAML text ("0.1",
// "best_vs_random"); numbers in their shortest round-trip form.
struct OptionValue {
  std::string key, value;
};

// The `loss:` section {name: X, <options of X>}, parsed and validated once. Copyable (each copy
// carries its own copy of the small options struct).
struct LossSpec {
  const LossInfo* info = nullptr;     // the registry row: name, summary, traits
  std::vector<OptionValue> options;   // every option of X with its resolved value, in visit() order
  std::function<std::unique_ptr<Loss>()> build;  // holds the parsed options struct

  const std::string& name() const;
  std::unique_ptr<Loss> make() const { return build(); }  // a new loss; never parses again
  // {name: X, key: value, ...} with every option (defaults included), as a fresh tree: what the
  // run records and fingerprints, so a preset that omits a default equals one that states it.
  YAML::Node to_yaml() const;
};

struct LossInfo {
  std::string name;     // registry name (the `loss.name` config key)
  std::string summary;  // one line, with its paper
  LossTraits traits;
  std::function<std::vector<OptionDoc>()> describe;  // options of a default-constructed struct
  // Reads the options mapping (null: all defaults) into a spec whose `info` the caller sets (use
  // parse_loss_spec). `path` prefixes keys in errors.
  std::function<LossSpec(const YAML::Node& options, const std::string& path,
                         const Origins* origins)>
      parse;
};

const std::vector<LossInfo>& loss_registry();
std::vector<std::string> loss_names();
// The row for `name`; UserError listing the valid names (with a did-you-mean) when unknown.
const LossInfo& find_loss(const std::string& name);

// Parses a `loss:` config section {name: X, <options of X>}. Unknown names and unknown or
// ill-typed options are UserErrors naming the key (as `loss.<key>`), its file (from `origins`) and
// the closest valid key.
LossSpec parse_loss_spec(const YAML::Node& loss_cfg, const Origins* origins = nullptr);

// parse_loss_spec(loss_cfg, origins).make(): for callers that need the loss once.
std::unique_ptr<Loss> make_loss(const YAML::Node& loss_cfg, const Origins* origins = nullptr);

}  // namespace swepo
