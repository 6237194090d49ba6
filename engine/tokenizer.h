// Tokenizers: text <-> token ids, with the special tokens the engine's row layout needs
// (BOS prompt SEP response EOS, padded with PAD; see engine/collate.h).
// Tensor-free. The Tokenizer interface itself lives in core/text/tokenizer.h; Hugging Face
// tokenizer.json / SentencePiece directories load through core/text/tokenizer_hf.h.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/text/tokenizer.h"

namespace swepo {

// One id per byte (0..255) plus BOS=256, EOS=257, PAD=258, SEP=259: vocab_size 260.
// Round-trips arbitrary bytes (UTF-8 or not).
class ByteTokenizer final : public Tokenizer {
 public:
  static constexpr int64_t kBos = 256, kEos = 257, kPad = 258, kSep = 259, kVocab = 260;
  std::vector<int64_t> encode(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  int64_t vocab_size() const override { return kVocab; }
  int64_t bos_id() const override { return kBos; }
  int64_t eos_id() const override { return kEos; }
  int64_t pad_id() const override { return kPad; }
  int64_t sep_id() const override { return kSep; }
  std::string name() const override { return "byte"; }
  std::string fingerprint() const override { return "byte-v1"; }
  // Token strings: "<0xNN>" for a byte, "<bos>" "<eos>" "<pad>" "<sep>" for the specials.
  std::optional<int64_t> token_to_id(const std::string& token) const override;
  std::string id_to_token(int64_t id) const override;
  bool is_special_id(int64_t id) const override { return id >= 256 && id < kVocab; }
};

// Names accepted by make_tokenizer, in table order.
std::vector<std::string> tokenizer_names();

// The tokenizer called `name`, or "hf:DIR" for load_hf_tokenizer(DIR) (core/text/tokenizer_hf.h);
// an unknown name is a UserError listing the valid ones.
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& name);

}  // namespace swepo
