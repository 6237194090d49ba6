// A run's identity, built in one place for `swepo run` and sweep planning (sweeps/sweep_plan.h),
// so a job registered by a sweep and the run that claims it agree on it.
//
//   config_hash  config_hash(config, without seed) when the run reads no input file; otherwise
//                SHA-256 of that hash and its inputs' content fingerprints
//                (core/util/fingerprint.h), so new contents under an old path make a new run
//   params       the flattened config, plus one `inputs.<config key>` per input file whose value
//                is that file's (or directory's) fingerprint: `size=.. xxh64=..`
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/config/compose.h"
#include "core/store/store.h"

namespace swepo {

// Config key naming an input file or directory -> its content fingerprint, in key order.
using RunInputs = std::vector<std::pair<std::string, std::string>>;

inline constexpr const char* kInputParamPrefix = "inputs.";

RunSpec run_spec_of(const ComposedConfig& c, int64_t seed, const RunInputs& inputs = {});

// The config hash with the inputs mixed in (the first line above).
std::string run_identity_hash(const YAML::Node& config, const RunInputs& inputs);

}  // namespace swepo
