// Added tokens of tokenizer.json ("added_tokens": special tokens such as "<|eot_id|>" and user
// additions): found in the text before the model runs, leftmost-longest, honouring single_word,
// lstrip and rstrip. Tokens with normalized=false are matched on the raw text, the others on the
// normalized text (as tokenizers' AddedVocabulary does).
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace swepo::text {

struct AddedToken {
  int64_t id = 0;
  std::string content;
  bool special = false, lstrip = false, rstrip = false, normalized = false, single_word = false;
};

// A piece of text: either an added token (id >= 0) or text for the model (id == -1).
struct Section {
  std::string text;
  int64_t id = -1;
  size_t offset = 0;  // byte offset of `text` in the string that was split
};

class AddedTokenMatcher {
 public:
  explicit AddedTokenMatcher(const std::vector<const AddedToken*>& tokens);
  bool empty() const { return tokens_.empty(); }
  // `s` cut into text sections and added-token sections, in order (empty text sections dropped).
  std::vector<Section> split(const std::string& s) const;

 private:
  std::vector<const AddedToken*> tokens_;
  std::array<std::vector<size_t>, 256> by_first_byte_;  // indices into tokens_, longest first
};

}  // namespace swepo::text
