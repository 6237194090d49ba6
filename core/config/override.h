// Command-line overrides in Hydra's grammar (https://hydra.cc/docs/advanced/override_grammar/basic/):
//
//   key=value      change an existing key            model.d_model=64
//   +key=value     add a key that must not exist     +trainer.clip=1.0
//   ++key=value    add or change                     ++trainer.clip=1.0
//   ~key           delete a key                      ~eval.every
//   ~key=value     delete it if it has that value    ~eval.every=100
//   group=option   switch a config group's file      loss=dpo   (compose.h applies these)
//   +group=option  add a group not in the defaults   +extra=fast
//
// Values are typed: 1 (int), 1.5 / 1e-3 / inf / nan (float), true/false (bool), null, [a, 1]
// (list), {a: 1, b: [x]} (dict), 'quoted' / "quoted" (always a string), anything else a string
// (spaces inside allowed, ends trimmed). `key=` sets the empty string. ${...} is kept for
// interpolation after composition. A top-level comma (a=1,2) is a sweep, not a value: it is an
// error here; sweeps parse each choice with override_choices_parse().
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"  // Origins

namespace swepo {

struct Override {
  enum class Op { Set, Add, ForceAdd, Delete };
  Op op = Op::Set;
  std::string key;         // dotted config key ("trainer.lr") or config group ("loss", "a/b")
  bool has_value = false;  // false only for `~key`
  YAML::Node value;        // the typed value (a Null node for `key=null`)
  std::string text;        // the override as written, for messages
};

// Parses one override; UserError names the text and what is wrong.
Override override_parse(const std::string& text);

// One value in Hydra's grammar; `context` (e.g. the whole override) prefixes error messages.
YAML::Node override_value_parse(const std::string& value, const std::string& context);
// A comma-separated list of values at the top level ("dpo,swepo", "[1,2],[3]"): sweep choices.
std::vector<YAML::Node> override_choices_parse(const std::string& value, const std::string& context);

// Applies a config-key override (not a group override) to `root`, a mapping. Records
// "<command line>" as the origin of every key it sets and forgets the origins of what it deletes.
// `schema` (optional): the typed config's shape (compose.h's ConfigSchemaFn). A mapping it declares
// (the root included) is closed: the typed config rejects any key not already there, so for
// `key=value` on a missing key the error names the closest key and does not suggest '+key=value';
// that hint is given only under mappings the schema leaves open (or without a schema).
void override_apply(YAML::Node& root, const Override& o, Origins* origins,
                    const YAML::Node& schema = YAML::Node());

// The origin recorded for keys set on the command line.
inline constexpr const char* kCommandLineOrigin = "<command line>";

}  // namespace swepo
