// ModelConfig: presets load through Fields, the analytic parameter count matches the hand count
// and the built module, FLOPs per token, vocab resolution and validation.
#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "engine/model.h"
#include "engine/model_config.h"
#include "engine/tokenizer.h"
#include "core/util/error.h"

namespace swepo {
namespace {

ModelConfig load_preset(const std::string& name) {
  const std::string path = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/model/" + name + ".yaml";
  return model_config_with_vocab(read_fields<ModelConfig>(YAML::LoadFile(path), "model"),
                                 ByteTokenizer().vocab_size());
}

TEST(ModelConfig, TinyPresetParameterCountByHand) {
  ModelConfig c = load_preset("tiny");
  EXPECT_EQ(c.name, "tiny");
  EXPECT_EQ(c.vocab_size, 260);
  // V=260, D=128, F=352, L=3, tied head:
  //   embedding 260*128 = 33,280
  //   per layer 2*128 (norms) + 4*128^2 (Wqkv, Wo) + 3*128*352 (W1, W3, W2)
  //           = 256 + 65,536 + 135,168 = 200,960;  x3 = 602,880
  //   final norm 128
  //   total 33,280 + 602,880 + 128 = 636,288
  EXPECT_EQ(count_parameters(c), 636288);
  Transformer m(c);
  EXPECT_EQ(model_numel(m), 636288);
}

TEST(ModelConfig, UntiedHeadAddsVocabTimesWidth) {
  ModelConfig c = load_preset("tiny");
  c.tie_embeddings = false;
  EXPECT_EQ(count_parameters(c), 636288 + 260 * 128);  // 669,568
  Transformer m(c);
  EXPECT_EQ(model_numel(m), 669568);
}

TEST(ModelConfig, PresetsHaveTheAdvertisedSizes) {
  ModelConfig s = load_preset("small");
  EXPECT_EQ(s.name, "small");
  EXPECT_EQ(count_parameters(s), 6493440);  // 260*256 + 8*(512 + 262,144 + 540,672) + 256
  ModelConfig b = load_preset("base100m");
  EXPECT_EQ(b.name, "base100m");
  EXPECT_EQ(count_parameters(b), 92231424);  // 260*768 + 12*(1,536 + 2,359,296 + 5,308,416) + 768
}

TEST(ModelConfig, FlopsPerTokenByHand) {
  ModelConfig c = load_preset("tiny");
  // matmul params: 3*(4*128^2 + 3*128*352) + 260*128 = 3*200,704 + 33,280 = 635,392
  EXPECT_EQ(count_matmul_parameters(c), 635392);
  // 6*635,392 + 12*3*128*64 = 3,812,352 + 294,912 = 4,107,264
  EXPECT_DOUBLE_EQ(model_flops_per_token(c, 64), 4107264.0);
}

TEST(ModelConfig, VocabResolution) {
  ModelConfig c;
  EXPECT_EQ(model_config_with_vocab(c, 260).vocab_size, 260);
  c.vocab_size = 300;
  EXPECT_EQ(model_config_with_vocab(c, 260).vocab_size, 300);
  c.vocab_size = 100;
  EXPECT_THROW(model_config_with_vocab(c, 260), UserError);
}

TEST(ModelConfig, ValidationNamesTheKey) {
  ModelConfig c = model_config_with_vocab(ModelConfig{}, 260);
  EXPECT_NO_THROW(model_config_validate(c));
  c.d_model = 130;  // not a multiple of n_head = 4
  try {
    model_config_validate(c);
    FAIL() << "expected UserError";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("d_model"), std::string::npos) << e.what();
  }
  ModelConfig unresolved;  // vocab_size 0
  EXPECT_THROW(Transformer{unresolved}, UserError);
}

TEST(ModelConfig, YamlRejectsBadValues) {
  ModelConfig c;
  Fields f(YAML::Load("{n_head: 3, d_model: 128}"), "model");
  EXPECT_THROW(c.visit(f), UserError);  // 128 is not a multiple of 3
  ModelConfig c2;
  Fields f2(YAML::Load("{n_heads: 4}"), "model");
  c2.visit(f2);
  EXPECT_THROW(f2.done(), UserError);  // unknown key
}

}  // namespace
}  // namespace swepo
