// tokenizer.json decoders: token strings -> text. Supported: null (tokens joined with spaces, as
// tokenizers does), ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence.
// Each decoder maps a list of token strings to a list (its "decode chain"); the text is their
// concatenation.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/text/tokenizer_json.h"

namespace swepo::text {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};

// The decoder described by `j` (nullptr for JSON null); unsupported types are UserErrors naming
// at.file and at.path.
std::unique_ptr<Decoder> make_decoder(const Json& j, const JsonAt& at);

// `tokens` through `decoder` (or joined with " " when there is none).
std::string decode_tokens(const Decoder* decoder, std::vector<std::string> tokens);

}  // namespace swepo::text
