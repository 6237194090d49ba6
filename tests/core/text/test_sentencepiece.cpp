// SentencePiece tokenizer.model: tiny BPE models trained here with libsentencepiece's trainer,
// loaded through load_hf_tokenizer (swepo's own reader, core/text/sentencepiece_tokenizer.h); ids
// checked against the `spm_encode --output_format=id` CLI and decodes against `spm_decode` (the
// independent reference), BOS/EOS flags from tokenizer_config.json, unsupported models.
#include <gtest/gtest.h>
#include <sentencepiece_trainer.h>

#include <algorithm>
#include <cstdlib>

#include "core/text/tokenizer_hf.h"
#include "core/util/error.h"
#include "tests/core/text/tokenizer_test_util.h"

namespace swepo {
namespace {

using Ids = std::vector<int64_t>;

const std::vector<std::string> kTexts = {
    "the quick brown fox jumps over the lazy dog", "hello world", "  spaces  and\ttabs   ", "numbers 12345",
    "caf\xC3\xA9 na\xC3\xAFve", "unseen zyxwvq QJ", "", " ", "a", "\xE4\xBD\xA0\xE5\xA5\xBD CJK", "emoji \xF0\x9F\x98\x80",
    "thethethe andand", "x  y   z",
};

// Trains DIR/tokenizer.model (BPE, `vocab` pieces at most, normalization `rule`) on a small English
// corpus; `extra`: more spm_train flags.
void train_model(const test::TokTempDir& dir, const std::string& extra = "", int vocab = 80,
                 const std::string& rule = "identity") {
  std::string corpus;
  const char* lines[] = {"the quick brown fox jumps over the lazy dog", "hello world hello there",
                         "a tokenizer splits text into pieces", "numbers like 12345 and 678 appear",
                         "caf\xC3\xA9 and na\xC3\xAFve have accents", "the the the and and of of to to"};
  for (int rep = 0; rep < 20; ++rep)
    for (const char* l : lines) corpus += std::string(l) + "\n";
  test::write_text_file(dir.path / "corpus.txt", corpus);
  const std::string args = "--input=" + (dir.path / "corpus.txt").string() + " --model_prefix=" +
                           (dir.path / "tokenizer").string() +
                           " --vocab_size=" + std::to_string(vocab) +
                           " --model_type=bpe --character_coverage=1.0 --minloglevel=2"
                           " --hard_vocab_limit=false --normalization_rule_name=" + rule + " " + extra;
  const auto status = sentencepiece::SentencePieceTrainer::Train(args);
  ASSERT_TRUE(status.ok()) << status.ToString();
}

// spm_encode's ids for each text (one line per text).
std::vector<Ids> spm_cli_ids(const test::TokTempDir& dir, const std::vector<std::string>& texts) {
  std::string in;
  for (const auto& t : texts) in += t + "\n";
  test::write_text_file(dir.path / "in.txt", in);
  const std::string cmd = "spm_encode --model='" + (dir.path / "tokenizer.model").string() +
                          "' --output_format=id < '" + (dir.path / "in.txt").string() + "' > '" +
                          (dir.path / "out.txt").string() + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("spm_encode failed");
  std::vector<Ids> out;
  std::istringstream lines(test::read_text_file(dir.path / "out.txt"));
  for (std::string line; std::getline(lines, line);) {
    Ids ids;
    std::istringstream ws(line);
    for (int64_t id; ws >> id;) ids.push_back(id);
    out.push_back(ids);
  }
  return out;
}

void check_against_spm_cli(const std::string& extra, int vocab) {
  test::TokTempDir dir("spm");
  train_model(dir, extra, vocab);
  auto tok = load_hf_tokenizer(dir.str());
  EXPECT_EQ(tok->name(), "hf:" + dir.str());
  EXPECT_GE(tok->vocab_size(), 40);
  // spm_train's defaults: <unk>=0, <s>=1, </s>=2, no pad
  EXPECT_EQ(tok->bos_id(), 1);
  EXPECT_EQ(tok->eos_id(), 2);
  EXPECT_EQ(tok->pad_id(), -1);
  if (std::system("spm_encode --help > /dev/null 2>&1") != 0) GTEST_SKIP() << "spm_encode (Debian package sentencepiece) is missing";
  const auto ref = spm_cli_ids(dir, kTexts);
  ASSERT_EQ(ref.size(), kTexts.size());
  for (size_t i = 0; i < kTexts.size(); ++i) {
    const Ids ids = tok->encode(kTexts[i]);
    EXPECT_EQ(ids, ref[i]) << kTexts[i];
    // with byte fallback nothing is unknown: CJK and emoji become <0xNN> pieces
    if (extra.find("byte_fallback=true") != std::string::npos) {
      EXPECT_EQ(std::find(ids.begin(), ids.end(), 0), ids.end()) << kTexts[i];
    }
  }
  // decode = spm_decode of the same ids
  std::string ids_text;
  for (const auto& ids : ref) {
    for (size_t k = 0; k < ids.size(); ++k) ids_text += (k ? " " : "") + std::to_string(ids[k]);
    ids_text += "\n";
  }
  test::write_text_file(dir.path / "ids.txt", ids_text);
  const std::string cmd = "spm_decode --model='" + (dir.path / "tokenizer.model").string() + "' --input_format=id < '" +
                          (dir.path / "ids.txt").string() + "' > '" + (dir.path / "dec.txt").string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::istringstream dec(test::read_text_file(dir.path / "dec.txt"));
  for (size_t i = 0; i < ref.size(); ++i) {
    std::string line;
    std::getline(dec, line);
    // spm_decode writes <unk> (id 0) as " ⁇ "; swepo's decode skips it as a special token (HF
    // decode(skip_special_tokens=True)), so only unk-free rows are compared
    if (std::find(ref[i].begin(), ref[i].end(), 0) != ref[i].end()) continue;
    EXPECT_EQ(tok->decode(ref[i]), line) << kTexts[i];
  }
}

// Defaults: extra whitespace collapsed, unknown characters -> <unk>.
TEST(SentencePieceTokenizer, IdsMatchSpmEncodeDefaults) { check_against_spm_cli("", 80); }
// Byte fallback on, whitespace kept as written.
TEST(SentencePieceTokenizer, IdsMatchSpmEncodeByteFallback) {
  check_against_spm_cli("--byte_fallback=true --remove_extra_whitespaces=false", 400);
}

TEST(SentencePieceTokenizer, ControlTokensInTextAndBosEosFlags) {
  test::TokTempDir dir("spm_flags");
  train_model(dir);
  auto tok = load_hf_tokenizer(dir.str());
  const Ids hello = tok->encode("hello");
  // "</s>" written in the text is the EOS id, not pieces of "<", "/", "s", ">"
  Ids expect = hello;
  expect.push_back(2);
  EXPECT_EQ(tok->encode("hello</s>"), expect);
  // default (no tokenizer_config.json): BOS added, no EOS, as HF's LlamaTokenizer
  Ids with_bos{1};
  with_bos.insert(with_bos.end(), hello.begin(), hello.end());
  EXPECT_EQ(tok->encode_with_specials("hello"), with_bos);
  EXPECT_EQ(tok->decode(with_bos), "hello");  // BOS skipped
  EXPECT_TRUE(tok->is_special_id(1));
  EXPECT_EQ(tok->token_to_id("</s>"), 2);
  EXPECT_EQ(tok->token_to_id("no-such-piece"), std::nullopt);
  EXPECT_THROW(tok->decode({tok->vocab_size()}), UserError);

  test::write_text_file(dir.path / "tokenizer_config.json", R"({"add_bos_token": false, "add_eos_token": true})");
  auto tok2 = load_hf_tokenizer(dir.str());
  Ids with_eos = hello;
  with_eos.push_back(2);
  EXPECT_EQ(tok2->encode_with_specials("hello"), with_eos);
  EXPECT_NE(tok2->fingerprint(), "");
  EXPECT_NE(tok2->fingerprint(), tok->fingerprint());  // the config file is part of the identity
}

std::string load_error(const std::string& dir) {
  try {
    load_hf_tokenizer(dir);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(SentencePieceTokenizer, UnsupportedOrMalformedModelsAreUserErrors) {
  test::TokTempDir bad("spm_bad");
  test::write_text_file(bad.path / "tokenizer.model", "this is not a protobuf");
  const std::string msg = load_error(bad.str());
  EXPECT_NE(msg.find("tokenizer.model: not a SentencePiece model"), std::string::npos) << msg;

  test::TokTempDir uni("spm_unigram");
  {
    std::string corpus;
    for (int rep = 0; rep < 30; ++rep) corpus += "hello world unigram models are not converted\n";
    test::write_text_file(uni.path / "corpus.txt", corpus);
    const auto status = sentencepiece::SentencePieceTrainer::Train(
        "--input=" + (uni.path / "corpus.txt").string() + " --model_prefix=" + (uni.path / "tokenizer").string() +
        " --vocab_size=30 --model_type=unigram --minloglevel=2 --hard_vocab_limit=false");
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  const std::string umsg = load_error(uni.str());
  EXPECT_NE(umsg.find("trainer_spec.model_type UNIGRAM is not supported"), std::string::npos) << umsg;

  test::TokTempDir nfkc("spm_nfkc");
  train_model(nfkc, "", 80, "nmt_nfkc");
  const std::string nmsg = load_error(nfkc.str());
  EXPECT_NE(nmsg.find("normalizer_spec 'nmt_nfkc'"), std::string::npos) << nmsg;

  test::TokTempDir cut("spm_cut");
  train_model(cut);
  const std::string full = test::read_text_file(cut.path / "tokenizer.model");
  test::write_text_file(cut.path / "tokenizer.model", full.substr(0, full.size() / 2));
  const std::string cmsg = load_error(cut.str());
  EXPECT_NE(cmsg.find("tokenizer.model: not a SentencePiece model"), std::string::npos) << cmsg;
}

}  // namespace
}  // namespace swepo
