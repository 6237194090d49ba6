// UTF-8 helpers for the tokenizers: code point boundaries, validation, the lossy decode used by
// the decoders (WHATWG/Unicode "maximal subpart" replacement, as String::from_utf8_lossy and
// JavaScript's TextDecoder do), and GPT-2's byte <-> printable-character alphabet (ByteLevel).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace swepo::text {

// Length in bytes of the UTF-8 sequence starting at s[i] (1 for an invalid or truncated one).
size_t utf8_char_len(std::string_view s, size_t i);
// Byte offset of the first invalid UTF-8 sequence in `s`, or npos when `s` is valid UTF-8.
size_t utf8_invalid_offset(std::string_view s);
// Code point of the valid sequence at s[i..i+len) (len from utf8_char_len).
uint32_t utf8_decode_at(std::string_view s, size_t i, size_t len);
void utf8_append(std::string& out, uint32_t cp);
// `bytes` as UTF-8 with every maximal invalid subpart replaced by U+FFFD.
std::string utf8_lossy(std::string_view bytes);
// Whether code point `cp` is Unicode whitespace (White_Space property).
bool is_unicode_space(uint32_t cp);
// Whether `cp` is a letter or number (word character for added tokens' single_word).
bool is_unicode_alnum(uint32_t cp);

// GPT-2's bytes_to_unicode(): byte b -> one printable character (UTF-8), and back.
struct ByteAlphabet {
  std::array<std::string, 256> byte_to_char;
  // Code point -> byte, or -1 for characters outside the alphabet (code points < 324).
  std::array<int16_t, 324> char_to_byte;
};
const ByteAlphabet& byte_alphabet();

}  // namespace swepo::text
