// Views of a resolved config: YAML text for `--cfg`, a stable hash for run identity, and flat
// (dotted key, value text) pairs for a results store's params table.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace swepo {

// Block-style YAML in the config's own key order, ending in a newline; null prints as `null`,
// strings that would read back as another type are quoted ('1' -> "1"). Loading the text back
// gives an equal config (tree_equal).
std::string config_to_yaml(const YAML::Node& config);

// SHA-256 (64 hex characters) of the canonical form (tree.h: keys sorted at every level, scalars
// normalised), so it does not depend on key order in files or on 1e-3 vs 0.001. Without the seed,
// the top-level `seed` key is left out: runs that differ only by seed share that hash. Top-level
// `*_seed` keys that are null (derived from `seed`: data_seed, pair_seed, eval_seed) are left out
// too, so adding such a key did not change the identity of the runs recorded before it.
std::string config_hash(const YAML::Node& config, bool include_seed);

// Leaves as (dotted key, text): keys sorted at every level; scalars as their text (null -> "null");
// lists and empty mappings as one flow-YAML value ("[1, 2]", "{}").
std::vector<std::pair<std::string, std::string>> flatten_config(const YAML::Node& config);

}  // namespace swepo
