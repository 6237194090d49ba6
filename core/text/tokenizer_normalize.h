// tokenizer.json normalizers, applied to the text between added tokens before pre-tokenization.
// Supported: null, NFC, NFD, NFKC, NFKD (utf8proc), Lowercase, Prepend, Replace (String or Regex
// pattern), Strip, Sequence. Llama-2 / Mistral: Sequence[Prepend "▁", Replace " " -> "▁"].
#pragma once
#include <memory>
#include <string>

#include "core/text/tokenizer_json.h"

namespace swepo::text {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(const std::string& s) const = 0;
};

// The normalizer described by `j` (nullptr for JSON null); unsupported types are UserErrors
// naming at.file and at.path.
std::unique_ptr<Normalizer> make_normalizer(const Json& j, const JsonAt& at);

}  // namespace swepo::text
