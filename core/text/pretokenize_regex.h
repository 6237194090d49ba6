// A compiled PCRE2 pattern (UTF + UCP, so \p{L}, \p{N}, \s, (?i:...) and (?!\S) mean what they
// mean in the Oniguruma / fancy-regex patterns of tokenizer.json) and its non-overlapping matches.
// Thread-safe: each call allocates its own match data.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace swepo::text {

class Regex {
 public:
  // `literal`: match `pattern` as plain text. A bad pattern is a UserError naming `where`.
  Regex(const std::string& pattern, bool literal, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // Byte spans [begin, end) of the non-empty, non-overlapping matches, left to right.
  std::vector<std::pair<size_t, size_t>> find_all(std::string_view s) const;
  // `s` with every match replaced by `with`.
  std::string replace_all(std::string_view s, const std::string& with) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace swepo::text
