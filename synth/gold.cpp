#include "synth/gold.h"

#include <algorithm>
#include <cmath>

#include "core/util/strings.h"

namespace swepo::synth {

int filler_chars(const std::string& response) {
  const auto pos = response.find(' ');
  return pos == std::string::npos ? 0 : static_cast<int>(response.size() - pos);
}

int extra_chars(const std::string& answer, const std::string& response) {
  return std::max(0, static_cast<int>(response.size()) - static_cast<int>(answer.size()));
}

double gold_reward(const std::string& answer, const std::string& response, double filler_penalty) {
  const double denom = std::max<double>({1.0, static_cast<double>(answer.size()),
                                         static_cast<double>(response.size())});
  const double ed = edit_distance(response, answer);
  const double r = 10.0 * (1.0 - ed / denom) - filler_penalty * filler_chars(response);
  return std::clamp(r, 0.0, 10.0);
}

double annotator_score(double gold, int extra, double z, const AnnotatorParams& p) {
  const double raw = gold + p.noise * z + p.verbosity_bias * extra;
  return std::round(std::clamp(raw, 1.0, 10.0));
}

double annotate(const std::string& answer, const std::string& response, double filler_penalty,
                const AnnotatorParams& p, Rng& rng) {
  const double z = rng.normal();
  return annotator_score(gold_reward(answer, response, filler_penalty), extra_chars(answer, response), z,
                         p);
}

}  // namespace swepo::synth
