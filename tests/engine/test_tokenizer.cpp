// Byte tokenizer round trip (incl. non-ASCII and NUL bytes), special ids, factory errors.
#include <gtest/gtest.h>

#include <set>

#include "engine/tokenized.h"
#include "engine/tokenizer.h"
#include "core/util/error.h"

namespace swepo {
namespace {

TEST(Tokenizer, ByteRoundTripIncludingNonAscii) {
  ByteTokenizer tok;
  const std::string text = std::string("h\xC3\xA9llo \xE2\x9C\x93 ") + '\0' + "\xFF\x80 end";
  std::vector<int64_t> ids = tok.encode(text);
  ASSERT_EQ(ids.size(), text.size());
  EXPECT_EQ(ids[0], 104);   // 'h'
  EXPECT_EQ(ids[1], 0xC3);  // first byte of U+00E9: 195
  EXPECT_EQ(ids[2], 0xA9);  // 169
  for (int64_t id : ids) EXPECT_TRUE(id >= 0 && id < 256);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(Tokenizer, SpecialIdsDistinctAndSkippedByDecode) {
  ByteTokenizer tok;
  std::set<int64_t> specials{tok.bos_id(), tok.eos_id(), tok.pad_id(), tok.sep_id()};
  EXPECT_EQ(specials.size(), 4u);
  for (int64_t s : specials) {
    EXPECT_GE(s, 256);
    EXPECT_LT(s, tok.vocab_size());
    EXPECT_TRUE(tok.is_special(s));
  }
  EXPECT_EQ(tok.vocab_size(), 260);
  EXPECT_FALSE(tok.is_special(65));
  EXPECT_EQ(tok.decode({tok.bos_id(), 65, tok.sep_id(), 66, tok.eos_id(), tok.pad_id()}), "AB");
}

TEST(Tokenizer, DecodeRejectsOutOfRangeIds) {
  ByteTokenizer tok;
  EXPECT_THROW(tok.decode({65, 260}), UserError);
  EXPECT_THROW(tok.decode({-1}), UserError);
}

TEST(Tokenizer, FactoryByNameAndUnknownNameListsValid) {
  auto t = make_tokenizer("byte");
  EXPECT_EQ(t->name(), "byte");
  EXPECT_EQ(tokenizer_names(), std::vector<std::string>{"byte"});
  try {
    make_tokenizer("sentencepiece");
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("byte"), std::string::npos) << e.what();
  }
}

TEST(Tokenizer, TokenizeRecords) {
  ByteTokenizer tok;
  TokenizedGroup g = tokenize_group(tok, PreferenceRecord{"ab", {"c", "de"}, {1.0, 2.0}});
  EXPECT_EQ(g.prompt, (std::vector<int64_t>{97, 98}));
  ASSERT_EQ(g.responses.size(), 2u);
  EXPECT_EQ(g.responses[1], (std::vector<int64_t>{100, 101}));
  EXPECT_EQ(g.scores, (std::vector<double>{1.0, 2.0}));
  EXPECT_THROW(tokenize_group(tok, PreferenceRecord{"ab", {"c"}, {1.0, 2.0}}), UserError);
  EXPECT_THROW(tokenize_group(tok, PreferenceRecord{"ab", {}, {}}), UserError);
  TokenizedSft s = tokenize_sft(tok, SftRecord{"x", "yz"});
  EXPECT_EQ(s.prompt, (std::vector<int64_t>{120}));
  EXPECT_EQ(s.response, (std::vector<int64_t>{121, 122}));
}

}  // namespace
}  // namespace swepo
