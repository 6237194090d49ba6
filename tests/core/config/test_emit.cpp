// config_to_yaml (--cfg), config_hash (run identity) and flatten_config (params table).
#include <gtest/gtest.h>

#include "core/config/compose.h"
#include "core/config/emit.h"
#include "core/config/tree.h"

namespace swepo {
namespace {

const std::string kConf = std::string(SWEPO_SOURCE_DIR) + "/tests/core/config/fixtures/conf";

TEST(ConfigToYaml, BlockStyleInConfigOrder) {
  YAML::Node n = YAML::Load(
      "seed: 0\n"
      "name: run\n"
      "lr: 1e-3\n"
      "tags: [a, b]\n"
      "empty: {}\n"
      "none: []\n"
      "nothing: null\n"
      "quoted: '1'\n"
      "yes_text: 'true'\n"
      "model: {width: 8, act: relu}\n"
      "maps: [{a: 1}]\n");
  const std::string expected =
      "seed: 0\n"
      "name: run\n"
      "lr: 1e-3\n"
      "tags:\n"
      "  - a\n"
      "  - b\n"
      "empty: {}\n"
      "none: []\n"
      "nothing: null\n"
      "quoted: \"1\"\n"
      "yes_text: \"true\"\n"
      "model:\n"
      "  width: 8\n"
      "  act: relu\n"
      "maps:\n"
      "  - a: 1\n";
  EXPECT_EQ(config_to_yaml(n), expected);
  // Reading the text back gives the same config (types included).
  EXPECT_TRUE(tree_equal(YAML::Load(config_to_yaml(n)), n));
  EXPECT_EQ(config_to_yaml(YAML::Node(YAML::NodeType::Map)), "{}\n");
}

TEST(ConfigToYaml, ComposedConfigRoundTrips) {
  ComposedConfig c = compose_config(kConf, {"+x.s='007'", "+x.l=[1,'2']"});
  const std::string text = config_to_yaml(c.config);
  EXPECT_NE(text.find("output_dir: out/swepo/seed0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  s: \"007\"\n"), std::string::npos) << text;
  EXPECT_TRUE(tree_equal(YAML::Load(text), c.config));
  EXPECT_EQ(config_to_yaml(c.config), text);  // deterministic
}

TEST(ConfigHash, CanonicalFormAndKnownDigest) {
  YAML::Node n = YAML::Load("b: 1\na: x\nc: [1.5, true, null, '2']\n");
  EXPECT_EQ(tree_canonical(n), R"({"a":"x","b":i:1,"c":[f:1.5,true,null,"2"]})");
  // sha256 of that text, from Python's hashlib.
  EXPECT_EQ(config_hash(n, true), "30b759d307ff043886170e5e099b32d062cdf6abf3f71446daf99b2fee824919");
  // sha256("{}")
  EXPECT_EQ(config_hash(YAML::Node(YAML::NodeType::Map), true),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

TEST(ConfigHash, StableUnderKeyOrderAndNumberSpelling) {
  YAML::Node a = YAML::Load("seed: 0\nmodel: {width: 8, depth: 2}\nlr: 0.001\nflag: true\n");
  YAML::Node b = YAML::Load("flag: True\nlr: 1e-3\nmodel: {depth: 2, width: 8}\nseed: 0\n");
  EXPECT_EQ(config_hash(a, true), config_hash(b, true));
  EXPECT_EQ(config_hash(a, false), config_hash(b, false));
  // Types matter: the string '8' is not the integer 8, 1.0 is not 1.
  YAML::Node s = YAML::Load("seed: 0\nmodel: {width: '8', depth: 2}\nlr: 0.001\nflag: true\n");
  EXPECT_NE(config_hash(a, true), config_hash(s, true));
  EXPECT_NE(config_hash(YAML::Load("x: 1"), true), config_hash(YAML::Load("x: 1.0"), true));
}

TEST(ConfigHash, SeedOnlyChangesTheSeededHash) {
  YAML::Node s0 = YAML::Load("seed: 0\nlr: 0.1\ndata: {seed: 3}\n");
  YAML::Node s1 = YAML::Load("seed: 1\nlr: 0.1\ndata: {seed: 3}\n");
  EXPECT_NE(config_hash(s0, true), config_hash(s1, true));
  EXPECT_EQ(config_hash(s0, false), config_hash(s1, false));
  // Without the seed, the hash is that of the config with the top-level seed removed.
  EXPECT_EQ(config_hash(s0, false), config_hash(YAML::Load("lr: 0.1\ndata: {seed: 3}\n"), true));
  // Only the top-level seed is dropped; any other change still changes the hash.
  YAML::Node d = YAML::Load("seed: 0\nlr: 0.1\ndata: {seed: 4}\n");
  EXPECT_NE(config_hash(s0, false), config_hash(d, false));
  YAML::Node lr = YAML::Load("seed: 0\nlr: 0.2\ndata: {seed: 3}\n");
  EXPECT_NE(config_hash(s0, false), config_hash(lr, false));
}

TEST(ConfigHash, NullDerivedSeedsAreLeftOutSetOnesCount) {
  YAML::Node plain = YAML::Load("seed: 0\nlr: 0.1\n");
  YAML::Node nulls = YAML::Load("seed: 0\ndata_seed: null\npair_seed: ~\neval_seed: null\nlr: 0.1\n");
  YAML::Node pair1 = YAML::Load("seed: 0\ndata_seed: null\npair_seed: 1\neval_seed: null\nlr: 0.1\n");
  YAML::Node pair2 = YAML::Load("seed: 0\ndata_seed: null\npair_seed: 2\neval_seed: null\nlr: 0.1\n");
  EXPECT_EQ(config_hash(plain, false), config_hash(nulls, false));  // runs from before the keys keep their identity
  EXPECT_NE(config_hash(nulls, false), config_hash(pair1, false));
  EXPECT_NE(config_hash(pair1, false), config_hash(pair2, false));
  // Only null top-level *_seed keys: a nested one, or another null key, still counts.
  EXPECT_NE(config_hash(plain, false), config_hash(YAML::Load("seed: 0\nlr: 0.1\ndata: {pair_seed: null}\n"), false));
  EXPECT_NE(config_hash(plain, false), config_hash(YAML::Load("seed: 0\nlr: 0.1\nsteps: null\n"), false));
  EXPECT_NE(config_hash(plain, true), config_hash(nulls, true));  // the seeded hash is of the whole config
}

TEST(ConfigHash, ComposedOverridesVsFileOrder) {
  // The same values reached by a group file or by overrides hash the same.
  ComposedConfig a = compose_config(kConf, {"model=big"});
  ComposedConfig b = compose_config(kConf, {"model.width=16", "model.depth=12", "model.activation=gelu"});
  EXPECT_EQ(config_hash(a.config, true), config_hash(b.config, true));
  ComposedConfig seeded = compose_config(kConf, {"model=big", "seed=9"});
  // output_dir embeds the seed (out/swepo/seed9), so even the unseeded hashes differ ...
  EXPECT_NE(config_hash(a.config, false), config_hash(seeded.config, false));
  // ... and once output_dir is fixed, only the seeded hash sees the seed.
  ComposedConfig fixed = compose_config(kConf, {"model=big", "seed=9", "output_dir=out"});
  ComposedConfig fixed0 = compose_config(kConf, {"model=big", "output_dir=out"});
  EXPECT_EQ(config_hash(fixed.config, false), config_hash(fixed0.config, false));
  EXPECT_NE(config_hash(fixed.config, true), config_hash(fixed0.config, true));
}

TEST(FlattenConfig, SortedDottedLeaves) {
  YAML::Node n = YAML::Load(
      "seed: 0\n"
      "trainer: {lr: 1e-3, tags: [a, b], opt: {name: adam}, empty: {}}\n"
      "nothing: null\n"
      "name: 'run 1'\n");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(flatten_config(n), (std::vector<P>{
                                   {"name", "run 1"},
                                   {"nothing", "null"},
                                   {"seed", "0"},
                                   {"trainer.empty", "{}"},
                                   {"trainer.lr", "1e-3"},
                                   {"trainer.opt.name", "adam"},
                                   {"trainer.tags", "[a, b]"},
                               }));
}

}  // namespace
}  // namespace swepo
