// Conformance of swepo's Hugging Face tokenizer with the npm reference (@lenml/tokenizers, a port
// of transformers.js) on the real tokenizer files of three packages:
//   llama2 (Mistral-style: Prepend/Replace normalizer, BPE byte_fallback, TemplateProcessing BOS),
//   llama3 (ByteLevel + Split regex with \p{N}{1,3}, ignore_merges, clean_up_tokenization_spaces),
//   qwen3  (ByteLevel + Split regex, NFC normalizer).
// For every corpus text: encode (no BOS/EOS), encode_with_specials, decode (specials skipped) and
// decode keeping specials must equal the reference exactly.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "tests/core/text/tokenizer_test_util.h"

namespace swepo {
namespace {

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> texts = {
      // empty and whitespace runs
      "", " ", "  ", "   ", "\t", "\n", "\n\n\n", " \t \n  x", "\t\tindented with tabs",
      "Hello world", " Hello", "  Hello  world  ", "hello\tworld\n\nnew paragraph\r\nwindows line",
      "trailing spaces   ", "line one\n  line two\n\n   \n", "    four spaces then text",
      // digits
      "1", "12", "123", "1234", "12345678901234567890", "3.14159 and 2,000,000 and 1e-9",
      "phone: +1 (555) 010-9999, year 2024", "v1.2.3-rc4",
      // punctuation
      "Hello, world! How are you? I'm fine... (really) [ok] {x} a/b\\c #tag @user $5 %d ^_^ &&",
      "\"quoted\" 'single' `backtick` -- em—dash – en… ellipsis", "¿Qué? ¡Sí!", "a . b , c ! d ? e",
      // contractions
      "it's we're they've I'm you'll he'd don't IT'S WE'RE They'Ve", "The dog's ball isn't here",
      "rock 'n' roll ' quoted '",
      // emoji incl. ZWJ sequences and modifiers
      "😀", "👍🏽 thumbs", "👨‍👩‍👧‍👦 family", "🏳️‍🌈 flag", "I ❤️ tokenizers 🤖🔥",
      // CJK and other scripts
      "你好，世界！", "日本語のテキストです。", "한국어 텍스트", "مرحبا بالعالم", "नमस्ते दुनिया", "Привет, мир",
      // accents, NFC (precomposed) and NFD (combining marks)
      "café naïve résumé Ångström", "cafe\xCC\x81 nai\xCC\x88ve re\xCC\x81sume\xCC\x81", "e\xCC\x81\xCC\x81 double mark",
      // special tokens inside text
      "<|eot_id|>", "Hi<|eot_id|>there", "<|begin_of_text|>start", "<|im_start|>user\nhello<|im_end|>\n",
      "<|im_start|>assistant\n<think>\n\n</think>\n\nok<|im_end|>", "</s>", "a</s>b <s> c", "<s>[INST] hi [/INST]",
      "<unk>", "<<|im_start|>>", "<|endoftext|><|endoftext|>", " <|im_end|> spaced ",
      // bytes the vocabulary may lack, control characters, rare symbols
      std::string("nul\0byte", 8), "\x01\x02\x7f control", "\xEF\xBF\xBD replacement char",
      "\xF0\x9D\x94\x98\xF0\x9D\x94\xAB\xF0\x9D\x94\xA6 fraktur", "zero\xE2\x80\x8Bwidth", "\xE2\x80\xA8 line sep",
      "\xC2\xA0nbsp\xC2\xA0", "\xE3\x80\x80ideographic space", "\xF4\x8F\xBF\xBF max code point",
      // code and misc
      "def f(x):\n    return x**2\n", "x=1;y=2\n\tz = x + y", "<html><body class=\"a\">text</body></html>",
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "ok ok ok ok", "\xE2\x96\x81 literal metaspace",
      "\xC4\xA0 literal G-dot", "<0x41> not a byte token", "https://example.com/path?q=1&r=two#frag",
  };
  return texts;
}

std::string show(const std::string& s) { return nlohmann::json(s).dump(); }

void check_package(const std::string& name) {
  if (const std::string why = test::reference_unavailable(); !why.empty()) GTEST_SKIP() << why;
  const std::string dir = test::npm_package_models(name);
  const auto t0 = std::chrono::steady_clock::now();
  HfTokenizer tok(dir);
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ info ] " << name << ": loaded " << tok.vocab_size() << " tokens in " << load_s << " s\n";
  const auto refs = test::run_tokenize_reference(dir, corpus());
  ASSERT_EQ(refs.size(), corpus().size());
  for (size_t i = 0; i < refs.size(); ++i) {
    const std::string& text = corpus()[i];
    const auto& ref = refs[i];
    const auto ids = tok.encode(text);
    const auto ids_special = tok.encode_with_specials(text);
    EXPECT_EQ(ids, ref["ids"].get<std::vector<int64_t>>()) << name << " encode " << show(text);
    EXPECT_EQ(ids_special, ref["ids_special"].get<std::vector<int64_t>>()) << name << " encode_with_specials " << show(text);
    const auto ref_special = ref["ids_special"].get<std::vector<int64_t>>();
    EXPECT_EQ(tok.decode(ref_special), ref["decode"].get<std::string>()) << name << " decode " << show(text);
    EXPECT_EQ(tok.decode_keep_specials(ref_special), ref["decode_all"].get<std::string>())
        << name << " decode keeping specials " << show(text);
  }
}

TEST(HfTokenizerReference, Llama2) { check_package("llama2"); }
TEST(HfTokenizerReference, Llama3) { check_package("llama3"); }
TEST(HfTokenizerReference, Qwen3) { check_package("qwen3"); }

// Special ids and flags read from tokenizer_config.json (values read off the package files).
TEST(HfTokenizerReference, SpecialIdsFromConfig) {
  if (const std::string why = test::reference_unavailable(); !why.empty()) GTEST_SKIP() << why;
  HfTokenizer llama2(test::npm_package_models("llama2"));
  EXPECT_EQ(llama2.bos_id(), 1);    // <s>
  EXPECT_EQ(llama2.eos_id(), 2);    // </s>
  EXPECT_EQ(llama2.pad_id(), -1);   // pad_token: null
  EXPECT_EQ(llama2.sep_id(), -1);
  EXPECT_EQ(llama2.vocab_size(), 32000);
  EXPECT_EQ(llama2.token_to_id("<0x0A>"), 13);
  EXPECT_EQ(llama2.id_to_token(2), "</s>");
  EXPECT_TRUE(llama2.is_special_id(2));
  EXPECT_FALSE(llama2.is_special(-1));
  HfTokenizer llama3(test::npm_package_models("llama3"));
  EXPECT_EQ(llama3.bos_id(), 128000);  // <|begin_of_text|>
  EXPECT_EQ(llama3.eos_id(), 128001);  // <|end_of_text|>
  EXPECT_EQ(llama3.vocab_size(), 128256);
  EXPECT_EQ(llama3.token_to_id("<|eot_id|>"), 128009);
  HfTokenizer qwen3(test::npm_package_models("qwen3"));
  EXPECT_EQ(qwen3.bos_id(), -1);       // bos_token: null
  EXPECT_EQ(qwen3.eos_id(), 151645);   // <|im_end|>
  EXPECT_EQ(qwen3.pad_id(), 151643);   // <|endoftext|>
  EXPECT_EQ(qwen3.model_max_length(), 131072);
  EXPECT_NE(qwen3.fingerprint(), llama3.fingerprint());
  EXPECT_EQ(qwen3.fingerprint(), HfTokenizer(test::npm_package_models("qwen3")).fingerprint());
}

}  // namespace
}  // namespace swepo
