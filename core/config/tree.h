// Config trees as yaml-cpp nodes: scalar typing, dotted key paths, copies, deep merges and a
// canonical text form (sorted keys, typed scalars) used for equality and hashing.
//
// yaml-cpp nodes are references: assigning one node into another tree shares it. Every function
// here that puts a node into a tree puts a tree_copy() of it, so trees never alias.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"  // Origins

namespace swepo {

// How a scalar reads under YAML 1.2's core schema. Quoted scalars ('1', "true") are strings.
enum class ScalarKind { Null, Bool, Int, Float, String };
ScalarKind scalar_kind(const YAML::Node& n);                 // n: a Null or Scalar node
ScalarKind scalar_kind_of_plain(const std::string& text);    // text as an unquoted scalar
YAML::Node config_string(const std::string& s);  // a scalar that stays a string ("1" != 1)

// Reads a YAML file; a missing file, a syntax error or a repeated key is a UserError
// ("FILE:LINE:COL: ..." where yaml-cpp gives a position).
YAML::Node load_yaml_file(const std::string& path);

YAML::Node tree_copy(const YAML::Node& n);  // deep copy that shares nothing with n

// "a.b.c" -> {"a", "b", "c"}; "" -> {}. Throws UserError on an empty segment ("a..b").
std::vector<std::string> key_path_split(const std::string& dotted);
std::string key_path_join(const std::string& prefix, const std::string& key);  // "a" + "b" -> "a.b"

// Child of a mapping by key (by iteration: never inserts, never converts the node).
std::optional<YAML::Node> map_child(const YAML::Node& map, const std::string& key);
std::vector<std::string> map_keys(const YAML::Node& map);  // in file order
// The node at a dotted path (mapping keys; sequence indices as numbers); nullopt if absent.
std::optional<YAML::Node> tree_find(const YAML::Node& root, const std::string& dotted);

// Deep merge of mapping `src` into mapping `dst`: mappings merge key by key, anything else
// (scalars, lists, null) replaces; later wins. Records `origin` for every key path src sets.
void tree_merge(YAML::Node& dst, const YAML::Node& src, const std::string& prefix,
                const std::string& origin, Origins* origins);
// origins[prefix] = origin for prefix and every mapping key path below it in `n`.
void origins_record(Origins& origins, const YAML::Node& n, const std::string& prefix,
                    const std::string& origin);
void origins_erase_under(Origins& origins, const std::string& prefix);  // prefix and below

// Canonical text: mapping keys sorted (bytewise) at every level, scalars typed and normalised
// (1e-3 == 0.001, True == true, '1' != 1). Equal trees <=> equal text.
std::string tree_canonical(const YAML::Node& n);
bool tree_equal(const YAML::Node& a, const YAML::Node& b);

}  // namespace swepo
