// Hand-worked tokenizer.json cases on tiny files written here, and malformed files whose
// UserError must name the file and the JSON key.
#include <gtest/gtest.h>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "tests/core/text/tokenizer_test_util.h"

namespace swepo {
namespace {

using nlohmann::json;
using Ids = std::vector<int64_t>;

// A directory holding tokenizer.json = `tj` (and tokenizer_config.json = `tc` unless null).
struct TokDir {
  test::TokTempDir dir{"unit"};
  TokDir(const json& tj, const json& tc = nullptr) {
    test::write_text_file(dir.path / "tokenizer.json", tj.dump());
    if (!tc.is_null()) test::write_text_file(dir.path / "tokenizer_config.json", tc.dump());
  }
  std::string str() const { return dir.str(); }
};

// The message of the UserError thrown by loading `dir` ("" when nothing is thrown).
std::string load_error(const std::string& dir) {
  try {
    load_hf_tokenizer(dir);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

// BPE over a b c d with 5 merges; no normalizer / pre-tokenizer: the whole text is one word.
json five_merges() {
  return {{"model",
           {{"type", "BPE"},
            {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}, {"cc", 6}, {"abccc", 7}, {"<unk>", 8}}},
            // ranks 0..4; the [a, b] pair form and the "a b" string form are both accepted
            {"merges", json::array({json::array({"a", "b"}), "b c", "ab c", "c c", "abc cc"})},
            {"unk_token", "<unk>"},
            {"fuse_unk", true}}},
          {"added_tokens", json::array()}};
}

TEST(HfTokenizerUnit, FiveMergesWorkedByHand) {
  TokDir d(five_merges());
  HfTokenizer tok(d.str());
  // abc: (a,b) rank 0 -> [ab c]; (ab,c) rank 2 -> [abc] = 5
  EXPECT_EQ(tok.encode("abc"), Ids({5}));
  // bcc: (b,c) rank 1 beats (c,c) rank 3 -> [bc c]; (bc,c) is no merge -> [4, 2]
  EXPECT_EQ(tok.encode("bcc"), Ids({4, 2}));
  // abccc: ab c c c -> (ab,c) 2 before (c,c) 3 -> abc c c -> (c,c) 3 -> abc cc -> (abc,cc) 4 -> [7]
  EXPECT_EQ(tok.encode("abccc"), Ids({7}));
  // ccc: two (c,c) candidates of rank 3: the leftmost merges first -> [cc c]
  EXPECT_EQ(tok.encode("ccc"), Ids({6, 2}));
  // cab: (c,a) no merge, (a,b) rank 0 -> [c ab]
  EXPECT_EQ(tok.encode("cab"), Ids({2, 3}));
  // d is unknown: <unk>; fuse_unk joins the run "dd" into one <unk>
  EXPECT_EQ(tok.encode("abdd"), Ids({3, 8}));
  EXPECT_EQ(tok.encode("dadd"), Ids({8, 0, 8}));
  EXPECT_EQ(tok.encode(""), Ids({}));
  // no decoder: tokens joined with spaces (as tokenizers does); <unk> is not an added special token
  EXPECT_EQ(tok.decode({3, 8}), "ab <unk>");
  EXPECT_EQ(tok.vocab_size(), 9);
  EXPECT_EQ(tok.bos_id(), -1);
  EXPECT_EQ(tok.encode_with_specials("abc"), Ids({5}));  // no post-processor, no config: nothing added
  EXPECT_THROW(tok.decode({9}), UserError);
  EXPECT_THROW(tok.encode("ab\xFF"), UserError);  // not UTF-8
}

TEST(HfTokenizerUnit, AddedTokensMatchedFirstLongestAndConfigBosEos) {
  json tj = five_merges();
  tj["added_tokens"] = json::array({{{"id", 9}, {"content", "<s>"}, {"special", true}},
                                    {{"id", 10}, {"content", "</s>"}, {"special", true}},
                                    {{"id", 11}, {"content", "<s>x"}, {"special", false}, {"normalized", false}}});
  TokDir d(tj, {{"bos_token", "<s>"}, {"eos_token", {{"content", "</s>"}, {"__type", "AddedToken"}}},
                {"add_bos_token", true}, {"add_eos_token", true}});
  HfTokenizer tok(d.str());
  // "<s>x" is the longest added token at offset 3; "<s>" at 0; "</s>" at 7
  EXPECT_EQ(tok.encode("ab<s><s>x</s>c"), Ids({3, 9, 11, 10, 2}));
  EXPECT_EQ(tok.encode_with_specials("abc"), Ids({9, 5, 10}));
  EXPECT_EQ(tok.encode_with_specials(""), Ids({9, 10}));
  EXPECT_EQ(tok.bos_id(), 9);
  EXPECT_EQ(tok.eos_id(), 10);
  EXPECT_TRUE(tok.is_special_id(9));
  EXPECT_FALSE(tok.is_special_id(11));  // added but not special: decode keeps it
  EXPECT_EQ(tok.decode({9, 3, 11, 10}), "ab <s>x");
  EXPECT_EQ(tok.decode_keep_specials({9, 3, 10}), "<s> ab </s>");
  EXPECT_EQ(tok.token_to_id("<s>x"), 11);
  EXPECT_EQ(tok.token_to_id("zzz"), std::nullopt);
}

TEST(HfTokenizerUnit, AddedTokenStripAndSingleWord) {
  json tj = five_merges();
  tj["added_tokens"] = json::array({{{"id", 9}, {"content", "<m>"}, {"special", true}, {"lstrip", true}, {"rstrip", true}},
                                    {{"id", 10}, {"content", "cc"}, {"special", false}, {"single_word", true}}});
  TokDir d(tj);
  HfTokenizer tok(d.str());
  // lstrip/rstrip: the whitespace on both sides belongs to <m>; the spaces never reach the model
  // (where, without a vocabulary entry or unk fusion, a space would be <unk> = 8)
  EXPECT_EQ(tok.encode("ab  <m>  c"), Ids({3, 9, 2}));
  EXPECT_EQ(tok.encode("ab c"), Ids({3, 8, 2}));
  // single_word: "cc" is the added token only between non-word characters
  EXPECT_EQ(tok.encode("a cc b"), Ids({0, 8, 10, 8, 1}));
  EXPECT_EQ(tok.encode("acc"), Ids({0, 6}));  // inside a word: the model's own cc (merge rank 3)
}

// Llama-2 style: Prepend "▁" + Replace " " -> "▁", byte_fallback, the Replace/ByteFallback/Fuse/Strip
// decoder, a TemplateProcessing BOS.
json llama2_like() {
  return {{"normalizer",
           {{"type", "Sequence"},
            {"normalizers", json::array({{{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}},
                                         {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}}})}}},
          {"pre_tokenizer", nullptr},
          {"model",
           {{"type", "BPE"},
            {"vocab", {{"<unk>", 0}, {"<s>", 1}, {"\xE2\x96\x81", 2}, {"h", 3}, {"i", 4}, {"<0xC3>", 5}, {"<0xA9>", 6},
                       {"hi", 7}, {"\xE2\x96\x81hi", 8}}},
            {"merges", json::array({"h i", "\xE2\x96\x81 hi"})},
            {"unk_token", "<unk>"},
            {"byte_fallback", true},
            {"fuse_unk", true}}},
          {"decoder",
           {{"type", "Sequence"},
            {"decoders", json::array({{{"type", "Replace"}, {"pattern", {{"String", "\xE2\x96\x81"}}}, {"content", " "}},
                                      {{"type", "ByteFallback"}},
                                      {{"type", "Fuse"}},
                                      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}})}}},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single", json::array({{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}},
                                    {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
            {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
          {"added_tokens", json::array({{{"id", 0}, {"content", "<unk>"}, {"special", true}},
                                        {{"id", 1}, {"content", "<s>"}, {"special", true}}})}};
}

TEST(HfTokenizerUnit, ByteFallbackWorkedByHand) {
  TokDir d(llama2_like());
  HfTokenizer tok(d.str());
  // "hi é" -> "▁hi▁é"; é (C3 A9) is not in the vocab -> <0xC3> <0xA9>;
  // h i -> hi (rank 0), ▁ hi -> ▁hi (rank 1): [▁hi ▁ <0xC3> <0xA9>]
  EXPECT_EQ(tok.encode("hi \xC3\xA9"), Ids({8, 2, 5, 6}));
  EXPECT_EQ(tok.encode_with_specials("hi"), Ids({1, 8}));
  // decode: " hi" " " "é" fused, one leading space stripped
  EXPECT_EQ(tok.decode({1, 8, 2, 5, 6}), "hi \xC3\xA9");
  // a lone continuation byte is not UTF-8: one U+FFFD per byte token
  EXPECT_EQ(tok.decode({3, 5, 5}), "h\xEF\xBF\xBD\xEF\xBF\xBD");
  // ㄱ (E3 84 B1) has no byte tokens: the unk token
  EXPECT_EQ(tok.encode("h\xE3\x84\xB1"), Ids({2, 3, 0}));
}

// Metaspace pre-tokenizer (prepend_scheme first, split) and decoder.
json metaspace(const std::string& scheme) {
  return {{"pre_tokenizer", {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", scheme}, {"split", true}}},
          {"model",
           {{"type", "BPE"},
            {"vocab", {{"\xE2\x96\x81" "a", 0}, {"\xE2\x96\x81" "b", 1}, {"\xE2\x96\x81", 2}, {"a", 3}, {"b", 4}, {"<x>", 5}}},
            {"merges", json::array({"\xE2\x96\x81 a", "\xE2\x96\x81 b"})}}},
          {"decoder", {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", scheme}}},
          {"added_tokens", json::array({{{"id", 5}, {"content", "<x>"}, {"special", true}}})}};
}

TEST(HfTokenizerUnit, MetaspaceWorkedByHand) {
  TokDir first(metaspace("first"));
  HfTokenizer tok(first.str());
  EXPECT_EQ(tok.encode("a b"), Ids({0, 1}));     // ▁a▁b split before each ▁: [▁a, ▁b]
  EXPECT_EQ(tok.encode(" a"), Ids({0}));         // already starts with ▁: nothing prepended
  EXPECT_EQ(tok.encode("<x>a"), Ids({5, 3}));    // "a" is not at the start of the text: no ▁ ("first")
  EXPECT_EQ(tok.decode({0, 1}), "a b");          // ▁ -> space; the first token's leading space dropped
  EXPECT_EQ(tok.decode_keep_specials({5, 0}), "<x> a");
  TokDir always(metaspace("always"));
  EXPECT_EQ(HfTokenizer(always.str()).encode("<x>a"), Ids({5, 0}));
  TokDir never(metaspace("never"));
  EXPECT_EQ(HfTokenizer(never.str()).encode("a b"), Ids({3, 1}));
  EXPECT_EQ(HfTokenizer(never.str()).decode({0, 1}), " a b");
}

// ByteLevel + Split regex: GPT-2 byte alphabet (space = Ġ U+0120), the Split pattern's \p{N}{1,3}.
TEST(HfTokenizerUnit, ByteLevelSplitWorkedByHand) {
  json tj = {{"pre_tokenizer",
              {{"type", "Sequence"},
               {"pretokenizers", json::array({{{"type", "Split"}, {"pattern", {{"Regex", "\\p{N}{1,3}| ?\\p{L}+|\\s+"}}},
                                               {"behavior", "Isolated"}, {"invert", false}},
                                              {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}})}}},
             {"model", {{"type", "BPE"}, {"vocab", json::object()}, {"merges", json::array()}}},
             {"decoder", {{"type", "ByteLevel"}}}};
  // vocab: the 256 byte characters in byte order (id = byte), plus "Ġa" = 256, "12" = 257
  const std::vector<std::string> chars = [] {
    std::vector<std::string> c;
    int next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      const int cp = printable ? b : next++;
      std::string s;
      if (cp < 0x80) s.push_back(static_cast<char>(cp));
      else { s.push_back(static_cast<char>(0xC0 | (cp >> 6))); s.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
      c.push_back(s);
    }
    return c;
  }();
  for (int b = 0; b < 256; ++b) tj["model"]["vocab"][chars[static_cast<size_t>(b)]] = b;
  tj["model"]["vocab"]["\xC4\xA0" "a"] = 256;  // Ġa
  tj["model"]["vocab"]["12"] = 257;
  tj["model"]["merges"] = json::array({"\xC4\xA0 a", "1 2"});
  TokDir d(tj);
  HfTokenizer tok(d.str());
  EXPECT_EQ(chars[32], "\xC4\xA0");  // the space byte is Ġ
  // "1234 a": split [123][4][ a] -> 1 2 3 -> (1,2) -> [12, 3]; [4]; Ġ a -> Ġa
  EXPECT_EQ(tok.encode("1234 a"), Ids({257, '3', '4', 256}));
  // é = C3 A9: two byte tokens, decoded back to one character
  EXPECT_EQ(tok.encode("\xC3\xA9"), Ids({0xC3, 0xA9}));
  EXPECT_EQ(tok.decode({257, '3', 256, 0xC3, 0xA9}), "123 a\xC3\xA9");
  EXPECT_EQ(tok.decode({0xC3}), "\xEF\xBF\xBD");  // a partial character decodes to U+FFFD
}

TEST(HfTokenizerUnit, MalformedFilesNameFileAndKey) {
  auto expect_error = [](const json& tj, const std::vector<std::string>& parts) {
    TokDir d(tj);
    const std::string msg = load_error(d.str());
    ASSERT_FALSE(msg.empty()) << "no error for " << tj.dump();
    EXPECT_NE(msg.find("tokenizer.json"), std::string::npos) << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  };
  json no_model = five_merges();
  no_model.erase("model");
  expect_error(no_model, {"model", "is missing"});
  json bad_merge = five_merges();
  bad_merge["model"]["merges"][2] = "abc";
  expect_error(bad_merge, {"model.merges[2]", "two tokens"});
  json merge_oov = five_merges();
  merge_oov["model"]["merges"][1] = "b zz";
  expect_error(merge_oov, {"model.merges[1]", "'zz' is not in model.vocab"});
  json pre = five_merges();
  pre["pre_tokenizer"] = {{"type", "Whitespace"}};
  expect_error(pre, {"pre_tokenizer.type", "'Whitespace' is not supported", "supported:"});
  json nested = five_merges();
  nested["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", json::array({{{"type", "ByteLevel"}}, {{"type", "Punctuation"}}})}};
  expect_error(nested, {"pre_tokenizer.pretokenizers[1].type", "'Punctuation'"});
  json model_type = five_merges();
  model_type["model"]["type"] = "WordPiece";
  expect_error(model_type, {"model.type", "'WordPiece' is not supported"});
  json norm = five_merges();
  norm["normalizer"] = {{"type", "BertNormalizer"}};
  expect_error(norm, {"normalizer.type", "'BertNormalizer'"});
  json dec = five_merges();
  dec["decoder"] = {{"type", "WordPiece"}};
  expect_error(dec, {"decoder.type", "'WordPiece'"});
  json post = five_merges();
  post["post_processor"] = {{"type", "RobertaProcessing"}};
  expect_error(post, {"post_processor.type", "'RobertaProcessing'"});
  json regex = five_merges();
  regex["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  expect_error(regex, {"pre_tokenizer", "does not compile"});
  json behavior = five_merges();
  behavior["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Sideways"}};
  expect_error(behavior, {"pre_tokenizer.behavior", "'Sideways'"});
  json added = five_merges();
  added["added_tokens"] = json::array({{{"content", "<x>"}}});
  expect_error(added, {"added_tokens[0].id", "is missing"});
}

TEST(HfTokenizerUnit, TruncatedJsonAndMissingFiles) {
  test::TokTempDir dir("trunc");
  const std::string full = five_merges().dump();
  test::write_text_file(dir.path / "tokenizer.json", full.substr(0, full.size() / 2));
  const std::string msg = load_error(dir.str());
  EXPECT_NE(msg.find("tokenizer.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;

  test::TokTempDir empty("empty");
  EXPECT_NE(load_error(empty.str()).find("neither tokenizer.json nor tokenizer.model"), std::string::npos);
  EXPECT_NE(load_error(empty.str() + "/nope").find("does not exist"), std::string::npos);

  TokDir cfg(five_merges(), {{"bos_token", "<nope>"}});
  const std::string cmsg = load_error(cfg.str());
  EXPECT_NE(cmsg.find("tokenizer_config.json: bos_token"), std::string::npos) << cmsg;
  TokDir cfg_trunc(five_merges());
  test::write_text_file(cfg_trunc.dir.path / "tokenizer_config.json", "{\"bos_token\": ");
  EXPECT_NE(load_error(cfg_trunc.str()).find("tokenizer_config.json: not valid JSON"), std::string::npos);
}

// Found by fuzz/fuzz_tokenizer: a number too large for a double (1e999) is valid JSON syntax, but
// nlohmann's parser throws json::out_of_range (406) for it, not parse_error; json_parse caught only
// parse_error, so the exception escaped load_hf_tokenizer.
TEST(HfTokenizerUnit, FuzzNumberOverflowIsAUserError) {
  for (const std::string text : {R"({"model": {"type": "BPE", "vocab": {"a": 1e999}, "merges": []}})",
                                 R"({"version": "1.0", "truncation": -1e99900000})"}) {
    test::TokTempDir dir{"overflow"};
    test::write_text_file(dir.path / "tokenizer.json", text);
    const std::string msg = load_error(dir.str());
    EXPECT_NE(msg.find("tokenizer.json: not valid JSON"), std::string::npos) << msg;
    EXPECT_NE(msg.find("number overflow"), std::string::npos) << msg;
  }
  // The same in tokenizer_config.json next to a valid tokenizer.json.
  TokDir d(five_merges());
  test::write_text_file(d.dir.path / "tokenizer_config.json", R"({"model_max_length": 1e999})");
  const std::string msg = load_error(d.str());
  EXPECT_NE(msg.find("tokenizer_config.json: not valid JSON"), std::string::npos) << msg;
}

// Found by fuzzing tokenizer_config.json (fuzz/fuzz_tokenizer, UBSan float-cast-overflow): a
// model_max_length below -9.2e18 was cast to int64 (undefined); negative lengths are now refused.
TEST(HfTokenizerUnit, FuzzNegativeModelMaxLength) {
  for (const char* v : {"-1e+30", "-1"}) {
    TokDir d(five_merges());
    test::write_text_file(d.dir.path / "tokenizer_config.json", std::string(R"({"model_max_length": )") + v + "}");
    const std::string msg = load_error(d.str());
    EXPECT_NE(msg.find("tokenizer_config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("model_max_length must be >= 0"), std::string::npos) << msg;
  }
  TokDir big(five_merges(), json{{"model_max_length", 1e30}});
  EXPECT_EQ(HfTokenizer(big.str()).model_max_length(), INT64_MAX);
  TokDir zero(five_merges(), json{{"model_max_length", 0}});
  EXPECT_EQ(HfTokenizer(zero.str()).model_max_length(), 0);
}

}  // namespace
}  // namespace swepo
