// Dataset fingerprints: SHA-256 over the records' text and scores (length-prefixed,
// order-sensitive), the data part of every cache key (SFT model, trainer checkpoint, reference
// log-probs). Tensor-free.
#pragma once
#include <string>
#include <vector>

#include "core/data/records.h"

namespace swepo {

std::string preference_dataset_fingerprint(const std::vector<PreferenceRecord>& records);
std::string sft_dataset_fingerprint(const std::vector<SftRecord>& records);

}  // namespace swepo
