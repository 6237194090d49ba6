// The hidden ground truth (gold reward R*) and the annotator that imitates a biased judge. Tensor-free.
//
//   R*(x, y) = clip(10 · (1 − ed(y, a) / max(|y|, |a|, 1)) − filler_penalty · filler(y), 0, 10)
//
// a = the correct answer of prompt x, ed = Levenshtein distance (the whole response, filler
// included, as in the prototype of FEASIBILITY.md), filler(y) = number of characters from the first
// space on (answers never contain a space, so anything after one is filler: " ok", " done").
//
//   annotator score = round(clip(R* + noise · z + verbosity_bias · extra(y), 1, 10)),  z ~ N(0, 1)
//
// extra(y) = max(0, |y| − |a|) is the annotator's verbosity bias, kept separate from the gold filler
// penalty so LC has something to correct. Rounding is half away from zero (std::round).
#pragma once
#include <string>

#include "core/util/seeding.h"

namespace swepo::synth {

int filler_chars(const std::string& response);                           // chars from the first space
int extra_chars(const std::string& answer, const std::string& response);  // max(0, |y| − |a|)
double gold_reward(const std::string& answer, const std::string& response, double filler_penalty);

struct AnnotatorParams {
  double noise = 1.0;           // standard deviation of the Gaussian noise
  double verbosity_bias = 0.1;  // added per extra character
};
// The score for a given standard-normal draw z (pure: for hand-worked tests).
double annotator_score(double gold, int extra, double z, const AnnotatorParams& p);
// Draws z from `rng`.
double annotate(const std::string& answer, const std::string& response, double filler_penalty,
                const AnnotatorParams& p, Rng& rng);

}  // namespace swepo::synth
