#include "engine/tokenizer.h"

#include <functional>
#include <utility>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "core/util/strings.h"

namespace swepo {

std::vector<int64_t> ByteTokenizer::encode(const std::string& text) const {
  std::vector<int64_t> ids;
  ids.reserve(text.size());
  for (char ch : text) ids.push_back(static_cast<int64_t>(static_cast<unsigned char>(ch)));
  return ids;
}

std::string ByteTokenizer::decode(const std::vector<int64_t>& ids) const {
  std::string text;
  text.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const int64_t id = ids[i];
    if (id < 0 || id >= kVocab)
      throw UserError("byte tokenizer: id " + std::to_string(id) + " at index " +
                      std::to_string(i) + " is outside [0, " + std::to_string(kVocab) + ")");
    if (id < 256) text.push_back(static_cast<char>(static_cast<unsigned char>(id)));
  }
  return text;
}

namespace {
const char* const kByteSpecialNames[4] = {"<bos>", "<eos>", "<pad>", "<sep>"};
}  // namespace

std::optional<int64_t> ByteTokenizer::token_to_id(const std::string& token) const {
  for (int64_t i = 0; i < 4; ++i)
    if (token == kByteSpecialNames[i]) return kBos + i;
  if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') {
    int64_t v = 0;
    for (size_t i = 3; i < 5; ++i) {
      const char c = token[i];
      const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + d;
    }
    return v;
  }
  return std::nullopt;
}

std::string ByteTokenizer::id_to_token(int64_t id) const {
  if (id < 0 || id >= kVocab) return "";
  if (id >= kBos) return kByteSpecialNames[id - kBos];
  static const char* hex = "0123456789ABCDEF";
  return std::string("<0x") + hex[id >> 4] + hex[id & 15] + ">";
}

namespace {
using TokenizerFactory = std::function<std::unique_ptr<Tokenizer>()>;

// The table of tokenizers, in display order. Add a row to add a tokenizer.
const std::vector<std::pair<std::string, TokenizerFactory>>& tokenizer_table() {
  static const std::vector<std::pair<std::string, TokenizerFactory>> table = {
      {"byte", [] { return std::unique_ptr<Tokenizer>(new ByteTokenizer()); }},
  };
  return table;
}
}  // namespace

std::vector<std::string> tokenizer_names() {
  std::vector<std::string> names;
  for (const auto& row : tokenizer_table()) names.push_back(row.first);
  return names;
}

std::unique_ptr<Tokenizer> make_tokenizer(const std::string& name) {
  // "hf:DIR": a Hugging Face tokenizer directory (tokenizer.json or tokenizer.model).
  if (name.rfind("hf:", 0) == 0) return load_hf_tokenizer(name.substr(3));
  for (const auto& row : tokenizer_table())
    if (row.first == name) return row.second();
  const auto names = tokenizer_names();
  throw UserError("unknown tokenizer '" + name + "'" + did_you_mean(name, names) +
                  "; valid names: " + join(names, ", ") + ", or hf:DIR for a Hugging Face tokenizer directory");
}

}  // namespace swepo
