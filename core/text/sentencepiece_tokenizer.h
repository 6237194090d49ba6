// SentencePiece tokenizer.model files (Llama-1/2, Mistral directories without tokenizer.json),
// read without libsentencepiece or protobuf: the ModelProto wire format is parsed here and a BPE
// model is converted into the equivalent tokenizer.json, as Hugging Face's LlamaConverter does
// (vocab = the pieces with their ids; merges = every NORMAL pair whose concatenation is a NORMAL
// piece, ranked by that piece's score; byte_fallback when <0xNN> BYTE pieces exist; normalizer
// = [collapse extra spaces] Prepend "▁" + Replace " " -> "▁"; decoder = Replace "▁" -> " ",
// ByteFallback, Fuse, Strip one leading space). CONTROL and UNKNOWN pieces are special added
// tokens (matched in text, skipped by decode), USER_DEFINED pieces plain added tokens.
// encode_with_specials adds BOS unless tokenizer_config.json's add_bos_token is false, and EOS
// when add_eos_token is true (HF's LlamaTokenizer defaults).
//
// (libsentencepiece is not linked: its bundled protobuf-lite exports protobuf symbols that
// interpose LibTorch's libprotobuf, and a binary linking both crashes at start-up.)
// Supported: model_type BPE, normalizer "identity" (no precompiled charsmap); anything else is a
// UserError naming the file and the field.
#pragma once
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/text/tokenizer_hf.h"

namespace swepo {

// DIR/tokenizer.model (+ DIR/tokenizer_config.json when present) as an HfTokenizer.
std::unique_ptr<HfTokenizer> load_sentencepiece_tokenizer(const std::string& dir);

namespace text {
// The tokenizer.json equivalent of the serialized ModelProto `bytes` (errors name `file`).
nlohmann::json sentencepiece_to_tokenizer_json(const std::string& bytes, const std::string& file);
}  // namespace text

}  // namespace swepo
