// The panel of rule-based generators ("models") of different quality and verbosity, the SFT
// demonstrator and the evaluation baseline. Each is a pure function of (item, rng). Tensor-free.
//
// How to add a generator: one row in generator_table() (generators.cpp). Row order is part of the
// data (panels are drawn by index): append, never reorder.
#pragma once
#include <string>
#include <vector>

#include "core/util/seeding.h"
#include "synth/task.h"

namespace swepo::synth {

struct Generator {
  const char* name;
  std::string (*generate)(const Item& item, Rng& rng);
  const char* help;
};

const std::vector<Generator>& generator_table();
std::vector<std::string> generator_names();
const Generator& generator_by_name(const std::string& name);  // UserError listing valid names

// Building blocks (also used by the SFT demonstrator and the baseline).
// Each character is replaced, with probability `rate`, by a different random alphabet character.
std::string corrupt(const std::string& s, double rate, Rng& rng);

// The evaluation baseline (AlpacaEval's reference model): the answer with per-character error rate
// `rate`. Its verbose variant appends " ok done" (8 characters of filler); its concise variant keeps
// the first max(1, ceil(0.7·n)) characters. All three come from ONE draw of the noise, so they
// differ only in length, like a model prompted to be verbose or concise.
struct BaselineOutputs {
  std::string plain, verbose, concise;
};
BaselineOutputs baseline_outputs(const Item& item, double rate, Rng& rng);

// One SFT demonstration: corrupt(answer, error_rate), then with probability filler_fraction the
// filler " ok" (the corpus's systematic, score-visible flaw; FEASIBILITY finding 3).
std::string sft_demonstration(const Item& item, double error_rate, double filler_fraction, Rng& rng);

}  // namespace swepo::synth
