#include <cmath>
#include <set>

#include <gtest/gtest.h>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "core/data/loaders.h"
#include "core/util/error.h"

using namespace swepo;

namespace {

// Expects a UserError whose message contains every needle.
template <class F>
void expect_error(F f, std::vector<std::string> needles) {
  try {
    f();
    FAIL() << "no error";
  } catch (const UserError& e) {
    for (const auto& n : needles) EXPECT_NE(std::string(e.what()).find(n), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(Jsonl, Canonical) {
  const std::string text =
      "{\"prompt\": \"sort: ba\", \"responses\": [\"ab\", \"ba\", \"ab ok\"], \"scores\": [9, 2, 6.5]}\n"
      "\n"
      "{\"prompt\": \"p2\", \"responses\": [\"x\"], \"scores\": [1]}\n";
  auto recs = parse_jsonl_preferences(text, "f.jsonl");
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].prompt, "sort: ba");
  EXPECT_EQ(recs[0].responses, (std::vector<std::string>{"ab", "ba", "ab ok"}));
  EXPECT_EQ(recs[0].scores, (std::vector<double>{9, 2, 6.5}));
  EXPECT_EQ(recs[1].responses.size(), 1u);
}

TEST(Jsonl, MalformedLinesNamed) {
  const std::string ok = "{\"prompt\": \"p\", \"responses\": [\"a\"], \"scores\": [1]}\n";
  expect_error([&] { parse_jsonl_preferences(ok + "{\"prompt\": \"p\"\n", "f.jsonl"); }, {"f.jsonl:2:", "JSON"});
  expect_error([&] { parse_jsonl_preferences(ok + ok + "{\"responses\": [\"a\"], \"scores\": [1]}\n", "f.jsonl"); },
               {"f.jsonl:3:", "'prompt'"});
  expect_error([&] { parse_jsonl_preferences("{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"scores\": [1]}", "f"); },
               {"f:1:", "'scores'", "2"});
  expect_error([&] { parse_jsonl_preferences("{\"prompt\": \"p\", \"responses\": [\"a\", 3], \"scores\": [1, 2]}", "f"); },
               {"f:1:", "responses[1]"});
  expect_error([&] { parse_jsonl_preferences("{\"prompt\": \"p\", \"responses\": [\"a\"], \"scores\": [\"hi\"]}", "f"); },
               {"f:1:", "scores[0]"});
  expect_error([&] { parse_jsonl_preferences("[1, 2]", "f"); }, {"f:1:", "object"});
  expect_error([&] { parse_jsonl_preferences("{\"prompt\": \"p\", \"responses\": [], \"scores\": []}", "f"); },
               {"f:1:", "'responses'"});
  expect_error([&] { load_jsonl_preferences("/nonexistent/x.jsonl"); }, {"/nonexistent/x.jsonl"});
}

TEST(UltraFeedback, Records) {
  const std::string text =
      "{\"source\": \"evol\", \"instruction\": \"Say hi\", \"models\": [\"a\", \"b\"], \"completions\": ["
      "{\"model\": \"a\", \"response\": \"hi\", \"overall_score\": 7.5, \"fine-grained_score\": 4},"
      "{\"model\": \"b\", \"response\": \"hello there\", \"overall_score\": 3}]}\n";
  auto recs = parse_ultrafeedback(text, "uf.jsonl");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].prompt, "Say hi");
  EXPECT_EQ(recs[0].responses, (std::vector<std::string>{"hi", "hello there"}));
  EXPECT_EQ(recs[0].scores, (std::vector<double>{7.5, 3}));
}

TEST(UltraFeedback, MalformedLinesNamed) {
  const std::string ok = "{\"instruction\": \"i\", \"completions\": [{\"response\": \"r\", \"overall_score\": 1}]}\n";
  expect_error([&] { parse_ultrafeedback(ok + "{\"completions\": []}\n", "uf"); }, {"uf:2:", "'instruction'"});
  expect_error([&] { parse_ultrafeedback(ok + "{\"instruction\": \"i\", \"completions\": [{\"response\": \"r\"}]}", "uf"); },
               {"uf:2:", "completions[0].overall_score"});
  expect_error([&] { parse_ultrafeedback("{\"instruction\": \"i\", \"completions\": [{\"response\": 1, \"overall_score\": 2}]}", "uf"); },
               {"uf:1:", "completions[0].response"});
  expect_error([&] { parse_ultrafeedback("{\"instruction\": \"i\", \"completions\": [{\"response\": \"r\", \"overall_score\": \"N/A\"}]}", "uf"); },
               {"uf:1:", "completions[0].overall_score", "number"});
}

TEST(UltraFeedback, ScoreChoiceAndUnscoredRatings) {
  auto completion = [](const std::string& r, double overall, double fine, const std::string& help,
                       const std::string& honest) {
    return "{\"response\": \"" + r + "\", \"overall_score\": " + std::to_string(overall) +
           ", \"fine-grained_score\": " + std::to_string(fine) + ", \"annotations\": {\"helpfulness\": {\"Rating\": \"" +
           help + "\"}, \"honesty\": {\"Rating\": \"" + honest +
           "\"}, \"instruction_following\": {\"Rating\": \"3\"}, \"truthfulness\": {\"Rating\": \"5\"}}}";
  };
  const std::string text = "{\"instruction\": \"i\", \"completions\": [" + completion("a", 7, 4.25, "4", "2") + ", " +
                           completion("b", 5, 3.5, "1", "N/A") + "]}\n";
  EXPECT_EQ(parse_ultrafeedback(text, "uf", "overall_score")[0].scores, (std::vector<double>{7, 5}));
  EXPECT_EQ(parse_ultrafeedback(text, "uf", "fine-grained_score")[0].scores, (std::vector<double>{4.25, 3.5}));
  EXPECT_EQ(parse_ultrafeedback(text, "uf", "helpfulness")[0].scores, (std::vector<double>{4, 1}));
  auto honest = parse_ultrafeedback(text, "uf", "honesty")[0].scores;
  EXPECT_EQ(honest[0], 2);
  EXPECT_TRUE(std::isnan(honest[1]));  // "N/A": unscored, dropped and counted by select_records
  auto mean = parse_ultrafeedback(text, "uf", "mean_rating")[0].scores;
  EXPECT_DOUBLE_EQ(mean[0], (4 + 2 + 3 + 5) / 4.0);
  EXPECT_TRUE(std::isnan(mean[1]));
  expect_error([&] { parse_ultrafeedback("{\"instruction\": \"i\", \"completions\": [{\"response\": \"r\", "
                                         "\"annotations\": {\"honesty\": {\"Rating\": \"high\"}}}]}",
                                         "uf", "honesty"); },
               {"uf:1:", "completions[0].annotations.honesty.Rating", "high"});
}

TEST(UltraFeedbackBinarized, Records) {
  const std::string text =
      "{\"prompt\": \"Say hi\", \"prompt_id\": \"x1\", \"chosen\": [{\"role\": \"user\", \"content\": \"Say hi\"}, "
      "{\"role\": \"assistant\", \"content\": \"hi!\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"Say hi\"}, "
      "{\"role\": \"assistant\", \"content\": \"no\"}], \"messages\": [], \"score_chosen\": 8.5, \"score_rejected\": 3}\n";
  auto recs = parse_ultrafeedback_binarized(text, "bin.jsonl");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].prompt, "Say hi");
  EXPECT_EQ(recs[0].responses, (std::vector<std::string>{"hi!", "no"}));
  EXPECT_EQ(recs[0].scores, (std::vector<double>{8.5, 3}));
  expect_error([&] { parse_ultrafeedback_binarized("{\"prompt\": \"p\", \"chosen\": [{\"role\": \"user\", \"content\": \"p\"}], "
                                                   "\"rejected\": [], \"score_chosen\": 1, \"score_rejected\": 0}", "bin"); },
               {"bin:1:", "'chosen'", "no assistant message"});
  expect_error([&] { parse_ultrafeedback_binarized(text + "{\"prompt\": \"p\"}\n", "bin"); }, {"bin:2:", "'chosen'"});
}

TEST(SelectRecords, CountsWhatIsDroppedThenShufflesCapsAndSplits) {
  std::vector<PreferenceRecord> recs;
  for (int i = 0; i < 10; ++i) recs.push_back({"p" + std::to_string(i), {"a", "b", "c"}, {3, 2, 1}});
  recs[1].responses[2] = "  ";                // one empty response: K 3 -> 2, kept
  recs[2].responses = {"a", ""};               // K 2 -> 1: too few
  recs[2].scores = {1, 2};
  recs[3].scores = {5, 5, 5};                  // all equal
  recs[4].scores = {std::nan(""), 1, 2};       // one unscored response
  SelectedRecords s = select_records(recs, {}, 2, true);
  EXPECT_EQ(s.read, 10);
  EXPECT_EQ(s.empty_responses, 2);
  EXPECT_EQ(s.unscored, 1);
  EXPECT_EQ(s.too_few, 1);
  EXPECT_EQ(s.equal_scores, 1);
  ASSERT_EQ(s.train.size(), 8u);
  EXPECT_EQ(s.train[0].prompt, "p0");  // file order without a shuffle
  EXPECT_EQ(s.train[1].responses.size(), 2u);
  EXPECT_EQ(s.train[2].prompt, "p4");
  EXPECT_EQ(s.train[2].scores, (std::vector<double>{1, 2}));
  EXPECT_NE(s.summary().find("read 10, kept 8 (train 8, held out 0)"), std::string::npos) << s.summary();
  // Ties kept when the loss does not skip them; min_k 1 keeps the one-response record.
  EXPECT_EQ(select_records(recs, {}, 1, false).train.size(), 10u);

  RecordSelection sel;
  sel.shuffle = true;
  sel.shuffle_seed = 7;
  sel.max_records = 6;
  sel.heldout_fraction = 0.25;  // ceil(0.25 * 6) = 2
  SelectedRecords a = select_records(recs, sel, 2, true), b = select_records(recs, sel, 2, true);
  EXPECT_EQ(a.over_max, 2);
  ASSERT_EQ(a.train.size(), 4u);
  ASSERT_EQ(a.heldout.size(), 2u);
  std::vector<std::string> order_a, order_b;
  for (const auto* v : {&a.train, &a.heldout})
    for (const auto& r : *v) order_a.push_back(r.prompt);
  for (const auto* v : {&b.train, &b.heldout})
    for (const auto& r : *v) order_b.push_back(r.prompt);
  EXPECT_EQ(order_a, order_b);  // the same seed, the same selection
  std::set<std::string> distinct(order_a.begin(), order_a.end());
  EXPECT_EQ(distinct.size(), 6u);
  std::vector<std::string> file_order = {"p0", "p1", "p4", "p5", "p6", "p7"};
  EXPECT_NE(order_a, file_order);  // shuffled (seed 7 moves something)
  sel.shuffle_seed = 8;
  SelectedRecords c = select_records(recs, sel, 2, true);
  std::vector<std::string> order_c;
  for (const auto* v : {&c.train, &c.heldout})
    for (const auto& r : *v) order_c.push_back(r.prompt);
  EXPECT_NE(order_a, order_c);
}

TEST(DataConfigs, ShippedFilesParse) {
  for (const char* f : {"jsonl", "ultrafeedback", "ultrafeedback_binarized"}) {
    YAML::Node n = YAML::LoadFile(std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/data/" + f + ".yaml");
    // path is empty in the shipped file (the user sets it): the config rejects that by name.
    n.remove("path");
    n["path"] = "x.jsonl";
    Fields fields(n, "data");
    FileDataConfig c;
    c.visit(fields);
    fields.done();
    EXPECT_EQ(c.path, "x.jsonl");
    EXPECT_EQ(c.source, f);
  }
  FileDataConfig c;
  Fields empty(YAML::Load("{source: jsonl}"), "data");
  expect_error([&] { c.visit(empty); }, {"data.path", "required"});
  FileDataConfig d;
  Fields score(YAML::Load("{source: jsonl, path: x, score: honesty}"), "data");
  expect_error([&] { d.visit(score); }, {"data.score", "ultrafeedback only"});
}
