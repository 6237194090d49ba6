// `swepo losses` and `swepo loss`, run as a user would: the built binary on a JSON file.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

struct Result {
  int code;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A fresh scratch directory for this test process, removed when the process exits.
struct Scratch {
  std::string dir;
  Scratch() {
    std::string tmpl = std::string(SWEPO_BINARY_DIR) + "/test_apps_XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
    dir = buf.data();
  }
  ~Scratch() { std::system(("rm -rf '" + dir + "'").c_str()); }
};

std::string scratch() {
  static Scratch s;
  return s.dir;
}

// Runs `swepo <args>` with `input` written to a file and passed as --input (when non-empty).
Result swepo(const std::string& args, const std::string& input = "") {
  std::string dir = scratch();
  std::string cmd = std::string("'") + SWEPO_EXE + "' " + args;
  if (!input.empty()) {
    std::ofstream(dir + "/in.json") << input;
    cmd += " --input '" + dir + "/in.json'";
  }
  cmd += " > '" + dir + "/out' 2> '" + dir + "/err'";
  int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out"), slurp(dir + "/err")};
}

TEST(CliLoss, DpoBestVsWorstGivesDocumentedJson) {
  // Group 0: s = 0.5 (log-ratio) → [0.5, −0.5, 0] with β = 0.5; w = 0, l = 1, h = 1:
  //   L_0 = log(1 + e^−1) = 0.31326168751822286; d/dπ_w = −0.5 σ(−1) = −0.13447071068499755.
  // Group 1 (K = 2): s = 0.5·([−2, −1] − [−1, −1]) = [−0.5, 0], S = [1, 2]: w = 1, l = 0, h = 0.5:
  //   L_1 = log(1 + e^−0.5) = 0.47407698418010669.
  // loss = (L_0 + L_1)/2 = 0.39366933584916475; gradients are halved by the mean.
  Result r = swepo("loss --name dpo --set beta=0.5 --set pairing=best_vs_worst", R"({
    "groups": [
      {"policy_logps": [-1, -3, -2], "ref_logps": [-2, -2, -2], "scores": [3, 1, 2]},
      {"policy_logps": [-2, -1], "ref_logps": [-1, -1], "scores": [1, 2]}],
    "seed": 3})");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_NEAR(j["loss"].get<double>(), 0.39366933584916475, 1e-12);
  EXPECT_NEAR(j["per_group"][0].get<double>(), 0.31326168751822286, 1e-12);
  EXPECT_NEAR(j["per_group"][1].get<double>(), 0.47407698418010669, 1e-12);
  ASSERT_EQ(j["grad_policy_logps"].size(), 2u);
  ASSERT_EQ(j["grad_policy_logps"][0].size(), 3u);
  ASSERT_EQ(j["grad_policy_logps"][1].size(), 2u);
  EXPECT_NEAR(j["grad_policy_logps"][0][0].get<double>(), -0.13447071068499755 / 2, 1e-12);
  EXPECT_NEAR(j["grad_policy_logps"][0][1].get<double>(), 0.13447071068499755 / 2, 1e-12);
  EXPECT_EQ(j["grad_policy_logps"][0][2].get<double>(), 0.0);
  EXPECT_EQ(j["used"].get<int>(), 2);
  EXPECT_EQ(j["skipped"].get<int>(), 0);
  // chosen: (0.5 + 0)/2 = 0.25; rejected (−0.5 − 0.5)/2 = −0.5; margins 0.75; both accurate.
  EXPECT_NEAR(j["metrics"]["rewards/chosen"].get<double>(), 0.25, 1e-12);
  EXPECT_NEAR(j["metrics"]["rewards/rejected"].get<double>(), -0.5, 1e-12);
  EXPECT_NEAR(j["metrics"]["rewards/margins"].get<double>(), 0.75, 1e-12);
  EXPECT_NEAR(j["metrics"]["rewards/accuracies"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(j["metrics"]["groups/used"].get<double>(), 2.0);
}

TEST(CliLoss, SwepoSkippedGroupIsNullAndReferenceFreeNeedsNoRef) {
  // Group 1 has equal scores: skipped (null), its gradient 0; the loss is group 0's alone:
  // s = 0, S = [3, 1, 2], α = p = 1, β = 1: L = −1 + ln(2e + 1) = 0.861994804058251.
  Result r = swepo("loss --name swepo --set beta=1", R"({"groups": [
      {"policy_logps": [0, 0, 0], "ref_logps": [0, 0, 0], "scores": [3, 1, 2]},
      {"policy_logps": [-1, -2], "ref_logps": [0, 0], "scores": [4, 4]}]})");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_NEAR(j["loss"].get<double>(), 0.861994804058251, 1e-12);
  EXPECT_TRUE(j["per_group"][1].is_null());
  EXPECT_EQ(j["grad_policy_logps"][1][0].get<double>(), 0.0);
  EXPECT_EQ(j["used"].get<int>(), 1);
  EXPECT_EQ(j["skipped"].get<int>(), 1);
  EXPECT_NEAR(j["metrics"]["weights/accepted"].get<double>(), std::exp(1.0), 1e-12);

  // simpo: β = 0.5, γ = 0.25, s = [−0.5, −1, −1.5], w = 0, l = 1: L = log(1 + e^−0.25).
  r = swepo("loss --name simpo --set beta=0.5 --set gamma=0.25 --set pairing=best_vs_worst",
            R"({"groups": [{"policy_logps": [-4, -6, -3], "scores": [3, 1, 2], "lengths": [4, 3, 1]}]})");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NEAR(json::parse(r.out)["loss"].get<double>(), 0.5759394198788437, 1e-12);
}

TEST(CliLoss, BadInputExitsTwoNamingFieldGroupAndShape) {
  const std::string g0 = R"({"policy_logps": [-1, -2], "ref_logps": [-1, -1], "scores": [1, 2]})";
  struct Bad {
    std::string input;
    std::vector<std::string> expect;
  };
  const std::vector<Bad> cases = {
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1, -2, -3], "ref_logps": [0, 0], "scores": [1, 2, 3]}]})",
       {"group 1", "ref_logps", "[2]", "[3]"}},
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1, -2], "ref_logps": [0, 0]}]})",
       {"group 1", "scores", "missing"}},
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1, "nan"], "ref_logps": [0, 0], "scores": [1, 2]}]})",
       {"group 1", "policy_logps", "entry 1", "not a number"}},
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1, 1e999], "ref_logps": [0, 0], "scores": [1, 2]}]})",
       {"invalid JSON", "1e999"}},  // JSON has no inf or NaN; an overflowing number is an error
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1], "ref_logps": [0], "scores": [1]}]})",
       {"group 1", "[1]", "at least 2"}},
      {"{\"groups\": [" + g0 + R"(, {"policy_logps": [-1, -2], "ref_logp": [0, 0], "scores": [1, 2]}]})",
       {"group 1", "unknown field 'ref_logp'", "ref_logps"}},
      {R"({"groups": []})", {"groups"}},
      {"{not json", {"invalid JSON"}},
  };
  for (const auto& c : cases) {
    Result r = swepo("loss --name swepo", c.input);
    EXPECT_EQ(r.code, 2) << c.input << "\n" << r.err;
    for (const auto& e : c.expect) EXPECT_NE(r.err.find(e), std::string::npos) << e << " not in: " << r.err;
  }
}

TEST(CliLoss, UsageErrorsExitTwo) {
  const std::string ok = R"({"groups": [{"policy_logps": [-1, -2], "ref_logps": [-1, -1], "scores": [1, 2]}]})";
  Result r = swepo("loss --name swepp", ok);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("did you mean 'swepo'"), std::string::npos) << r.err;
  r = swepo("loss --name swepo --set alpah=2", ok);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("alpha"), std::string::npos) << r.err;
  r = swepo("loss --set alpha=2", ok);  // --name is required
  EXPECT_EQ(r.code, 2);
  r = swepo("loss --name dpo --set beta", ok);
  EXPECT_EQ(r.code, 2);
  r = swepo("loss --name dpo --input /nonexistent/file.json");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("/nonexistent/file.json"), std::string::npos) << r.err;
}

TEST(CliLosses, TableAndJsonListEveryLoss) {
  Result r = swepo("losses --format json");
  ASSERT_EQ(r.code, 0) << r.err;
  json j = json::parse(r.out);
  ASSERT_EQ(j.size(), 9u);
  EXPECT_EQ(j[7]["name"], "swepo");
  EXPECT_EQ(j[8]["name"], "simpo");
  EXPECT_EQ(j[8]["needs_reference"], false);
  EXPECT_EQ(j[7]["min_k"], 2);
  EXPECT_EQ(j[7]["options"][1]["key"], "alpha");
  r = swepo("losses");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* name : {"dpo_best_vs_rest", "swepo_1vk", "Gupta et al. 2025", "weighting=abs"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  EXPECT_EQ(swepo("losses --format xml").code, 2);
  r = swepo("loss --help");
  EXPECT_EQ(r.code, 0);
  for (const char* opt : {"--name", "--set", "--input", "grad_policy_logps"})
    EXPECT_NE(r.out.find(opt), std::string::npos) << opt;
}

}  // namespace
