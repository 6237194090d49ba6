#include "core/text/tokenizer_normalize.h"

#include <utf8proc.h>

#include <cstdlib>
#include <vector>

#include "core/text/pretokenize_regex.h"
#include "core/text/tokenizer_utf8.h"

namespace swepo::text {

namespace {

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(utf8proc_option_t opts) : opts_(opts) {}
  std::string normalize(const std::string& s) const override {
    utf8proc_uint8_t* out = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                static_cast<utf8proc_ssize_t>(s.size()), &out, opts_);
    if (n < 0) return s;  // the input was checked to be UTF-8; keep it unchanged if utf8proc refuses
    std::string r(reinterpret_cast<char*>(out), static_cast<size_t>(n));
    std::free(out);
    return r;
  }

 private:
  utf8proc_option_t opts_;
};

class LowercaseNormalizer final : public Normalizer {
 public:
  std::string normalize(const std::string& s) const override {
    std::string out;
    for (size_t i = 0; i < s.size();) {
      const size_t n = utf8_char_len(s, i);
      const uint32_t cp = utf8_decode_at(s, i, n);
      utf8_append(out, static_cast<uint32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
      i += n;
    }
    return out;
  }
};

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string p) : p_(std::move(p)) {}
  std::string normalize(const std::string& s) const override { return s.empty() ? s : p_ + s; }

 private:
  std::string p_;
};

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(const std::string& pattern, bool literal, std::string content, const std::string& where)
      : re_(pattern, literal, where), content_(std::move(content)) {}
  std::string normalize(const std::string& s) const override { return re_.replace_all(s, content_); }

 private:
  Regex re_;
  std::string content_;
};

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(const std::string& s) const override {
    size_t b = 0, e = s.size();
    if (left_)
      while (b < e) {
        const size_t n = utf8_char_len(s, b);
        if (!is_unicode_space(utf8_decode_at(s, b, n))) break;
        b += n;
      }
    if (right_)
      while (e > b) {
        size_t k = e - 1;
        while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
        if (!is_unicode_space(utf8_decode_at(s, k, e - k))) break;
        e = k;
      }
    return s.substr(b, e - b);
  }

 private:
  bool left_, right_;
};

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
  std::string normalize(const std::string& s) const override {
    std::string r = s;
    for (const auto& p : parts_) r = p->normalize(r);
    return r;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> parts_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const Json& j, const JsonAt& at) {
  if (j.is_null()) return nullptr;
  const std::string type = json_type(j, at);
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (type == "NFKC")
    return std::make_unique<UnicodeNormalizer>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT));
  if (type == "NFKD")
    return std::make_unique<UnicodeNormalizer>(utf8proc_option_t(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT));
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "Prepend") return std::make_unique<PrependNormalizer>(json_string(j, "prepend", at));
  if (type == "Strip")
    return std::make_unique<StripNormalizer>(json_bool_or(j, "strip_left", at, true), json_bool_or(j, "strip_right", at, true));
  if (type == "Replace") {
    bool literal = true;
    const std::string pattern = json_pattern(j, at, &literal);
    return std::make_unique<ReplaceNormalizer>(pattern, literal, json_string(j, "content", at), at.where());
  }
  if (type == "Sequence") {
    const Json& list = json_require(j, "normalizers", at);
    if (!list.is_array()) json_fail(at.key("normalizers"), "must be a list");
    std::vector<std::unique_ptr<Normalizer>> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto n = make_normalizer(list[i], at.key("normalizers").index(i))) parts.push_back(std::move(n));
    return std::make_unique<SequenceNormalizer>(std::move(parts));
  }
  json_fail(at.key("type"), "'" + type + "' is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, "
                            "Prepend, Replace, Strip, Sequence)");
}

}  // namespace swepo::text
