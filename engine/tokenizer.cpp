#include "engine/tokenizer.h"

#include <functional>
#include <utility>

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
  for (const auto& row : tokenizer_table())
    if (row.first == name) return row.second();
  const auto names = tokenizer_names();
  throw UserError("unknown tokenizer '" + name + "'" + did_you_mean(name, names) +
                  "; valid names: " + join(names, ", "));
}

}  // namespace swepo
