// core/util/jsonl.h: blank lines skipped, "<origin>:<line>" in every callback and error.
#include <gtest/gtest.h>

#include <vector>

#include "core/util/jsonl.h"

namespace swepo {
namespace {

TEST(Jsonl, CallsBackPerObjectWithLineNumbers) {
  std::vector<std::string> seen;
  for_each_jsonl_object("{\"a\": 1}\n\n  \r\n{\"a\": 2}\n", "f.jsonl",
                        [&](const nlohmann::json& j, const std::string& where) {
                          seen.push_back(where + "=" + std::to_string(j.at("a").get<int>()));
                        });
  EXPECT_EQ(seen, (std::vector<std::string>{"f.jsonl:1=1", "f.jsonl:4=2"}));
}

TEST(Jsonl, ErrorsNameTheLine) {
  auto error_of = [](const std::string& text) {
    try {
      for_each_jsonl_object(text, "f.jsonl", [](const nlohmann::json&, const std::string&) {});
    } catch (const UserError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("{}\n{oops\n").find("f.jsonl:2: not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[1, 2]\n").find("f.jsonl:1: expected a JSON object"), std::string::npos);
}

}  // namespace
}  // namespace swepo
