// SynthFeedback's task: instruction following on short strings with a programmatically known answer.
//
// A prompt is "<family>: <payload>", e.g. "sort: q7b3a"; the correct response is the family applied
// to the payload ("37abq"). Payloads use the alphabet a-z0-9 (no spaces), so everything a response
// holds from its first space on is filler (see gold.h). Tensor-free.
//
// How to add a family: one row in family_table() (task.cpp) with its name and transform.
#pragma once
#include <string>
#include <vector>

#include "core/util/seeding.h"

namespace swepo::synth {

inline constexpr const char* kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

struct Family {
  const char* name;
  std::string (*apply)(const std::string& payload);
  const char* help;
};

// Every family, in a fixed order (the order is part of the data: do not reorder rows).
const std::vector<Family>& family_table();
std::vector<std::string> family_names();
// The family called `name`; UserError listing the valid names otherwise.
const Family& family_by_name(const std::string& name);

// One instruction with its correct answer.
struct Item {
  std::string family;
  std::string payload;
  std::string prompt;  // "<family>: <payload>"
  std::string answer;  // family(payload)
};

std::string make_prompt(const std::string& family, const std::string& payload);
Item make_item(const std::string& family, const std::string& payload);
// A random item: family uniform over `families`, payload length uniform in [len_min, len_max],
// characters uniform over kAlphabet.
Item sample_item(Rng& rng, const std::vector<std::string>& families, int len_min, int len_max);
std::string random_payload(Rng& rng, int len);

}  // namespace swepo::synth
