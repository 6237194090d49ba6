#include "synth/task.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo::synth {
namespace {

std::string fam_reverse(const std::string& s) { return std::string(s.rbegin(), s.rend()); }
std::string fam_sort(const std::string& s) {
  std::string r = s;
  std::sort(r.begin(), r.end());
  return r;
}
std::string fam_dedup(const std::string& s) {
  std::string r;
  for (char c : s)
    if (r.find(c) == std::string::npos) r.push_back(c);
  return r;
}
std::string fam_rot1(const std::string& s) {
  std::string r = s;
  for (char& c : r) {
    if (c >= 'a' && c <= 'z') c = c == 'z' ? 'a' : static_cast<char>(c + 1);
    else if (c >= '0' && c <= '9') c = c == '9' ? '0' : static_cast<char>(c + 1);
  }
  return r;
}
std::string fam_upper(const std::string& s) {
  std::string r = s;
  for (char& c : r) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return r;
}
std::string fam_count(const std::string& s) { return std::to_string(s.size()); }
std::string fam_swap(const std::string& s) {
  std::string r = s;
  for (size_t i = 0; i + 1 < r.size(); i += 2) std::swap(r[i], r[i + 1]);
  return r;
}
std::string fam_double(const std::string& s) {
  std::string r;
  for (char c : s) r.append(2, c);
  return r;
}

}  // namespace

const std::vector<Family>& family_table() {
  static const std::vector<Family> table = {
      // name      apply         help (example)
      {"reverse",  fam_reverse,  "reverse the string (q7b3a -> a3b7q)"},
      {"sort",     fam_sort,     "sort the characters, digits first (q7b3a -> 37abq)"},
      {"dedup",    fam_dedup,    "drop repeated characters, keep first (abca -> abc)"},
      {"rot1",     fam_rot1,     "shift letters and digits by one (az9 -> ba0)"},
      {"upper",    fam_upper,    "uppercase the letters (q7b -> Q7B)"},
      {"count",    fam_count,    "number of characters (q7b3a -> 5)"},
      {"swap",     fam_swap,     "swap adjacent pairs (abcde -> badce)"},
      {"double",   fam_double,   "repeat every character (ab -> aabb)"},
  };
  return table;
}

std::vector<std::string> family_names() {
  std::vector<std::string> names;
  for (const auto& f : family_table()) names.push_back(f.name);
  return names;
}

const Family& family_by_name(const std::string& name) {
  for (const auto& f : family_table())
    if (name == f.name) return f;
  throw UserError("unknown instruction family '" + name + "'" + did_you_mean(name, family_names()) +
                  "; valid: " + join(family_names(), ", "));
}

std::string make_prompt(const std::string& family, const std::string& payload) {
  return family + ": " + payload;
}

Item make_item(const std::string& family, const std::string& payload) {
  return {family, payload, make_prompt(family, payload), family_by_name(family).apply(payload)};
}

std::string random_payload(Rng& rng, int len) {
  std::string s;
  for (int i = 0; i < len; ++i) s.push_back(kAlphabet[rng.uniform_int(0, 35)]);
  return s;
}

Item sample_item(Rng& rng, const std::vector<std::string>& families, int len_min, int len_max) {
  const std::string& fam = families[rng.uniform_int(0, static_cast<int64_t>(families.size()) - 1)];
  const int len = static_cast<int>(rng.uniform_int(len_min, len_max));
  return make_item(fam, random_payload(rng, len));
}

}  // namespace swepo::synth
