// The tokenizer interface: text <-> token ids, with the special tokens the engine's row layout
// needs (BOS prompt SEP response EOS, padded with PAD; see engine/collate.h). Tensor-free.
//
// Implementations: ByteTokenizer (engine/tokenizer.h), the Hugging Face tokenizer.json and
// SentencePiece tokenizer.model loaders (core/text/tokenizer_hf.h).
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swepo {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Ids of `text` without BOS/EOS (HF `encode(text, add_special_tokens=False)`); added and special
  // tokens written inside the text (e.g. "<|im_start|>") are matched as their own ids.
  virtual std::vector<int64_t> encode(const std::string& text) const = 0;
  // Ids of `text` with the BOS/EOS the tokenizer adds (HF `encode(text)`, add_special_tokens=True).
  virtual std::vector<int64_t> encode_with_specials(const std::string& text) const { return encode(text); }
  // Text of `ids`; special ids are skipped; an id outside [0, vocab_size) is a UserError.
  virtual std::string decode(const std::vector<int64_t>& ids) const = 0;
  virtual int64_t vocab_size() const = 0;
  // The special ids, or -1 when the tokenizer has none.
  virtual int64_t bos_id() const = 0;
  virtual int64_t eos_id() const = 0;
  virtual int64_t pad_id() const = 0;
  virtual int64_t sep_id() const = 0;  // between prompt and response
  virtual std::string name() const = 0;
  // Identity of the tokenizer's vocabulary, for cache fingerprints (e.g. "byte-v1").
  virtual std::string fingerprint() const = 0;
  // The id of one token string (as written in the vocabulary), if there is one.
  virtual std::optional<int64_t> token_to_id(const std::string& token) const { return std::nullopt; }
  // The vocabulary string of `id` ("" when the tokenizer has no strings for ids).
  virtual std::string id_to_token(int64_t id) const { return ""; }
  // Whether `id` is an added special token (skipped by decode).
  virtual bool is_special_id(int64_t id) const { return is_special(id); }
  // Whether `id` is one of bos/eos/pad/sep (ids of -1, "none", never match).
  bool is_special(int64_t id) const {
    return id >= 0 && (id == bos_id() || id == eos_id() || id == pad_id() || id == sep_id());
  }
};

// The ids of `text` as it continues `prompt_text` (whose ids are `prompt_ids`): the tail of
// encode(prompt_text + text) when that starts with prompt_ids, else encode(text). A tokenizer that
// marks the start of its input (SentencePiece's "▁" prefix, Metaspace prepend_scheme "first")
// tokenizes a response differently alone than after its prompt; this gives the ids the model sees
// in the whole conversation while the prompt's ids stay shared by every response.
inline std::vector<int64_t> encode_continuation(const Tokenizer& tok, const std::string& prompt_text,
                                                const std::vector<int64_t>& prompt_ids, const std::string& text) {
  std::vector<int64_t> full = tok.encode(prompt_text + text);
  if (full.size() >= prompt_ids.size() && std::equal(prompt_ids.begin(), prompt_ids.end(), full.begin()))
    return std::vector<int64_t>(full.begin() + static_cast<std::ptrdiff_t>(prompt_ids.size()), full.end());
  return tok.encode(text);
}

}  // namespace swepo
