// tokenizer.json pre-tokenizers: split one normalized section of text into the words the model
// sees. Supported: null, ByteLevel (add_prefix_space, use_regex: GPT-2's pattern), Split (String
// or Regex pattern; behaviors Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous;
// invert), Metaspace (replacement, prepend_scheme first/always/never or the older
// add_prefix_space, split), Digits (individual_digits), Sequence.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/text/tokenizer_json.h"

namespace swepo::text {

// One word of a section; `at_start`: it begins at offset 0 of the whole input text (Metaspace's
// prepend_scheme "first" prepends only there).
struct Piece {
  std::string text;
  bool at_start = false;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Replaces `pieces` with their splits (empty pieces dropped).
  virtual void pre_tokenize(std::vector<Piece>& pieces) const = 0;
};

// The pre-tokenizer described by `j` (nullptr for JSON null); unsupported types are UserErrors
// naming at.file and at.path.
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const Json& j, const JsonAt& at);

}  // namespace swepo::text
