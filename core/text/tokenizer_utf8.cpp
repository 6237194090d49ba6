#include "core/text/tokenizer_utf8.h"

#include <utf8proc.h>

namespace swepo::text {

namespace {
inline bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// The well-formed sequences a lead byte `c` (>= 0x80) starts (Unicode Table 3-7): their length
// `need` and the allowed range [lo, hi] of the second byte. False when `c` starts none.
bool lead_byte_rule(unsigned char c, size_t& need, unsigned char& lo, unsigned char& hi) {
  lo = 0x80;
  hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return false;
  }
  return true;
}
}  // namespace

size_t utf8_char_len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t need;
  unsigned char lo, hi;  // allowed range of the second byte
  if (c < 0x80 || !lead_byte_rule(c, need, lo, hi)) return 1;
  if (i + 1 >= s.size()) return 1;
  const auto c1 = static_cast<unsigned char>(s[i + 1]);
  if (c1 < lo || c1 > hi) return 1;
  for (size_t k = 2; k < need; ++k)
    if (i + k >= s.size() || !is_cont(static_cast<unsigned char>(s[i + k]))) return 1;
  return need;
}

namespace {
// Length of the valid sequence at i, or 0 when invalid (utf8_char_len returns 1 for both ASCII
// and invalid bytes).
size_t valid_len(std::string_view s, size_t i) {
  const size_t n = utf8_char_len(s, i);
  if (n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) return 0;
  return n;
}
// Length of the maximal subpart of an ill-formed sequence starting at i (>= 1).
size_t maximal_subpart(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t need;
  unsigned char lo, hi;
  if (!lead_byte_rule(c, need, lo, hi)) return 1;
  size_t k = 1;
  if (i + 1 < s.size()) {
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 >= lo && c1 <= hi) {
      k = 2;
      while (k < need && i + k < s.size() && is_cont(static_cast<unsigned char>(s[i + k]))) ++k;
    }
  }
  return k;
}
}  // namespace

size_t utf8_invalid_offset(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = valid_len(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

uint32_t utf8_decode_at(std::string_view s, size_t i, size_t len) {
  const auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(s[i + k])); };
  switch (len) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
    case 3: return ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    default: return ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
  }
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string utf8_lossy(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const size_t n = valid_len(s, i);
    if (n > 0) {
      out.append(s.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      i += maximal_subpart(s, i);
    }
  }
  return out;
}

bool is_unicode_space(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

bool is_unicode_alnum(uint32_t cp) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

const ByteAlphabet& byte_alphabet() {
  static const ByteAlphabet a = [] {
    ByteAlphabet r;
    r.char_to_byte.fill(-1);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      const int cp = printable ? b : next++;
      utf8_append(r.byte_to_char[static_cast<size_t>(b)], static_cast<uint32_t>(cp));
      r.char_to_byte[static_cast<size_t>(cp)] = static_cast<int16_t>(b);
    }
    return r;
  }();
  return a;
}

}  // namespace swepo::text
