// Hugging Face tokenizers: a directory's tokenizer.json (+ tokenizer_config.json) or, without
// one, its SentencePiece tokenizer.model. Tensor-free.
//
// tokenizer.json support: model BPE; normalizers (core/text/tokenizer_normalize.h),
// pre-tokenizers (core/text/pretokenize.h), decoders (core/text/tokenizer_decode.h),
// post_processor TemplateProcessing / ByteLevel / Sequence / null; added tokens
// (core/text/tokenizer_added.h). This covers GPT-2, Llama-3, Qwen2/3 (ByteLevel + Split regex,
// NFC) and Llama-2 / Mistral (Metaspace-style normalizer + byte_fallback).
// tokenizer_config.json: bos_token, eos_token, pad_token, sep_token, unk_token (strings or
// {"content": ...}), add_bos_token / add_eos_token, additional_special_tokens, model_max_length,
// clean_up_tokenization_spaces.
// Anything else (an unknown component type, a malformed entry, bad JSON) is a UserError naming the
// file and the key.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/text/tokenizer.h"
#include "core/text/tokenizer_json.h"

namespace swepo {

// The tokenizer of an HF directory: DIR/tokenizer.json when present, else DIR/tokenizer.model
// (SentencePiece BPE, converted as HF's LlamaConverter does: core/text/sentencepiece_tokenizer.h).
// A directory with neither is a UserError.
std::unique_ptr<Tokenizer> load_hf_tokenizer(const std::string& dir);

namespace text {
class BpeModel;
class Normalizer;
class PreTokenizer;
class Decoder;
class AddedTokenMatcher;
struct AddedToken;
}  // namespace text

class HfTokenizer final : public Tokenizer {
 public:
  // Reads DIR/tokenizer.json and DIR/tokenizer_config.json (optional).
  explicit HfTokenizer(const std::string& dir);
  // From documents already read: `tj` in tokenizer.json's format, `tc` in tokenizer_config.json's
  // (an empty object for none); errors name `tj_name` / `tc_name` (core/text/sentencepiece_tokenizer.h
  // builds both from a tokenizer.model).
  HfTokenizer(std::string dir, const nlohmann::json& tj, const nlohmann::json& tc, const std::string& tj_name,
              const std::string& tc_name, std::string fingerprint);
  ~HfTokenizer() override;

  std::vector<int64_t> encode(const std::string& text) const override;
  std::vector<int64_t> encode_with_specials(const std::string& text) const override;
  std::string decode(const std::vector<int64_t>& ids) const override;
  // decode without skipping special tokens (HF decode(ids, skip_special_tokens=False)).
  std::string decode_keep_specials(const std::vector<int64_t>& ids) const;
  int64_t vocab_size() const override { return vocab_size_; }
  int64_t bos_id() const override { return bos_; }
  int64_t eos_id() const override { return eos_; }
  int64_t pad_id() const override { return pad_; }
  int64_t sep_id() const override { return sep_; }
  int64_t unk_id() const { return unk_; }
  std::string name() const override { return "hf:" + dir_; }
  std::string fingerprint() const override { return fingerprint_; }
  std::optional<int64_t> token_to_id(const std::string& token) const override;
  std::string id_to_token(int64_t id) const override;
  bool is_special_id(int64_t id) const override;
  // tokenizer_config.json's model_max_length (INT64_MAX when absent or huge).
  int64_t model_max_length() const { return model_max_length_; }

 private:
  void init(const nlohmann::json& tj, const nlohmann::json& tc, const text::JsonAt& root, const text::JsonAt& croot);
  std::vector<int64_t> encode_impl(const std::string& text) const;
  std::string decode_impl(const std::vector<int64_t>& ids, bool skip_special) const;

  std::string dir_, fingerprint_;
  std::unique_ptr<text::BpeModel> model_;
  std::unique_ptr<text::Normalizer> normalizer_;
  std::unique_ptr<text::PreTokenizer> pre_tokenizer_;
  std::unique_ptr<text::Decoder> decoder_;
  std::vector<std::unique_ptr<text::AddedToken>> added_;
  std::unordered_map<int64_t, const text::AddedToken*> added_by_id_;
  std::unordered_map<std::string, int64_t> added_by_content_;
  std::unordered_set<int64_t> special_ids_;  // skipped by decode
  std::unique_ptr<text::AddedTokenMatcher> raw_matcher_, normalized_matcher_;
  // encode_with_specials: template items (-1 = the text) or, without a template, BOS/EOS flags.
  bool has_template_ = false;
  std::vector<int64_t> template_;
  bool add_bos_ = false, add_eos_ = false;
  bool clean_up_spaces_ = false;
  int64_t vocab_size_ = 0, bos_ = -1, eos_ = -1, pad_ = -1, sep_ = -1, unk_ = -1;
  int64_t model_max_length_ = INT64_MAX;
};

}  // namespace swepo
