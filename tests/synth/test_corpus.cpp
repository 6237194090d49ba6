#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include "synth/corpus.h"
#include "synth/gold.h"
#include "core/util/error.h"
#include "core/util/fs.h"

using namespace swepo::synth;

namespace {

SynthConfig small_config() {
  SynthConfig c;
  c.cache_dir = "";
  c.n_sft = 2000;
  c.n_pref = 300;
  c.n_alpaca = 40;
  c.n_arena = 20;
  c.n_mtbench = 10;
  return c;
}

std::string tmpdir(const char* name) {
  auto d = std::filesystem::temp_directory_path() / (std::string(name) + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  return d.string();
}

}  // namespace

TEST(Corpus, DeterministicFromSeed) {
  SynthConfig c = small_config();
  const std::string a = synth_data_to_json(build_synth_data(c));
  EXPECT_EQ(a, synth_data_to_json(build_synth_data(c)));
  c.data_seed = 1;
  const SynthData other = build_synth_data(c);
  EXPECT_NE(a, synth_data_to_json(other));
}

TEST(Corpus, FingerprintCoversGeneratingKeysOnly) {
  SynthConfig c = small_config();
  const std::string fp = synth_fingerprint(c);
  EXPECT_EQ(fp.size(), 64u);
  SynthConfig d = c;
  d.cache_dir = "/elsewhere";
  EXPECT_EQ(synth_fingerprint(d), fp);
  d.verbosity_bias = 0.2;
  EXPECT_NE(synth_fingerprint(d), fp);
  SynthConfig e = c;
  e.K = 3;
  EXPECT_NE(synth_fingerprint(e), fp);
}

TEST(Corpus, ShapesAndInvariants) {
  SynthConfig c = small_config();
  const SynthData d = build_synth_data(c);
  ASSERT_EQ(d.sft.size(), 2000u);
  ASSERT_EQ(d.pref.size(), 300u);
  ASSERT_EQ(d.alpaca.items.size(), 40u);
  ASSERT_EQ(d.alpaca.difficulty.size(), 40u);
  ASSERT_EQ(d.arena.items.size(), 20u);
  ASSERT_EQ(d.mtbench.size(), 10u);
  std::set<std::string> heldout;
  for (const auto& it : d.alpaca.items) heldout.insert(it.prompt);
  for (const auto& it : d.arena.items) heldout.insert(it.prompt);
  for (const auto& q : d.mtbench) heldout.insert(q.item.prompt);
  int filler = 0;
  for (const auto& r : d.sft) {
    EXPECT_FALSE(heldout.count(r.prompt)) << r.prompt;
    filler += filler_chars(r.response) > 0;
  }
  // Filler share ≈ 0.6 (binomial sd sqrt(.24/2000) ≈ .011).
  EXPECT_NEAR(filler / 2000.0, 0.6, 0.05);
  for (size_t i = 0; i < d.pref.size(); ++i) {
    const auto& r = d.pref[i];
    EXPECT_FALSE(heldout.count(r.prompt));
    ASSERT_EQ(r.responses.size(), 4u);
    ASSERT_EQ(r.scores.size(), 4u);
    std::set<std::string> gens(d.pref_generators[i].begin(), d.pref_generators[i].end());
    EXPECT_EQ(gens.size(), 4u);  // distinct generators
    for (double s : r.scores) {
      EXPECT_GE(s, 1.0);
      EXPECT_LE(s, 10.0);
      EXPECT_EQ(s, std::round(s));
    }
  }
  for (double g : d.alpaca.difficulty) {
    EXPECT_GE(g, 0.0);
    EXPECT_LE(g, 1.0);
  }
  for (const auto& it : d.arena.items) EXPECT_GE(it.payload.size(), 8u);
  for (const auto& q : d.mtbench) EXPECT_NE(q.family2, q.item.family);
}

TEST(Corpus, AnyKFromTwoToEight) {
  SynthConfig c = small_config();
  c.n_sft = 0;
  c.n_pref = 20;
  for (int k : {2, 8}) {
    c.K = k;
    const SynthData d = build_synth_data(c);
    for (const auto& r : d.pref) EXPECT_EQ(r.responses.size(), static_cast<size_t>(k));
  }
}

TEST(Corpus, AnnotatorScoresFollowGold) {
  // Over the corpus, better generators get higher annotator scores on average.
  SynthConfig c = small_config();
  c.n_sft = 0;
  c.n_pref = 1500;
  const SynthData d = build_synth_data(c);
  std::map<std::string, std::pair<double, int>> by;
  for (size_t i = 0; i < d.pref.size(); ++i)
    for (size_t k = 0; k < d.pref[i].scores.size(); ++k) {
      by[d.pref_generators[i][k]].first += d.pref[i].scores[k];
      by[d.pref_generators[i][k]].second += 1;
    }
  auto avg = [&](const char* g) { return by[g].first / by[g].second; };
  EXPECT_GT(avg("exact"), avg("noisy15"));
  EXPECT_GT(avg("noisy15"), avg("noisy30"));
  EXPECT_GT(avg("exact"), avg("filler_ok"));
  EXPECT_GT(avg("exact"), 9.0);
}

TEST(Corpus, CacheRoundTrip) {
  SynthConfig c = small_config();
  c.cache_dir = tmpdir("swepo_synth_cache_");
  const std::string path = synth_cache_path(c);
  EXPECT_FALSE(std::filesystem::exists(path));
  const SynthData built = load_or_build_synth_data(c);
  ASSERT_TRUE(std::filesystem::exists(path));
  // The second call reads the file back.
  const SynthData loaded = load_or_build_synth_data(c);
  EXPECT_EQ(synth_data_to_json(built), synth_data_to_json(loaded));
  EXPECT_EQ(loaded.alpaca.items[3].answer, built.alpaca.items[3].answer);
  EXPECT_EQ(loaded.pref[5].scores, built.pref[5].scores);
  // A corrupt cache is a UserError naming the file, not a silent rebuild.
  swepo::write_file_atomic(path, "{\"format\": 1");
  try {
    load_or_build_synth_data(c);
    FAIL();
  } catch (const swepo::UserError& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(c.cache_dir);
}

TEST(Corpus, ConfigFromYaml) {
  YAML::Node n = YAML::Load("{K: 3, n_pref: 10, families: [sort, reverse]}");
  SynthConfig c = synth_config_from_yaml(n);
  EXPECT_EQ(c.K, 3);
  EXPECT_EQ(c.families.size(), 2u);
  EXPECT_THROW(synth_config_from_yaml(YAML::Load("{K: 9}")), swepo::UserError);
  EXPECT_THROW(synth_config_from_yaml(YAML::Load("{families: [spin]}")), swepo::UserError);
  try {
    synth_config_from_yaml(YAML::Load("{n_preff: 3}"));
    FAIL();
  } catch (const swepo::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("data.n_preff"), std::string::npos) << e.what();
  }
  // The shipped config file parses and equals the defaults.
  SynthConfig shipped =
      synth_config_from_yaml(YAML::LoadFile(std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/data/synthfeedback.yaml"));
  EXPECT_EQ(synth_fingerprint(shipped), synth_fingerprint(SynthConfig{}));
}

TEST(Corpus, OnPolicyHook) {
  SynthConfig c;
  c.annotator_noise = 0.0;  // deterministic scores: round(clip(R* + 0.1 · extra))
  std::vector<std::string> asked;
  int asked_n = 0;
  SampleFn sample = [&](const std::vector<std::string>& prompts, int n) {
    asked = prompts;
    asked_n = n;
    return std::vector<std::string>{"37abq", "37abq ok", "a3b7q", ""};
  };
  auto recs = build_on_policy_preferences(c, {"sort: q7b3a", "reverse: q7b3a"}, sample, 2);
  EXPECT_EQ(asked.size(), 2u);
  EXPECT_EQ(asked_n, 2);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].responses, (std::vector<std::string>{"37abq", "37abq ok"}));
  // 10; 5.35 + 0.3 = 5.65 -> 6; reverse answer exact -> 10; empty -> 0 -> clipped to 1.
  EXPECT_EQ(recs[0].scores, (std::vector<double>{10, 6}));
  EXPECT_EQ(recs[1].scores, (std::vector<double>{10, 1}));
  SampleFn bad = [](const std::vector<std::string>&, int) { return std::vector<std::string>{"x"}; };
  EXPECT_THROW(build_on_policy_preferences(c, {"sort: ab"}, bad, 2), swepo::UserError);
}
