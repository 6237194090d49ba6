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

TEST(DataConfigs, ShippedFilesParse) {
  for (const char* f : {"jsonl", "ultrafeedback"}) {
    YAML::Node n = YAML::LoadFile(std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/data/" + f + ".yaml");
    // path is empty in the shipped file (the user sets it): the config rejects that by name.
    n.remove("path");
    n["path"] = "x.jsonl";
    Fields fields(n, "data");
    if (std::string(f) == "jsonl") {
      JsonlDataConfig c;
      c.visit(fields);
      fields.done();
      EXPECT_EQ(c.path, "x.jsonl");
    } else {
      UltraFeedbackDataConfig c;
      c.visit(fields);
      fields.done();
      EXPECT_EQ(c.source, "ultrafeedback");
    }
  }
  JsonlDataConfig c;
  Fields empty(YAML::Load("{source: jsonl}"), "data");
  expect_error([&] { c.visit(empty); }, {"data.path", "required"});
}
