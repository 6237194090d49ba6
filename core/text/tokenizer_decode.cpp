#include "core/text/tokenizer_decode.h"

#include "core/text/pretokenize_regex.h"
#include "core/text/tokenizer_utf8.h"

namespace swepo::text {

namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  // All tokens' characters mapped back to bytes (a token with a character outside the alphabet
  // keeps its own UTF-8 bytes), then decoded lossily: one string.
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    const ByteAlphabet& a = byte_alphabet();
    std::string bytes;
    for (const auto& t : tokens) {
      std::string mapped;
      bool ok = true;
      for (size_t i = 0; i < t.size() && ok;) {
        const size_t n = utf8_char_len(t, i);
        const uint32_t cp = utf8_decode_at(t, i, n);
        if (cp < a.char_to_byte.size() && a.char_to_byte[cp] >= 0 && !(n == 1 && static_cast<unsigned char>(t[i]) >= 0x80))
          mapped.push_back(static_cast<char>(a.char_to_byte[cp]));
        else
          ok = false;
        i += n;
      }
      bytes += ok ? mapped : t;
    }
    return {utf8_lossy(bytes)};
  }
};

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(const std::string& rep, bool strip_first) : re_(rep, true, "Metaspace"), strip_first_(strip_first) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      tokens[i] = re_.replace_all(tokens[i], " ");
      if (i == 0 && strip_first_ && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
    }
    return tokens;
  }

 private:
  Regex re_;
  bool strip_first_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(const std::string& pattern, bool literal, std::string content, const std::string& where)
      : re_(pattern, literal, where), content_(std::move(content)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& t : tokens) t = re_.replace_all(t, content_);
    return tokens;
  }

 private:
  Regex re_;
  std::string content_;
};

// Runs of <0xNN> tokens become their bytes when those are valid UTF-8, else one U+FFFD per byte.
class ByteFallbackDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::vector<std::string> out;
    std::string bytes;
    size_t n_bytes = 0;
    auto flush = [&] {
      if (n_bytes == 0) return;
      if (utf8_invalid_offset(bytes) == std::string::npos) out.push_back(bytes);
      else
        for (size_t k = 0; k < n_bytes; ++k) out.push_back("\xEF\xBF\xBD");
      bytes.clear();
      n_bytes = 0;
    };
    for (auto& t : tokens) {
      int v = -1;
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        auto hexval = [](char c) {
          return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        };
        const int h = hexval(t[3]), l = hexval(t[4]);
        if (h >= 0 && l >= 0) v = h * 16 + l;
      }
      if (v >= 0) {
        bytes.push_back(static_cast<char>(v));
        ++n_bytes;
      } else {
        flush();
        out.push_back(std::move(t));
      }
    }
    flush();
    return out;
  }
};

class FuseDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    std::string all;
    for (const auto& t : tokens) all += t;
    return {all};
  }
};

// Strips up to `start` leading and `stop` trailing copies of one character from every token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(std::string content, size_t start, size_t stop) : c_(std::move(content)), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (auto& t : tokens) {
      size_t b = 0, e = t.size();
      for (size_t k = 0; k < start_ && b + c_.size() <= e && t.compare(b, c_.size(), c_) == 0; ++k) b += c_.size();
      for (size_t k = 0; k < stop_ && e >= b + c_.size() && t.compare(e - c_.size(), c_.size(), c_) == 0; ++k)
        e -= c_.size();
      t = t.substr(b, e - b);
    }
    return tokens;
  }

 private:
  std::string c_;
  size_t start_, stop_;
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& p : parts_) tokens = p->decode_chain(std::move(tokens));
    return tokens;
  }

 private:
  std::vector<std::unique_ptr<Decoder>> parts_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const Json& j, const JsonAt& at) {
  if (j.is_null()) return nullptr;
  const std::string type = json_type(j, at);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Metaspace") {
    const std::string rep = json_string_or(j, "replacement", at, "\xE2\x96\x81");
    bool strip_first = json_bool_or(j, "add_prefix_space", at, true);
    if (json_find(j, "prepend_scheme", at)) strip_first = json_string(j, "prepend_scheme", at) != "never";
    return std::make_unique<MetaspaceDecoder>(rep, strip_first);
  }
  if (type == "Replace") {
    bool literal = true;
    const std::string pattern = json_pattern(j, at, &literal);
    return std::make_unique<ReplaceDecoder>(pattern, literal, json_string(j, "content", at), at.where());
  }
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip") {
    const std::string c = json_string(j, "content", at);
    const int64_t start = json_int_or(j, "start", at, 0), stop = json_int_or(j, "stop", at, 0);
    if (c.empty() || utf8_char_len(c, 0) != c.size()) json_fail(at.key("content"), "must be one character");
    if (start < 0 || stop < 0) json_fail(at, "start and stop must be >= 0");
    return std::make_unique<StripDecoder>(c, static_cast<size_t>(start), static_cast<size_t>(stop));
  }
  if (type == "Sequence") {
    const Json& list = json_require(j, "decoders", at);
    if (!list.is_array()) json_fail(at.key("decoders"), "must be a list");
    std::vector<std::unique_ptr<Decoder>> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto d = make_decoder(list[i], at.key("decoders").index(i))) parts.push_back(std::move(d));
    return std::make_unique<SequenceDecoder>(std::move(parts));
  }
  json_fail(at.key("type"), "'" + type + "' is not supported (supported: ByteLevel, Metaspace, Replace, "
                            "ByteFallback, Fuse, Strip, Sequence)");
}

std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens) {
  std::string out;
  if (!decoder) {
    for (size_t i = 0; i < tokens.size(); ++i) out += (i ? " " : "") + tokens[i];
    return out;
  }
  for (const auto& t : decoder->decode_chain(std::move(tokens))) out += t;
  return out;
}

}  // namespace swepo::text
