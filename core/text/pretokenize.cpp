#include "core/text/pretokenize.h"

#include <algorithm>
#include <utility>

#include "core/text/pretokenize_regex.h"
#include "core/text/tokenizer_utf8.h"

namespace swepo::text {

namespace {

// GPT-2's split pattern (ByteLevel with use_regex).
const char* const kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

enum class Behavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous };

// Splits `p` at the matches of `re` the way tokenizers' NormalizedString::split does.
void split_piece(const Piece& p, const Regex& re, Behavior behavior, bool invert, std::vector<Piece>& out) {
  // The whole text as spans (begin, end, is_match).
  struct Span { size_t b, e; bool m; };
  std::vector<Span> spans;
  size_t last = 0;
  for (const auto& [b, e] : re.find_all(p.text)) {
    if (b > last) spans.push_back({last, b, false});
    spans.push_back({b, e, true});
    last = e;
  }
  if (last < p.text.size()) spans.push_back({last, p.text.size(), false});
  if (invert)
    for (auto& s : spans) s.m = !s.m;

  std::vector<std::pair<size_t, size_t>> parts;
  switch (behavior) {
    case Behavior::Isolated:
      for (const auto& s : spans) parts.emplace_back(s.b, s.e);
      break;
    case Behavior::Removed:
      for (const auto& s : spans)
        if (!s.m) parts.emplace_back(s.b, s.e);
      break;
    case Behavior::MergedWithPrevious: {
      bool prev_match = false;
      for (const auto& s : spans) {
        if (s.m && !prev_match && !parts.empty()) parts.back().second = s.e;
        else parts.emplace_back(s.b, s.e);
        prev_match = s.m;
      }
      break;
    }
    case Behavior::MergedWithNext: {
      bool prev_match = false;
      for (size_t k = spans.size(); k-- > 0;) {
        const auto& s = spans[k];
        if (s.m && !prev_match && !parts.empty()) parts.back().first = s.b;
        else parts.emplace_back(s.b, s.e);
        prev_match = s.m;
      }
      std::reverse(parts.begin(), parts.end());
      break;
    }
    case Behavior::Contiguous: {
      bool prev_match = false;
      for (const auto& s : spans) {
        if (s.m && prev_match) parts.back().second = s.e;
        else parts.emplace_back(s.b, s.e);
        prev_match = s.m;
      }
      break;
    }
  }
  for (const auto& [b, e] : parts)
    if (e > b) out.push_back({p.text.substr(b, e - b), p.at_start && b == 0});
}

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(const std::string& pattern, bool literal, Behavior behavior, bool invert, const std::string& where)
      : re_(pattern, literal, where), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> out;
    for (const auto& p : pieces) split_piece(p, re_, behavior_, invert_, out);
    pieces = std::move(out);
  }

 private:
  Regex re_;
  Behavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        re_(use_regex ? std::make_unique<Regex>(kGpt2Pattern, false, "ByteLevel") : nullptr) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    std::vector<Piece> split;
    for (auto p : pieces) {
      if (add_prefix_space_ && (p.text.empty() || p.text[0] != ' ')) p.text.insert(p.text.begin(), ' ');
      if (re_) split_piece(p, *re_, Behavior::Isolated, false, split);
      else if (!p.text.empty()) split.push_back(std::move(p));
    }
    const ByteAlphabet& a = byte_alphabet();
    for (auto& p : split) {
      std::string mapped;
      mapped.reserve(p.text.size() * 2);
      for (unsigned char c : p.text) mapped += a.byte_to_char[c];
      p.text = std::move(mapped);
    }
    pieces = std::move(split);
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> re_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  enum class Prepend { Always, First, Never };
  MetaspacePreTokenizer(std::string replacement, Prepend prepend, bool split)
      : rep_(std::move(replacement)), prepend_(prepend), split_(split), re_(rep_, true, "Metaspace") {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    static const Regex space(" ", true, "Metaspace");
    std::vector<Piece> out;
    for (auto p : pieces) {
      p.text = space.replace_all(p.text, rep_);
      const bool starts = p.text.compare(0, rep_.size(), rep_) == 0;
      if (!starts && (prepend_ == Prepend::Always || (prepend_ == Prepend::First && p.at_start)))
        p.text = rep_ + p.text;
      if (split_) split_piece(p, re_, Behavior::MergedWithNext, false, out);
      else if (!p.text.empty()) out.push_back(std::move(p));
    }
    pieces = std::move(out);
  }

 private:
  std::string rep_;
  Prepend prepend_;
  bool split_;
  Regex re_;
};

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
  void pre_tokenize(std::vector<Piece>& pieces) const override {
    for (const auto& p : parts_) p->pre_tokenize(pieces);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

Behavior read_behavior(const Json& j, const JsonAt& at) {
  const std::string b = json_string(j, "behavior", at);
  if (b == "Isolated") return Behavior::Isolated;
  if (b == "Removed") return Behavior::Removed;
  if (b == "MergedWithPrevious") return Behavior::MergedWithPrevious;
  if (b == "MergedWithNext") return Behavior::MergedWithNext;
  if (b == "Contiguous") return Behavior::Contiguous;
  json_fail(at.key("behavior"), "'" + b + "' is not supported (supported: Isolated, Removed, "
                                "MergedWithPrevious, MergedWithNext, Contiguous)");
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const JsonAt& at) {
  if (j.is_null()) return nullptr;
  const std::string type = json_type(j, at);
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelPreTokenizer>(json_bool_or(j, "add_prefix_space", at, true),
                                                   json_bool_or(j, "use_regex", at, true));
  if (type == "Split") {
    bool literal = true;
    const std::string pattern = json_pattern(j, at, &literal);
    return std::make_unique<SplitPreTokenizer>(pattern, literal, read_behavior(j, at),
                                               json_bool_or(j, "invert", at, false), at.where());
  }
  if (type == "Metaspace") {
    const std::string rep = json_string_or(j, "replacement", at, "\xE2\x96\x81");
    if (rep.empty() || utf8_char_len(rep, 0) != rep.size())
      json_fail(at.key("replacement"), "must be one character");
    auto prepend = MetaspacePreTokenizer::Prepend::Always;
    if (json_find(j, "prepend_scheme", at)) {
      const std::string s = json_string(j, "prepend_scheme", at);
      if (s == "always") prepend = MetaspacePreTokenizer::Prepend::Always;
      else if (s == "first") prepend = MetaspacePreTokenizer::Prepend::First;
      else if (s == "never") prepend = MetaspacePreTokenizer::Prepend::Never;
      else json_fail(at.key("prepend_scheme"), "'" + s + "' is not one of first, always, never");
    } else if (!json_bool_or(j, "add_prefix_space", at, true)) {
      prepend = MetaspacePreTokenizer::Prepend::Never;
    }
    return std::make_unique<MetaspacePreTokenizer>(rep, prepend, json_bool_or(j, "split", at, true));
  }
  if (type == "Digits") {
    const bool individual = json_bool_or(j, "individual_digits", at, false);
    return std::make_unique<SplitPreTokenizer>(R"(\p{N})", false,
                                               individual ? Behavior::Isolated : Behavior::Contiguous, false,
                                               at.where());
  }
  if (type == "Sequence") {
    const Json& list = json_require(j, "pretokenizers", at);
    if (!list.is_array()) json_fail(at.key("pretokenizers"), "must be a list");
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    for (size_t i = 0; i < list.size(); ++i)
      if (auto p = make_pre_tokenizer(list[i], at.key("pretokenizers").index(i))) parts.push_back(std::move(p));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
  }
  json_fail(at.key("type"), "'" + type + "' is not supported (supported: ByteLevel, Split, Metaspace, "
                            "Digits, Sequence)");
}

}  // namespace swepo::text
