#include "core/text/tokenizer_added.h"

#include <algorithm>

#include "core/text/tokenizer_utf8.h"

namespace swepo::text {

namespace {
// The code point that ends at byte `e` (exclusive) and its start.
uint32_t cp_before(const std::string& s, size_t e, size_t* start) {
  size_t k = e - 1;
  while (k > 0 && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
  *start = k;
  return utf8_decode_at(s, k, e - k);
}
bool is_word_cp(uint32_t cp) { return cp == '_' || is_unicode_alnum(cp); }
}  // namespace

AddedTokenMatcher::AddedTokenMatcher(const std::vector<const AddedToken*>& tokens) {
  for (const AddedToken* t : tokens)
    if (!t->content.empty()) tokens_.push_back(t);
  for (size_t i = 0; i < tokens_.size(); ++i)
    by_first_byte_[static_cast<unsigned char>(tokens_[i]->content[0])].push_back(i);
  for (auto& v : by_first_byte_)
    std::stable_sort(v.begin(), v.end(),
                     [&](size_t a, size_t b) { return tokens_[a]->content.size() > tokens_[b]->content.size(); });
}

std::vector<Section> AddedTokenMatcher::split(const std::string& s) const {
  // Matches as (begin, end, token) with lstrip/rstrip whitespace included in [begin, end).
  struct Match { size_t b, e; const AddedToken* t; };
  std::vector<Match> matches;
  size_t i = 0;
  while (i < s.size()) {
    const AddedToken* hit = nullptr;
    for (size_t k : by_first_byte_[static_cast<unsigned char>(s[i])]) {
      const std::string& c = tokens_[k]->content;
      if (s.compare(i, c.size(), c) == 0) {
        hit = tokens_[k];
        break;
      }
    }
    if (!hit) {
      ++i;
      continue;
    }
    size_t b = i, e = i + hit->content.size();
    i = e;
    if (hit->single_word) {
      size_t st = 0;
      const bool left_ok = b == 0 || !is_word_cp(cp_before(s, b, &st));
      const bool right_ok = e == s.size() || !is_word_cp(utf8_decode_at(s, e, utf8_char_len(s, e)));
      if (!left_ok || !right_ok) continue;
    }
    const size_t floor = matches.empty() ? 0 : matches.back().e;
    if (hit->lstrip)
      while (b > floor) {
        size_t st = 0;
        if (!is_unicode_space(cp_before(s, b, &st))) break;
        b = st;
      }
    if (hit->rstrip)
      while (e < s.size()) {
        const size_t n = utf8_char_len(s, e);
        if (!is_unicode_space(utf8_decode_at(s, e, n))) break;
        e += n;
      }
    i = e;
    matches.push_back({b, e, hit});
  }
  std::vector<Section> out;
  size_t last = 0;
  for (const auto& m : matches) {
    if (m.b > last) out.push_back({s.substr(last, m.b - last), -1, last});
    out.push_back({m.t->content, m.t->id, m.b});
    last = m.e;
  }
  if (last < s.size()) out.push_back({s.substr(last), -1, last});
  return out;
}

}  // namespace swepo::text
