// Tokenizers: text <-> token ids, with the special tokens the engine's row layout needs
// (BOS prompt SEP response EOS, padded with PAD; see engine/collate.h).
// Tensor-free. Later issues add SentencePiece and Hugging Face tokenizers to tokenizer_names().
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swepo {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids of `text`, without any special token.
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  // Text of `ids`; special ids are skipped; an id outside [0, vocab_size) is a UserError.
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t sep_id() const = 0;  // between prompt and response
  virtual std::string name() const = 0;
  // Identity of the tokenizer's vocabulary, for cache fingerprints (e.g. "byte-v1").
  virtual std::string fingerprint() const = 0;
  bool is_special(int64_t id) const {
    return id == bos_id() || id == eos_id() || id == pad_id() || id == sep_id();
  }
};

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
};

// Names accepted by make_tokenizer, in table order.
std::vector<std::string> tokenizer_names();

// The tokenizer called `name`; an unknown name is a UserError listing the valid ones.
std::unique_ptr<Tokenizer> make_tokenizer(const std::string& name);

}  // namespace swepo
