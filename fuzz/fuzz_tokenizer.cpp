// Fuzz target: Hugging Face tokenizer files (core/text/tokenizer_hf.h): tokenizer.json (+
// tokenizer_config.json), or a SentencePiece tokenizer.model.
//
// Feeds: the input split at the first line "%%": part 1 is written as DIR/tokenizer.json when it
// starts with '{' (else as DIR/tokenizer.model, the SentencePiece path); the optional part 2 is
// DIR/tokenizer_config.json; the optional part 3 is text to encode. load_hf_tokenizer(DIR) loads it.
// If it loads: encode and encode_with_specials of a few fixed strings (ASCII, accents, CJK, emoji,
// invalid UTF-8, special-token look-alikes) and of part 3 and of raw input bytes; decode of every
// result; decode of ids taken from the input bytes; id_to_token / token_to_id.
// Checks: errors are swepo::UserError only (decode of an id outside [0, vocab_size) included);
// encoded ids lie in [0, vocab_size); id_to_token / token_to_id agree where the token is a
// vocabulary string.
#include <memory>
#include <string>
#include <vector>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "fuzz_common.h"

namespace {

void exercise(const swepo::Tokenizer& tok, const std::string& text) {
  const int64_t v = tok.vocab_size();
  for (bool specials : {false, true}) {
    std::vector<int64_t> ids;
    try {
      ids = specials ? tok.encode_with_specials(text) : tok.encode(text);
    } catch (const swepo::UserError& e) {
    fz::note(e);
      continue;  // e.g. a byte with no token and no unk
    }
    for (int64_t id : ids) fz::check(id >= 0 && id < v, "encoded ids lie in [0, vocab_size)");
    try {
      (void)tok.decode(ids);
    } catch (const swepo::UserError& e) {
    fz::note(e);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input = fz::as_string(data, size);
  std::vector<std::string> parts = fz::split(input, "\n%%\n");
  const auto dir = fz::scratch() / "tok";
  std::filesystem::remove_all(dir);
  const bool is_json = !parts[0].empty() && parts[0][0] == '{';
  fz::write_file(dir / (is_json ? "tokenizer.json" : "tokenizer.model"), parts[0]);
  if (parts.size() > 1) fz::write_file(dir / "tokenizer_config.json", parts[1]);

  std::unique_ptr<swepo::Tokenizer> tok;
  try {
    tok = swepo::load_hf_tokenizer(dir.string());
  } catch (const swepo::UserError& e) {
    fz::note(e);
    return 0;
  }
  const int64_t v = tok->vocab_size();
  fz::check(v >= 0, "vocab_size >= 0");
  static const char* kTexts[] = {
      "", " ", "Hello, world!", "  two  spaces\tand\ttabs\n\nnewlines ", "caf\xc3\xa9 na\xc3\xafve",
      "e\xcc\x81", "\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xb8\x96\xe7\x95\x8c", "\xf0\x9f\x98\x80\xf0\x9f\x91\x8d",
      "\xff\xfe\x80 bad utf8 \xc3", "<s></s><|endoftext|><|im_start|>user\nhi<|im_end|>", "12345 3.14",
      "don't I'll you're", "\xe2\x96\x81" "x"};
  for (const char* t : kTexts) exercise(*tok, t);
  if (parts.size() > 2) exercise(*tok, parts[2]);
  exercise(*tok, input.substr(0, 64));

  // Ids from the input bytes, some out of range.
  std::vector<int64_t> ids;
  for (size_t i = 0; i + 1 < size && ids.size() < 32; i += 2) {
    int64_t id = (static_cast<int64_t>(data[i]) << 8 | data[i + 1]);
    ids.push_back(v > 0 && (data[i] & 0x80) == 0 ? id % v : id - 100);
  }
  try {
    (void)tok->decode(ids);
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  for (int64_t id : ids) {
    if (id < 0 || id >= v) continue;
    std::string s = tok->id_to_token(id);
    if (s.empty()) continue;
    std::optional<int64_t> back = tok->token_to_id(s);
    fz::check(back.has_value(), "token_to_id finds id_to_token's string");
  }
  (void)tok->is_special(0);
  return 0;
}
