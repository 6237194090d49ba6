#include "core/data/fingerprint.h"

#include <sstream>

#include "core/util/hash.h"

namespace swepo {
namespace {

void append_field(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

}  // namespace

std::string preference_dataset_fingerprint(const std::vector<PreferenceRecord>& records) {
  std::string all = "pref-v1";
  for (const auto& r : records) {
    append_field(all, r.prompt);
    all += "#" + std::to_string(r.responses.size());
    for (const auto& y : r.responses) append_field(all, y);
    std::ostringstream os;
    os.precision(17);
    for (double s : r.scores) os << s << ";";
    append_field(all, os.str());
  }
  return sha256_hex(all);
}

std::string sft_dataset_fingerprint(const std::vector<SftRecord>& records) {
  std::string all = "sft-v1";
  for (const auto& r : records) {
    append_field(all, r.prompt);
    append_field(all, r.response);
  }
  return sha256_hex(all);
}

}  // namespace swepo
