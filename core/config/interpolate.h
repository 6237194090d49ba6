// Interpolation ${path.to.key}, resolved in place after composition and overrides (OmegaConf's
// semantics, without resolvers):
//   a: ${b.c}          whole value: a becomes a copy of b.c, with its type (int, list, mapping...)
//   a: run_${seed}     embedded: a string; the target must be a scalar (null reads "null")
//   a: ${x.${y}}       nested: the inner reference is resolved first
//   a: ${.sibling}     relative: one dot = the mapping that holds a, two dots = its parent, ...
//   a: \${b}           escaped: the literal text ${b}
// References resolve to the target's own resolved value (chains follow); sequence elements are
// addressed by index (${list.0}). Missing targets and cycles are UserErrors naming the key that
// holds the reference, the reference, and the missing key (with a did-you-mean) or the cycle.
#pragma once
#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"  // Origins

namespace swepo {

// `origins` (optional) lets messages name the file that holds the failing reference.
void resolve_interpolations(YAML::Node& root, const Origins* origins = nullptr);

}  // namespace swepo
