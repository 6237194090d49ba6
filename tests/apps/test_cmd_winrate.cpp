// `swepo winrate` end to end: JSON rows in, JSON out; bad rows exit 2 naming line and field.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace {

struct CliResult {
  int code;
  std::string out, err;
};

std::string tmpdir() {
  auto d = std::filesystem::temp_directory_path() / ("swepo_winrate_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

CliResult run_winrate(const std::string& rows, const std::string& extra = "") {
  const std::string dir = tmpdir();
  const std::string in = dir + "/rows.jsonl";
  std::ofstream(in) << rows;
  const std::string cmd = std::string(SWEPO_BIN) + " winrate --input " + in + " " + extra + " >" + dir +
                          "/out.txt 2>" + dir + "/err.txt";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), slurp(dir + "/out.txt"), slurp(dir + "/err.txt")};
}

}  // namespace

TEST(CmdWinrate, MinimalGlmJsonOut) {
  // 50 rows with preference 1.7 and equal lengths: WR = 70, standard error 0, and (as in
  // test_length_controlled's analytic case) LC = 100 (.7 − 1/(1e4 · 50)) = 69.9998.
  std::string rows;
  for (int i = 0; i < 50; ++i)
    rows += "{\"instruction_id\": " + std::to_string(i) +
            ", \"preference\": 1.7, \"output_len\": 12, \"baseline_len\": 10}\n";
  CliResult r = run_winrate(rows, "--glm length_controlled_minimal");
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["glm"], "length_controlled_minimal");
  EXPECT_EQ(j["n"], 50);
  EXPECT_NEAR(j["win_rate"].get<double>(), 70.0, 1e-9);
  EXPECT_NEAR(j["standard_error"].get<double>(), 0.0, 1e-9);
  EXPECT_NEAR(j["length_controlled_winrate"].get<double>(), 69.9998, 1e-6);
  EXPECT_TRUE(j["coefficients"].contains("not_gamed_baseline"));
}

TEST(CmdWinrate, V1WithGamedRowsAndStandardError) {
  // Model rows: preferences 2, 1, 1.5, 1.75 -> WR 56.25, standard error 21.347814 (hand-worked in
  // test_winrate.cpp). Gamed rows do not enter WR.
  std::string rows =
      "{\"instruction_id\": \"a\", \"preference\": 2, \"output_len\": 5, \"baseline_len\": 4, \"instruction_difficulty\": 0.1}\n"
      "{\"instruction_id\": \"b\", \"preference\": 1, \"output_len\": 3, \"baseline_len\": 4, \"instruction_difficulty\": 0.2}\n"
      "\n"
      "{\"instruction_id\": \"c\", \"preference\": 1.5, \"output_len\": 4, \"baseline_len\": 4, \"instruction_difficulty\": 0.3}\n"
      "{\"instruction_id\": \"d\", \"preference\": 1.75, \"output_len\": 6, \"baseline_len\": 4, \"instruction_difficulty\": 0.4}\n"
      "{\"instruction_id\": \"a\", \"preference\": 1.6, \"output_len\": 9, \"baseline_len\": 4, \"instruction_difficulty\": 0.1, \"not_gamed_baseline\": false, \"generator\": \"verbose\"}\n"
      "{\"instruction_id\": \"b\", \"preference\": 1.7, \"output_len\": 11, \"baseline_len\": 4, \"instruction_difficulty\": 0.2, \"not_gamed_baseline\": false, \"generator\": \"verbose\"}\n";
  CliResult r = run_winrate(rows);
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["glm"], "length_controlled_v1");
  EXPECT_EQ(j["n"], 4);
  EXPECT_EQ(j["n_gamed"], 2);
  EXPECT_NEAR(j["win_rate"].get<double>(), 56.25, 1e-9);
  EXPECT_NEAR(j["standard_error"].get<double>(), 21.347814, 1e-5);
  const double lc = j["length_controlled_winrate"].get<double>();
  EXPECT_GT(lc, 0.0);
  EXPECT_LT(lc, 100.0);
}

TEST(CmdWinrate, BadRowsExit2WithLineAndField) {
  const std::string ok = "{\"instruction_id\": 1, \"preference\": 1.5, \"output_len\": 3, \"baseline_len\": 3}\n";
  struct Case {
    std::string third_line, needle;
  } cases[] = {
      {"{\"instruction_id\": 3, \"preference\": 2.5, \"output_len\": 3, \"baseline_len\": 3}", "preference"},
      {"{\"instruction_id\": 3, \"preference\": 1.5, \"baseline_len\": 3}", "output_len"},
      {"{\"instruction_id\": 3, \"preference\": 1.5, \"output_len\": \"x\", \"baseline_len\": 3}", "output_len"},
      {"{\"preference\": 1.5, \"output_len\": 3, \"baseline_len\": 3}", "instruction_id"},
      {"{not json", "JSON"},
  };
  for (const auto& c : cases) {
    CliResult r = run_winrate(ok + ok + c.third_line + "\n", "--glm length_controlled_minimal");
    EXPECT_EQ(r.code, 2) << c.third_line;
    EXPECT_NE(r.err.find("rows.jsonl:3:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
  // v1 needs instruction_difficulty: line 1 lacks it.
  CliResult r = run_winrate(ok);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("rows.jsonl:1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("instruction_difficulty"), std::string::npos) << r.err;
  // Unknown glm.
  EXPECT_EQ(run_winrate(ok, "--glm nope").code, 2);
}
