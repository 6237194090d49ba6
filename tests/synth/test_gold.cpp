#include <gtest/gtest.h>

#include "synth/generators.h"
#include "synth/gold.h"

using namespace swepo::synth;
using swepo::Rng;
using swepo::derive_seed;

TEST(Gold, HandWorked) {
  // exact: 10.
  EXPECT_DOUBLE_EQ(gold_reward("37abq", "37abq", 0.3), 10.0);
  // one substitution: ed 1 / max(5, 5) -> 10 (1 − 1/5) = 8.
  EXPECT_DOUBLE_EQ(gold_reward("37abq", "37abx", 0.3), 8.0);
  // prefix of 3: ed 2 / 5 -> 6.
  EXPECT_DOUBLE_EQ(gold_reward("37abq", "37a", 0.3), 6.0);
  // filler " ok": ed 3 / max(8, 5) -> 10 (1 − 3/8) = 6.25, minus 0.3 · 3 filler chars = 5.35.
  EXPECT_NEAR(gold_reward("37abq", "37abq ok", 0.3), 5.35, 1e-12);
  // empty response: ed 5 / 5 -> 0.
  EXPECT_DOUBLE_EQ(gold_reward("37abq", "", 0.3), 0.0);
  // clipped at 0: ed 13 / 13 -> 0, minus 0.3 · 5 -> clipped to 0.
  EXPECT_DOUBLE_EQ(gold_reward("ab", "zzzzzzzz done", 0.3), 0.0);
  EXPECT_EQ(filler_chars("37abq ok"), 3);
  EXPECT_EQ(filler_chars("37abq"), 0);
  EXPECT_EQ(extra_chars("37abq", "37abq ok"), 3);
  EXPECT_EQ(extra_chars("37abq", "37"), 0);
}

TEST(Annotator, HandWorked) {
  AnnotatorParams p{1.0, 0.1};
  // 5.35 + 1.0 · 0.5 + 0.1 · 3 = 6.15 -> 6.
  EXPECT_EQ(annotator_score(5.35, 3, 0.5, p), 6.0);
  // 9.8 + 1 = 10.8 -> clipped to 10.
  EXPECT_EQ(annotator_score(9.8, 0, 1.0, p), 10.0);
  // 0.2 − 1 = −0.8 -> clipped to 1.
  EXPECT_EQ(annotator_score(0.2, 0, -1.0, p), 1.0);
  // 6 + 0.5 = 6.5 -> rounds half away from zero: 7.
  EXPECT_EQ(annotator_score(6.0, 0, 0.5, p), 7.0);
  // verbosity bias 0.5 per extra char: 5.35 + 0 + 1.5 = 6.85 -> 7.
  EXPECT_EQ(annotator_score(5.35, 3, 0.0, {1.0, 0.5}), 7.0);
  // annotate() with zero noise equals the noiseless formula.
  Rng rng(3);
  EXPECT_EQ(annotate("37abq", "37abq ok", 0.3, {0.0, 0.1}, rng), 6.0);  // 5.35 + .3 = 5.65 -> 6
}

TEST(Generators, PanelBehaviour) {
  Item it = make_item("sort", "q7b3a");
  Rng rng(0);
  EXPECT_EQ(generator_by_name("exact").generate(it, rng), "37abq");
  EXPECT_EQ(generator_by_name("filler_ok").generate(it, rng), "37abq ok");
  const std::string t = generator_by_name("truncate").generate(it, rng);
  EXPECT_LT(t.size(), 5u);
  EXPECT_GE(t.size(), 3u);
  EXPECT_EQ(it.answer.substr(0, t.size()), t);
  EXPECT_NE(generator_by_name("wrong_family").generate(it, rng), "");
  const std::string d = generator_by_name("filler_done").generate(it, rng);
  EXPECT_EQ(d.substr(d.size() - 5), " done");
  // corrupt: rate 0 is the identity, rate 1 changes every character.
  EXPECT_EQ(corrupt("abcdef", 0.0, rng), "abcdef");
  const std::string all = corrupt("abcdef", 1.0, rng);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_NE(all[i], "abcdef"[i]);
  // Pure functions of (item, rng): the same seed gives the same output.
  Rng a(9), b(9);
  EXPECT_EQ(generator_by_name("noisy30").generate(make_item("reverse", "abcdefghij"), a),
            generator_by_name("noisy30").generate(make_item("reverse", "abcdefghij"), b));
}

TEST(Generators, BaselineVariantsShareOneDraw) {
  Rng rng(4);
  Item it = make_item("reverse", "abcdefghij");
  BaselineOutputs b = baseline_outputs(it, 0.15, rng);
  EXPECT_EQ(b.verbose, b.plain + " ok done");
  EXPECT_EQ(b.concise, b.plain.substr(0, 7));  // ceil(0.7 · 10) = 7
  EXPECT_EQ(b.plain.size(), 10u);
}
