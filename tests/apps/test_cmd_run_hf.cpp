// `swepo run model=hf` end to end through the built binary: a random tiny Llama checkpoint in the
// HF layout (tests/engine/test_hf_util.h) with a byte-level BPE tokenizer.json written here (the
// 256 GPT-2 byte symbols and ChatML's specials), preference-optimised with Swepo on JSONL data,
// exported as an HF directory that loads again with changed weights; the store records the
// export. Bad model settings exit 2 naming the key or file, and the run is FAILED, not dropped.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "core/store/store.h"
#include "core/store/store_run.h"
#include "engine/hf_checkpoint.h"
#include "tests/engine/test_hf_util.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace swepo {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Result {
  int code;
  std::string err;
};

// `swepo ARGS` in `dir`: its exit code and stdout + stderr.
Result swepo_cmd(const std::string& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir + "' && SWEPO_THREADS=1 '" + std::string(SWEPO_EXE) + "' " + args +
                          " > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out.txt") + slurp(dir + "/err.txt")};
}

Result swepo_run(const std::string& dir, const std::string& args) {
  return swepo_cmd(dir, "run --conf '" + std::string(SWEPO_SOURCE_DIR) + "/experiments/conf' " + args);
}

// GPT-2's byte -> printable symbol map (the ByteLevel alphabet), as UTF-8 strings.
std::vector<std::string> byte_symbols() {
  std::vector<int> cps(256, -1);
  int extra = 0;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    cps[b] = printable ? b : 256 + extra++;
  }
  std::vector<std::string> out;
  for (int cp : cps) {
    std::string s;
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
    out.push_back(s);
  }
  return out;
}

// A byte-level BPE without merges: ids 0..255 the bytes, then <|im_start|>, <|im_end|>, <|endoftext|>.
void write_tokenizer(const std::string& dir) {
  json vocab = json::object();
  const auto sym = byte_symbols();
  for (int b = 0; b < 256; ++b) vocab[sym[static_cast<size_t>(b)]] = b;
  json added = json::array();
  int id = 256;
  for (const char* t : {"<|im_start|>", "<|im_end|>", "<|endoftext|>"}) {
    added.push_back({{"id", id}, {"content", t}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
    vocab[t] = id++;
  }
  json tj = {{"version", "1.0"},
             {"added_tokens", added},
             {"normalizer", nullptr},
             {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
                                {"use_regex", true}}},
             {"post_processor", nullptr},
             {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true},
                          {"use_regex", true}}},
             {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr},
                        {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr},
                        {"fuse_unk", false}, {"byte_fallback", false}, {"vocab", vocab},
                        {"merges", json::array()}}}};
  hftest::write_text(dir + "/tokenizer.json", tj.dump());
  hftest::write_text(dir + "/tokenizer_config.json",
                   json{{"bos_token", nullptr}, {"eos_token", "<|im_end|>"}, {"pad_token", "<|endoftext|>"},
                        {"model_max_length", 512}}.dump());
}

void write_data(const std::string& path) {
  std::ofstream f(path);
  const char* prompts[] = {"sort q7b", "reverse abc", "upper xy", "count aaa"};
  for (int i = 0; i < 8; ++i) {
    json rec = {{"prompt", std::string(prompts[i % 4]) + std::to_string(i)},
                {"responses", {"b7q", "qb7", "7bq!", "no"}},
                {"scores", {8.0, 5.0 + (i % 3), 3.0, 1.0}}};
    f << rec.dump() << "\n";
  }
}

class RunHf : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = hftest::temp_dir("run_hf");
    model_ = root_ + "/base";
    fs::create_directories(model_);
    spec_.V = 260;  // 259 tokenizer ids, one spare
    spec_.D = 32;
    spec_.H = 4;
    spec_.Hkv = 2;  // GQA
    spec_.max_pos = 128;
    hftest::write_checkpoint(model_, spec_, hftest::random_weights(spec_, 5));
    write_tokenizer(model_);
    write_data(root_ + "/prefs.jsonl");
  }
  std::string common() const {
    return "model=hf model.path=" + model_ + " model.chat_template=chatml data=jsonl data.path=" + root_ +
           "/prefs.jsonl loss=swepo trainer.max_steps=3 trainer.batch_size=4 trainer.micro_batch_size=2 "
           "trainer.lr=1e-2 trainer.warmup_steps=0 trainer.log_every=1 seed=1 cache_dir=" + root_ + "/cache "
           "output_dir=" + root_ + "/out";
  }
  std::string root_, model_;
  hftest::Spec spec_;
};

TEST_F(RunHf, PreferenceStepsChangeTheWeightsAndTheExportLoadsAgain) {
  Result r = swepo_run(root_, common() + " --db " + root_ + "/runs.db");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("chat template chatml"), std::string::npos) << r.err;
  // The store: FINISHED, with the exported directory as an artifact.
  Store store(root_ + "/runs.db");
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, kRunFinished);
  std::string exported;
  for (const auto& a : store.run_artifacts(runs[0].id))
    if (a.kind == "hf_model") exported = a.path;
  ASSERT_FALSE(exported.empty()) << "no hf_model artifact";
  ASSERT_TRUE(fs::exists(exported + "/config.json"));
  ASSERT_TRUE(fs::exists(exported + "/tokenizer.json"));  // copied from the base
  Transformer base = load_hf_model(model_, "float32", torch::kCPU);
  Transformer tuned = load_hf_model(exported, "float32", torch::kCPU);
  auto pb = base->named_parameters(), pt = tuned->named_parameters();
  ASSERT_EQ(pb.size(), pt.size());
  double max_change = 0;
  for (const auto& item : pb) {
    const at::Tensor* t = pt.find(item.key());
    ASSERT_NE(t, nullptr) << item.key();
    EXPECT_EQ(t->sizes(), item.value().sizes()) << item.key();
    max_change = std::max(max_change, (*t - item.value()).abs().max().item<double>());
  }
  EXPECT_GT(max_change, 1e-4);  // three AdamW steps at lr 1e-2 move the weights
  // The store has the preference stage's curve.
  EXPECT_FALSE(store.run_metric_history(runs[0].id, "pref/loss").empty());
}

// Preemption as Slurm does it: SIGTERM during the preference stage -> the run checkpoints, is
// recorded KILLED and exits 143; the same command again resumes from the checkpoint (not from
// step 0), keeps the metric history before it and finishes the run.
TEST_F(RunHf, SigtermCheckpointsAndTheRelaunchResumes) {
  const std::string db = root_ + "/preempt.db";
  const std::string args = common() + " trainer.max_steps=300 --db " + db;
  const std::string conf = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf";
  const std::string cmd = "cd '" + root_ + "' && SWEPO_THREADS=1 exec '" + std::string(SWEPO_EXE) + "' run --conf '" +
                          conf + "' " + args + " > out1.txt 2> err1.txt";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Wait until the preference stage has logged a few steps, then stop it as scancel would.
  int64_t logged = 0;
  for (int i = 0; i < 600 && logged < 5; ++i) {
    ::usleep(100 * 1000);
    if (!fs::exists(db)) continue;
    try {
      Store store(db);
      auto runs = store.runs_list({});
      if (!runs.empty()) logged = static_cast<int64_t>(store.run_metric_history(runs[0].id, "pref/loss").size());
    } catch (const std::exception&) {
    }
  }
  ASSERT_GE(logged, 5) << slurp(root_ + "/err1.txt");
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << slurp(root_ + "/err1.txt");
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM) << slurp(root_ + "/err1.txt");
  int64_t stopped_at = 0;
  {
    Store store(db);
    auto runs = store.runs_list({});
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, kRunKilled);
    auto hist = store.run_metric_history(runs[0].id, "pref/loss");
    ASSERT_FALSE(hist.empty());
    stopped_at = hist.back().first;
    ASSERT_LT(stopped_at, 300);
  }
  Result r = swepo_run(root_, args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("resumed at step " + std::to_string(stopped_at)), std::string::npos) << r.err;
  Store store(db);
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, kRunFinished);
  auto hist = store.run_metric_history(runs[0].id, "pref/loss");
  ASSERT_EQ(hist.size(), 300u);  // every step once: the first attempt's and the resumed ones
  for (size_t i = 0; i < hist.size(); ++i) EXPECT_EQ(hist[i].first, static_cast<int64_t>(i + 1));
}

// SFT from chat data first (sft_data.source=chat, UltraChat's {"messages": [...]} records), then the
// preference stage from the SFT model; a malformed chat record is exit 2 naming FILE:LINE.
TEST_F(RunHf, ChatSftThenPreference) {
  {
    std::ofstream f(root_ + "/chat.jsonl");
    for (int i = 0; i < 6; ++i)
      f << json{{"prompt", "hi"}, {"messages", {{{"role", "user"}, {"content", "say " + std::to_string(i)}},
                                                {{"role", "assistant"}, {"content", std::to_string(i)}}}}}.dump()
        << "\n";
  }
  const std::string sft = " sft_data.source=chat sft_data.path=" + root_ + "/chat.jsonl sft.max_steps=2 "
                          "sft.batch_size=2 sft.micro_batch_size=2 sft.warmup_steps=0 sft.log_every=1";
  Result r = swepo_run(root_, common() + sft + " --no-db");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("sft: training"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(root_ + "/out/hf_model/config.json"));
  { std::ofstream(root_ + "/chat.jsonl", std::ios::app) << "{\"messages\": [{\"role\": \"user\"}]}\n"; }
  r = swepo_run(root_, common() + sft + " sft.seed=1 --no-db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("chat.jsonl:7"), std::string::npos) << r.err;
}

// As swepo score: with a template named (model.chat_template=chatml) the checkpoint needs no
// tokenizer_config.json; with auto, its absence is exit 2 naming the file and the config key.
TEST_F(RunHf, ANamedChatTemplateNeedsNoTokenizerConfig) {
  fs::remove(model_ + "/tokenizer_config.json");
  Result r = swepo_run(root_, common() + " output_dir=" + root_ + "/out_no_config --no-db");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("chat template chatml"), std::string::npos) << r.err;
  r = swepo_run(root_, common() + " model.chat_template=auto output_dir=" + root_ + "/out_auto --no-db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("config key 'model.chat_template': " + model_ + "/tokenizer_config.json does not exist"),
            std::string::npos) << r.err;
  EXPECT_NE(r.err.find("set model.chat_template=NAME"), std::string::npos) << r.err;
}

TEST_F(RunHf, BadModelSettingsExitTwoNamingTheKeyOrFile) {
  Result r = swepo_run(root_, "model=hf data=jsonl data.path=" + root_ + "/prefs.jsonl --no-db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("model.path"), std::string::npos) << r.err;
  r = swepo_run(root_, common() + " model.chat_template=vicuna --no-db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("chat_template"), std::string::npos) << r.err;
  // A checkpoint with a tensor missing: exit 2 naming the tensor; the run is recorded FAILED.
  auto w = hftest::random_weights(spec_, 5);
  w.erase(w.begin() + 1);  // model.layers.0.self_attn.q_proj.weight
  hftest::write_checkpoint(model_, spec_, w);
  // (its own folder: the unrecorded runs above took `out`, which a recorded run does not take over)
  r = swepo_run(root_, common() + " output_dir=" + root_ + "/out_bad --db " + root_ + "/bad.db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("q_proj"), std::string::npos) << r.err;
  Store store(root_ + "/bad.db");
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, kRunFailed);
}

// The paper's protocol on a real model, end to end on CPU (issue: UltraFeedback in, benchmark
// answers out, judge verdicts back): two preference runs (DPO, Swepo) from the tiny checkpoint on
// raw UltraFeedback records recorded in a store; `swepo generate` writes each run's AlpacaEval,
// Arena-Hard and MT-Bench answers in their schemas and records them; synthetic judge files in the
// judges' schemas (verdicts chosen here) go back through `swepo import-eval`; `swepo report` on a
// table file reads the imported metrics, checked against values worked out by hand.
TEST_F(RunHf, UltraFeedbackToAnswersToVerdictsToReport) {
  const std::string db = root_ + "/chain.db";
  {  // openbmb/UltraFeedback raw records, 4 completions each; one with an empty completion
    std::ofstream f(root_ + "/uf.jsonl");
    for (int i = 0; i < 8; ++i) {
      json comps = json::array();
      const char* resp[] = {"b7q", "qb7", "7bq!", i == 3 ? "" : "no"};
      for (int k = 0; k < 4; ++k)
        comps.push_back({{"model", "m" + std::to_string(k)}, {"response", resp[k]},
                         {"overall_score", 8.0 - 2 * k + (i % 2)}, {"fine-grained_score", 4.0 - k}});
      f << json{{"source", "evol"}, {"instruction", "sort q7b " + std::to_string(i)}, {"completions", comps}}.dump()
        << "\n";
    }
  }
  const std::string data = " data.path=" + root_ + "/uf.jsonl data.score=fine-grained_score";
  for (const char* loss : {"dpo", "swepo"}) {
    std::string args = common();
    args.replace(args.find("output_dir="), std::string::npos, "output_dir=" + root_ + "/out_" + loss);
    args.replace(args.find("data=jsonl"), std::string("data=jsonl").size(), "data=ultrafeedback");
    args.replace(args.find("loss=swepo"), std::string("loss=swepo").size(), std::string("loss=") + loss);
    args += data + " --db " + db;
    Result r = swepo_run(root_, args);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("dropped 1 empty and 0 unscored responses"), std::string::npos) << r.err;
  }
  // Question files in each benchmark's schema.
  hftest::write_text(root_ + "/alpaca_eval.json",
                     json::array({{{"instruction", "sort q7b"}, {"output", "b7q"}, {"generator", "gpt4_1106_preview"},
                                   {"dataset", "helpful_base"}},
                                  {{"instruction", "reverse abc"}, {"output", "cba"}, {"generator", "gpt4_1106_preview"},
                                   {"dataset", "koala"}}})
                         .dump());
  hftest::write_text(root_ + "/arena.jsonl",
                     json{{"question_id", "328c149ed45a41c0b9d6f14659e63599"}, {"category", "arena-hard-v0.1"},
                          {"cluster", "c"}, {"turns", {{{"content", "upper xy"}}}}}.dump() + "\n" +
                         json{{"question_id", "7b2e0f1a9c3d4e5f8a6b7c8d9e0f1a2b"}, {"category", "arena-hard-v0.1"},
                              {"cluster", "c"}, {"turns", {{{"content", "count aaa"}}}}}.dump() + "\n");
  hftest::write_text(root_ + "/mt.jsonl",
                     json{{"question_id", 81}, {"category", "writing"}, {"turns", {"sort q7b", "now reverse it"}}}.dump() +
                         "\n" + json{{"question_id", 82}, {"category", "math"}, {"turns", {"upper xy", "and abc"}}}.dump() +
                         "\n");
  Store store(db);
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 2u);
  double alpaca_pref = 2.0;  // run 1: the model wins both; run 2: one win, one loss
  for (const auto& run : runs) {
    const std::string id = std::to_string(run.id);
    EXPECT_EQ(run.status, kRunFinished);
    for (const auto& [bench, file] : std::vector<std::pair<std::string, std::string>>{
             {"alpaca_eval", "alpaca_eval.json"}, {"arena_hard", "arena.jsonl"}, {"mt_bench", "mt.jsonl"}}) {
      Result g = swepo_cmd(root_, "generate --db " + db + " --run " + id + " --benchmark " + bench + " --questions " +
                                      root_ + "/" + file + " --max-new-tokens 6 --decoding greedy");
      ASSERT_EQ(g.code, 0) << g.err;
    }
    std::string alpaca, arena, mt, gen_meta;
    for (const auto& a : store.run_artifacts(run.id)) {
      if (a.kind == "answers/alpaca_eval/greedy,seed=0") alpaca = a.path;
      if (a.kind == "answers/arena_hard/greedy,seed=0") arena = a.path;
      if (a.kind == "answers/mt_bench/greedy,seed=0") mt = a.path;
      if (a.kind == "generation/mt_bench/greedy,seed=0") gen_meta = a.path;
    }
    ASSERT_FALSE(alpaca.empty() || arena.empty() || mt.empty() || gen_meta.empty());
    const json meta = json::parse(slurp(gen_meta));
    EXPECT_EQ(meta["chat_template"], "chatml");
    EXPECT_EQ(meta["stop_token"], "<|im_end|>");
    EXPECT_EQ(meta["max_new_tokens"], 6);
    EXPECT_EQ(fs::path(arena).filename().string(), "swepo-run" + id + ".jsonl");
    // AlpacaEval annotations: output_1 the baseline, output_2 the model's answer.
    const json outputs = json::parse(slurp(alpaca));
    ASSERT_EQ(outputs.size(), 2u);
    EXPECT_EQ(outputs[0]["generator"], "swepo-run" + id);
    json ann = json::array();
    for (size_t i = 0; i < outputs.size(); ++i)
      ann.push_back({{"instruction", outputs[i]["instruction"]}, {"output_1", "baseline " + std::to_string(i)},
                     {"generator_1", "gpt4_1106_preview"}, {"output_2", outputs[i]["output"]},
                     {"generator_2", outputs[i]["generator"]}, {"annotator", "weighted_alpaca_eval_gpt4_turbo"},
                     {"preference", i == 0 ? 2.0 : alpaca_pref}});
    hftest::write_text(root_ + "/ann" + id + ".json", ann.dump());
    // Arena-Hard judgments: game 1 has the baseline as A, game 2 the model as A.
    std::string judg;
    std::istringstream arena_lines(slurp(arena));
    for (std::string line; std::getline(arena_lines, line);) {
      const json a = json::parse(line);
      judg += json{{"question_id", a["question_id"]}, {"model", a["model_id"]}, {"judge", "gpt-4-1106-preview"},
                   {"games", {{{"user_prompt", "..."}, {"judgment", "..."}, {"score", "B>A"}},
                              {{"user_prompt", "..."}, {"judgment", "..."}, {"score", "A>B"}}}}}.dump() + "\n";
    }
    hftest::write_text(root_ + "/arena_judgment" + id + ".jsonl", judg);
    // MT-Bench single grading: scores 8 / 6 on turn 1, 4 / 2 on turn 2.
    std::string grades;
    for (int q : {81, 82})
      for (int turn : {1, 2})
        grades += json{{"question_id", q}, {"model", "swepo-run" + id}, {"judge", {"gpt-4", "single-v1"}},
                       {"user_prompt", "..."}, {"judgment", "Rating: [[x]]"},
                       {"score", (turn == 1 ? 8.0 : 4.0) - (q - 81) * 2.0}, {"turn", turn}, {"tstamp", 1.0}}.dump() +
                  "\n";
    hftest::write_text(root_ + "/mt_judgment" + id + ".jsonl", grades);
    for (const auto& [bench, file] : std::vector<std::pair<std::string, std::string>>{
             {"alpaca_eval", "ann" + id + ".json"}, {"arena_hard", "arena_judgment" + id + ".jsonl"},
             {"mt_bench", "mt_judgment" + id + ".jsonl"}}) {
      Result im = swepo_cmd(root_, "import-eval --db " + db + " --run " + id + " --benchmark " + bench + " --file " +
                                       root_ + "/" + file + " --decoding greedy");
      ASSERT_EQ(im.code, 0) << im.err;
    }
    alpaca_pref = 1.0;
  }
  // The report reads the imported metrics as it reads SynthFeedback's.
  hftest::write_text(root_ + "/table.yaml",
                     "title: chain\ndecoding: avg\nprecision: 2\ncolumns:\n"
                     "  - {label: WR, metric: alpaca.wr}\n  - {label: Arena, metric: arena.wr}\n"
                     "  - {label: MT, metric: mtbench.score}\n  - {label: MT2, metric: mtbench.turn2}\n"
                     "rows:\n  - {label: DPO, where: {loss.name: dpo}}\n  - {label: Swepo, where: {loss.name: swepo}}\n");
  Result rep = swepo_cmd(root_, "report --db " + db + " " + root_ + "/table.yaml --format csv");
  ASSERT_EQ(rep.code, 0) << rep.err;
  // DPO: WR 100 (both wins); Swepo: 50. Arena: a win in each game order = 2 battles won of 2: 100.
  // MT-Bench: mean of 8, 4, 6, 2 = 5; turn 2: mean of 4, 2 = 3.
  // Columns: mean, std (one seed: empty), n.
  EXPECT_NE(rep.err.find("DPO,100.00,,1,100.00,,1,5.00,,1,3.00,,1"), std::string::npos) << rep.err;
  EXPECT_NE(rep.err.find("Swepo,50.00,,1,100.00,,1,5.00,,1,3.00,,1"), std::string::npos) << rep.err;

  // --model DIR without a store: two sampled seeds, each its own directory; a malformed question
  // file exits 2 naming FILE:LINE; an unknown benchmark names the valid ones.
  Result g = swepo_cmd(root_, "generate --model " + model_ + " --benchmark mt_bench --questions " + root_ +
                                  "/mt.jsonl --out " + root_ + "/ans --decoding t0.5 --seeds 2 --max-new-tokens 4 --chat-template chatml");
  ASSERT_EQ(g.code, 0) << g.err;
  EXPECT_TRUE(fs::exists(root_ + "/ans/t0.5-seed0/model_answer/base.jsonl")) << g.err;
  EXPECT_TRUE(fs::exists(root_ + "/ans/t0.5-seed1/generation.json")) << g.err;
  hftest::write_text(root_ + "/bad.jsonl", slurp(root_ + "/mt.jsonl") + "{\"question_id\": 83}\n");
  g = swepo_cmd(root_, "generate --model " + model_ + " --benchmark mt_bench --questions " + root_ +
                           "/bad.jsonl --out " + root_ + "/ans2");
  EXPECT_EQ(g.code, 2) << g.err;
  EXPECT_NE(g.err.find("bad.jsonl:3"), std::string::npos) << g.err;
  g = swepo_cmd(root_, "generate --model " + model_ + " --benchmark mtbench --questions x --out y");
  EXPECT_EQ(g.code, 2) << g.err;
  EXPECT_NE(g.err.find("mt_bench"), std::string::npos) << g.err;
}

// LoRA on the tiny checkpoint (trainer.peft=lora, frozen base stored in bf16): the run writes PEFT's
// adapter directory (names, shapes, adapter_config.json) and the merged model as its hf_model export
// (adapted projections moved, every other tensor the base's, bf16-rounded in the layers); `swepo
// export --merge` of its checkpoint gives the same model, of its adapter directory the base plus
// alpha/r · B A from the files; bad LoRA settings exit 2 naming the key.
TEST_F(RunHf, LoraRunWritesPeftAdapterAndMergedExport) {
  const std::string lora = " trainer.peft=lora lora.r=4 lora.alpha=8 trainer.precision=bf16";
  Result r = swepo_run(root_, common() + lora + " --db " + root_ + "/lora.db");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("pref: LoRA r=4"), std::string::npos) << r.err;
  Store store(root_ + "/lora.db");
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 1u);
  std::string adapter, exported;
  for (const auto& a : store.run_artifacts(runs[0].id)) {
    if (a.kind == "peft_adapter") adapter = a.path;
    if (a.kind == "hf_model") exported = a.path;
  }
  ASSERT_FALSE(adapter.empty()) << "no peft_adapter artifact";
  ASSERT_FALSE(exported.empty()) << "no hf_model artifact";

  // PEFT's files.
  const json cfg = json::parse(slurp(adapter + "/adapter_config.json"));
  EXPECT_EQ(cfg.at("peft_type"), "LORA");
  EXPECT_EQ(cfg.at("task_type"), "CAUSAL_LM");
  EXPECT_EQ(cfg.at("r"), 4);
  EXPECT_EQ(cfg.at("lora_alpha"), 8);
  EXPECT_EQ(cfg.at("target_modules"), json({"q_proj", "k_proj", "v_proj", "o_proj"}));
  EXPECT_EQ(cfg.at("bias"), "none");
  EXPECT_EQ(cfg.at("base_model_name_or_path"), fs::absolute(model_).lexically_normal().string());
  SafetensorsFile st(adapter + "/adapter_model.safetensors");
  EXPECT_EQ(st.tensors().size(), 2u * 4u * 2u);  // layers x projections x {A, B}
  const int64_t q = spec_.H * spec_.Dh, kv = spec_.Hkv * spec_.Dh;
  const std::string p0 = "base_model.model.model.layers.0.self_attn.";
  ASSERT_NE(st.find(p0 + "q_proj.lora_A.weight"), nullptr);
  EXPECT_EQ(st.find(p0 + "q_proj.lora_A.weight")->shape, (std::vector<int64_t>{4, spec_.D}));
  EXPECT_EQ(st.find(p0 + "k_proj.lora_B.weight")->shape, (std::vector<int64_t>{kv, 4}));
  EXPECT_EQ(st.find(p0 + "o_proj.lora_A.weight")->shape, (std::vector<int64_t>{4, q}));
  auto file_tensor = [&](const std::string& name) {
    const StTensorInfo* t = st.find(name);
    return torch::from_blob(const_cast<uint8_t*>(st.data(*t)), t->shape, torch::kFloat).clone();
  };

  // The merged export: adapted projections moved; the rest the base's (layers bf16-rounded).
  Transformer base = load_hf_model(model_, "float32", torch::kCPU);
  Transformer merged = load_hf_model(exported, "float32", torch::kCPU);
  auto pb = base->named_parameters(), pm = merged->named_parameters();
  ASSERT_EQ(pb.size(), pm.size());
  for (const auto& item : pb) {
    const at::Tensor& m = pm[item.key()];
    const bool adapted = item.key().find("self_attn.") != std::string::npos &&
                         item.key().find("_proj.weight") != std::string::npos;
    const bool layer = item.key().rfind("model.layers.", 0) == 0;
    const at::Tensor stored = layer ? item.value().to(torch::kBFloat16).to(torch::kFloat) : item.value();
    if (adapted)
      EXPECT_GT((m - stored).abs().max().item<double>(), 1e-6) << item.key();
    else
      EXPECT_TRUE(torch::equal(m, stored)) << item.key();
  }

  // export --merge: of the checkpoint (the same model), of the adapter directory (base + 2 · B A).
  const std::string ckpt = root_ + "/out/checkpoint/last.pt";
  Result e = swepo_cmd(root_, "export --checkpoint " + ckpt + " --out " + root_ + "/plain");
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_NE(e.err.find("--merge"), std::string::npos) << e.err;
  e = swepo_cmd(root_, "export --merge --checkpoint " + ckpt + " --out " + root_ + "/m1");
  ASSERT_EQ(e.code, 0) << e.err;
  Transformer m1 = load_hf_model(root_ + "/m1", "float32", torch::kCPU);
  for (const auto& item : pm) EXPECT_TRUE(torch::equal(m1->named_parameters()[item.key()], item.value())) << item.key();
  e = swepo_cmd(root_, "export --merge --checkpoint " + adapter + " --base " + model_ + " --out " + root_ + "/m2");
  ASSERT_EQ(e.code, 0) << e.err;
  Transformer m2 = load_hf_model(root_ + "/m2", "float32", torch::kCPU);
  const std::string name = "model.layers.1.self_attn.v_proj.weight";
  const at::Tensor delta = 2.0 * torch::matmul(file_tensor("base_model.model." + name.substr(0, name.size() - 7) + ".lora_B.weight"),
                                               file_tensor("base_model.model." + name.substr(0, name.size() - 7) + ".lora_A.weight"));
  EXPECT_LE((m2->named_parameters()[name] - (pb[name] + delta)).abs().max().item<double>(), 1e-6);
  EXPECT_TRUE(torch::equal(m2->named_parameters()["model.layers.1.mlp.up_proj.weight"], pb["model.layers.1.mlp.up_proj.weight"]));
  e = swepo_cmd(root_, "export --checkpoint " + adapter + " --out " + root_ + "/m3");
  EXPECT_EQ(e.code, 2) << e.err;
  EXPECT_NE(e.err.find("--merge --base"), std::string::npos) << e.err;

  // Bad settings: exit 2 naming the key.
  for (const auto& [bad, key] : std::vector<std::pair<std::string, std::string>>{
           {" trainer.peft=lora lora.r=0", "lora.r"},
           {" trainer.peft=lora lora.target_modules=[q_proj,qproj]", "lora.target_modules"},
           {" trainer.precision=bf16", "bf16_autocast"},
           {" sft.peft=lora", "sft.peft"}}) {
    Result b = swepo_run(root_, common() + bad + " --no-db");
    EXPECT_EQ(b.code, 2) << bad << "\n" << b.err;
    EXPECT_NE(b.err.find(key), std::string::npos) << bad << "\n" << b.err;
  }
}

// Data-parallel `swepo run ... trainer.nproc=2` (swepo's local launcher, c10d/Gloo): the run is
// recorded once (rank 0) and its exported model equals the one-process run's to float32 rounding;
// a rank killed mid-run fails the run (FAILED, the rank named) within trainer.dist_timeout_s,
// without a hang.
TEST_F(RunHf, TwoLocalRanksEqualOneAndAKilledRankFailsTheRun) {
  auto args = [&](const std::string& out, const std::string& extra) {
    std::string a = common();
    a.replace(a.find("output_dir="), std::string::npos, "output_dir=" + root_ + "/" + out);
    return a + " trainer.max_steps=2 trainer.batch_size=4 trainer.micro_batch_size=2 trainer.dist_timeout_s=5" + extra;
  };
  Result one = swepo_run(root_, args("one", "") + " --no-db");
  ASSERT_EQ(one.code, 0) << one.err;
  Result two = swepo_run(root_, args("two", " trainer.nproc=2") + " --db " + root_ + "/dist.db");
  ASSERT_EQ(two.code, 0) << two.err;
  EXPECT_NE(two.err.find("launcher: 2 ranks"), std::string::npos) << two.err;
  EXPECT_NE(two.err.find("distributed: rank 1 of 2 (gloo, torchrun)"), std::string::npos) << two.err;
  {
    Store store(root_ + "/dist.db");
    auto runs = store.runs_list({});
    ASSERT_EQ(runs.size(), 1u);  // rank 0 alone records
    EXPECT_EQ(runs[0].status, kRunFinished);
  }
  Transformer a = load_hf_model(root_ + "/one/hf_model", "float32", torch::kCPU);
  std::string two_dir;
  for (const auto& e : fs::directory_iterator(root_ + "/two"))
    if (fs::exists(e.path() / "hf_model" / "config.json")) two_dir = (e.path() / "hf_model").string();
  if (two_dir.empty() && fs::exists(root_ + "/two/hf_model/config.json")) two_dir = root_ + "/two/hf_model";
  ASSERT_FALSE(two_dir.empty()) << two.err;
  Transformer b = load_hf_model(two_dir, "float32", torch::kCPU);
  auto pa = a->named_parameters(), pb = b->named_parameters();
  double num = 0, den = 0;
  for (const auto& item : pa) {
    num += (pb[item.key()] - item.value()).pow(2).sum().item<double>();
    den += item.value().pow(2).sum().item<double>();
  }
  EXPECT_LE(std::sqrt(num / den), 1e-5);

  // Rank 1 killed once rank 0 has logged a step of a long run: rank 0 fails within the timeout.
  const std::string db = root_ + "/kill.db";
  const std::string cmd = "cd '" + root_ + "' && SWEPO_THREADS=1 '" + std::string(SWEPO_EXE) + "' run --conf '" +
                          std::string(SWEPO_SOURCE_DIR) + "/experiments/conf' " +
                          args("kill", " trainer.nproc=2 trainer.max_steps=100000") + " --db " + db +
                          " > kill.out 2> kill.err & echo $!";
  FILE* f = ::popen(cmd.c_str(), "r");
  long launcher = 0;
  ASSERT_EQ(std::fscanf(f, "%ld", &launcher), 1);
  ::pclose(f);
  const auto t0 = std::chrono::steady_clock::now();
  auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  while (slurp(root_ + "/kill.err").find("[pref] step 2/") == std::string::npos && since() < 60)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_LT(since(), 60) << slurp(root_ + "/kill.err");
  // The launcher's child whose environment says RANK=1.
  const std::string find = "for p in $(pgrep -P " + std::to_string(launcher) +
                           "); do tr '\\0' '\\n' < /proc/$p/environ | grep -qx RANK=1 && echo $p; done";
  FILE* g = ::popen(find.c_str(), "r");
  long rank1 = 0;
  ASSERT_EQ(std::fscanf(g, "%ld", &rank1), 1);
  ::pclose(g);
  ASSERT_EQ(::kill(static_cast<pid_t>(rank1), SIGKILL), 0);
  const auto t_kill = std::chrono::steady_clock::now();
  while (::kill(static_cast<pid_t>(launcher), 0) == 0 && since() < 120) {
    ::waitpid(static_cast<pid_t>(launcher), nullptr, WNOHANG);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const double fail_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_kill).count();
  EXPECT_LT(fail_s, 60.0) << "no hang: the 5 s collective timeout, then the launcher's exit";
  Store store(db);
  auto runs = store.runs_list({});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, kRunFailed) << slurp(root_ + "/kill.err");
  EXPECT_NE(runs[0].error.find("rank 0 of 2"), std::string::npos) << runs[0].error;
  EXPECT_NE(runs[0].error.find("distributed"), std::string::npos) << runs[0].error;
  EXPECT_NE(slurp(root_ + "/kill.err").find("launcher: rank 1 exited with 137"), std::string::npos)
      << slurp(root_ + "/kill.err");
}

}  // namespace
}  // namespace swepo
