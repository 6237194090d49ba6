#include "core/text/pretokenize_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

#include "core/text/tokenizer_utf8.h"
#include "core/util/error.h"

namespace swepo::text {

struct Regex::Impl {
  pcre2_code* code = nullptr;  // null for a literal pattern
  bool jit = false;
  std::string literal;
};

Regex::Regex(const std::string& pattern, bool literal, const std::string& where) : impl_(new Impl) {
  if (literal) {
    if (pattern.empty()) throw UserError(where + ": an empty String pattern matches nothing");
    impl_->literal = pattern;
    return;
  }
  int err = 0;
  PCRE2_SIZE err_off = 0;
  const uint32_t opts = PCRE2_UTF | PCRE2_UCP;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), opts, &err,
                              &err_off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw UserError(where + ": regex /" + pattern + "/ does not compile at offset " +
                    std::to_string(err_off) + ": " + reinterpret_cast<const char*>(msg));
  }
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

Regex::~Regex() {
  if (impl_ && impl_->code) pcre2_code_free(impl_->code);
}

std::vector<std::pair<size_t, size_t>> Regex::find_all(std::string_view s) const {
  std::vector<std::pair<size_t, size_t>> out;
  if (!impl_->code) {
    const std::string& lit = impl_->literal;
    for (size_t pos = s.find(lit); pos != std::string_view::npos; pos = s.find(lit, pos + lit.size()))
      out.emplace_back(pos, pos + lit.size());
    return out;
  }
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(s.data());
  size_t pos = 0;
  while (pos <= s.size()) {
    // The subject is valid UTF-8 (checked once by the tokenizer), so skip PCRE2's re-check.
    int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr)
                        : PCRE2_ERROR_JIT_STACKLIMIT;
    // The JIT's stack is small: on its limit (or without JIT) run the interpreter, whose limits
    // are far larger; any other failure than "no match" must not cut the text short silently.
    if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
      rc = pcre2_match(impl_->code, subject, s.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      pcre2_match_data_free(md);
      throw std::runtime_error(std::string("regex match failed: ") + reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t b = ov[0], e = ov[1];
    if (e > b) {
      out.emplace_back(b, e);
      pos = e;
    } else {  // an empty match: step over one character
      if (b >= s.size()) break;
      pos = b + utf8_char_len(s, b);
    }
  }
  pcre2_match_data_free(md);
  return out;
}

std::string Regex::replace_all(std::string_view s, const std::string& with) const {
  std::string out;
  size_t last = 0;
  for (const auto& [b, e] : find_all(s)) {
    out.append(s.substr(last, b - last));
    out += with;
    last = e;
  }
  out.append(s.substr(last));
  return out;
}

}  // namespace swepo::text
