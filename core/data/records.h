// Text-level training records, shared by data sources (SynthFeedback, JSONL, UltraFeedback) and the
// engine (which tokenizes and collates them). Tensor-free.
#pragma once
#include <string>
#include <vector>

namespace swepo {

// One demonstration for SFT: the loss is on `response` tokens only.
struct SftRecord {
  std::string prompt;
  std::string response;
};

// One prompt with K >= 1 scored responses (K may differ between records).
struct PreferenceRecord {
  std::string prompt;
  std::vector<std::string> responses;  // [K]
  std::vector<double> scores;          // [K] annotator scores, e.g. 1..10
};

}  // namespace swepo
