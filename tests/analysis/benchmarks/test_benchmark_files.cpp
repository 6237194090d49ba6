// The real benchmarks' files: question files in each schema, answer files written and read back
// (with their exact JSON shape), malformed files named by file and line, and verdict files turned
// into metrics whose values are derived by hand below.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "analysis/benchmarks/benchmark_files.h"
#include "analysis/metrics/arena.h"
#include "analysis/metrics/length_controlled.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace swepo::benchmarks {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

#define EXPECT_CONTAINS(text, part)                                                    \
  do {                                                                                 \
    const std::string text_ = (text), part_ = (part);                                  \
    EXPECT_NE(text_.find(part_), std::string::npos) << "'" << text_ << "' lacks '" << part_ << "'"; \
  } while (0)

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name) {
    path = fs::temp_directory_path() / ("swepo-bench-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& file, const std::string& text) const {
    const std::string p = (path / file).string();
    fs::create_directories(fs::path(p).parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
};

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const UserError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

// ---- fixtures in the benchmarks' own schemas

// AlpacaEval 2's alpaca_eval.json: the instruction, the baseline's output and generator, dataset.
const char* kAlpacaQuestions = R"([
  {"instruction": "Say hi", "output": "hi", "generator": "gpt4_1106_preview", "dataset": "helpful_base"},
  {"instruction": "Name a \"colour\", then a number", "output": "blue", "generator": "gpt4_1106_preview", "dataset": "koala"},
  {"instruction": "Line one\nline two", "output": "x", "generator": "gpt4_1106_preview", "dataset": "oasst"}
]
)";
// Arena-Hard v0.1 question.jsonl.
const char* kArenaQuestions =
    R"({"question_id": "328c149ed45a41c0b9d6f14659e63599", "category": "arena-hard-v0.1", "cluster": "Prime numbers", "turns": [{"content": "Prove there are infinitely many primes."}]}
{"question_id": "7b2f1e0c9a8d4b5e", "category": "arena-hard-v0.1", "cluster": "SQL", "turns": [{"content": "Write a SQL join."}]}
{"question_id": "a1b2c3d4e5f60718", "category": "arena-hard-v0.1", "cluster": "Poems", "turns": [{"content": "A haiku, please."}]}
)";
// FastChat's MT-Bench question.jsonl (turn 2 follows turn 1 in the same conversation).
const char* kMtQuestions =
    R"({"question_id": 81, "category": "writing", "turns": ["Write a travel blog post.", "Rewrite it in rhymes."]}
{"question_id": 82, "category": "writing", "turns": ["Draft an email.", "Critique your email."], "reference": ["-"]}
)";

const std::string kModel = "swepo-run7";

AnswerSet answers_for(const std::vector<Question>& qs, const std::vector<std::vector<std::string>>& outs) {
  AnswerSet a;
  a.model_id = kModel;
  a.questions = qs;
  a.outputs = outs;
  a.tstamp = 1718302375.5;
  return a;
}

// The model's outputs for the three AlpacaEval instructions: 5, 6 and 11 characters ("héllo wörld"
// is 11 code points in 13 bytes, and Python's len() counts code points).
const std::vector<std::vector<std::string>> kAlpacaOutputs = {{"hello"}, {"red, 7"}, {"h\xC3\xA9llo w\xC3\xB6rld"}};

struct Alpaca {
  TempDir dir{"alpaca"};
  std::vector<AnswerRow> answers;
  Alpaca() {
    auto qs = load_questions(Benchmark::AlpacaEval, dir.write("alpaca_eval.json", kAlpacaQuestions));
    answers = read_answers(Benchmark::AlpacaEval,
                           write_answers(Benchmark::AlpacaEval, (dir.path / "out").string(), answers_for(qs, kAlpacaOutputs)));
  }
  // annotations.json, one record per line (record i on line i + 2); `prefs` as JSON texts.
  std::string annotations(const std::vector<std::string>& prefs, const std::vector<std::string>& instr = {},
                          const std::vector<std::string>& out2 = {}) const {
    const std::vector<std::string> base = {"hi", "blue", "x"};
    std::string text = "[\n";
    for (size_t i = 0; i < prefs.size(); ++i) {
      json r = {{"instruction", i < instr.size() ? instr[i] : answers[i].instruction},
                {"output_1", base[i]},
                {"generator_1", "gpt4_1106_preview"},
                {"dataset", "helpful_base"},
                {"output_2", i < out2.size() ? out2[i] : answers[i].outputs[0]},
                {"generator_2", kModel},
                {"annotator", "weighted_alpaca_eval_gpt4_turbo"},
                {"preference", json::parse(prefs[i])}};
      text += r.dump() + (i + 1 < prefs.size() ? ",\n" : "\n");
    }
    return dir.write("annotations.json", text + "]\n");
  }
};

// A model row of the LC GLM: (preference, output characters, baseline characters, difficulty).
metrics::LcRow lc_row(double pref, double out_len, double base_len, double difficulty = 0) {
  metrics::LcRow r;
  r.preference = pref;
  r.output_len = out_len;
  r.baseline_len = base_len;
  r.difficulty = difficulty;
  return r;
}

const EvalRow& eval(const ImportResult& r, const std::string& metric) {
  for (const auto& e : r.evals)
    if (e.metric == metric) return e;
  throw std::runtime_error("no eval row " + metric);
}

// ---- names and question files

TEST(BenchmarkFiles, NamesSuitesAndTurns) {
  EXPECT_EQ(parse_benchmark("alpaca_eval"), Benchmark::AlpacaEval);
  EXPECT_EQ(parse_benchmark("arena_hard"), Benchmark::ArenaHard);
  EXPECT_EQ(parse_benchmark("mt_bench"), Benchmark::MtBench);
  EXPECT_EQ(benchmark_name(Benchmark::ArenaHard), "arena_hard");
  EXPECT_EQ(benchmark_suite(Benchmark::AlpacaEval), "alpaca");
  EXPECT_EQ(benchmark_suite(Benchmark::ArenaHard), "arena");
  EXPECT_EQ(benchmark_suite(Benchmark::MtBench), "mtbench");
  EXPECT_EQ(benchmark_turns(Benchmark::AlpacaEval), 1);
  EXPECT_EQ(benchmark_turns(Benchmark::MtBench), 2);
  std::string e = error_of([] { parse_benchmark("mt-bench"); });
  EXPECT_CONTAINS(e, "did you mean 'mt_bench'");
  EXPECT_CONTAINS(e, "alpaca_eval, arena_hard, mt_bench");
}

TEST(BenchmarkFiles, LoadQuestionsInEachSchema) {
  TempDir d("questions");
  auto a = load_questions(Benchmark::AlpacaEval, d.write("alpaca_eval.json", kAlpacaQuestions));
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].id_json, "0");
  EXPECT_EQ(a[2].id_json, "2");
  EXPECT_EQ(a[1].turns, std::vector<std::string>{"Name a \"colour\", then a number"});
  EXPECT_EQ(a[1].dataset, "koala");
  EXPECT_EQ(a[2].turns[0], "Line one\nline two");
  EXPECT_EQ(a[0].category, "");

  auto r = load_questions(Benchmark::ArenaHard, d.write("arena.jsonl", kArenaQuestions));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].id_json, "\"328c149ed45a41c0b9d6f14659e63599\"");  // JSON text: a string keeps its quotes
  EXPECT_EQ(r[0].category, "arena-hard-v0.1");
  EXPECT_EQ(r[1].turns, std::vector<std::string>{"Write a SQL join."});

  auto m = load_questions(Benchmark::MtBench, d.write("mt.jsonl", kMtQuestions));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].id_json, "81");
  EXPECT_EQ(m[1].id_json, "82");
  EXPECT_EQ(m[1].turns, (std::vector<std::string>{"Draft an email.", "Critique your email."}));
  EXPECT_EQ(m[0].category, "writing");
}

// ---- answer files

TEST(BenchmarkFiles, AlpacaAnswersRoundTripWithTheirSchema) {
  TempDir d("alpaca_answers");
  auto qs = load_questions(Benchmark::AlpacaEval, d.write("alpaca_eval.json", kAlpacaQuestions));
  const std::string path = write_answers(Benchmark::AlpacaEval, (d.path / "out").string(), answers_for(qs, kAlpacaOutputs));
  EXPECT_EQ(path, (d.path / "out" / "model_outputs.json").string());
  // model_outputs.json: a list of {instruction, output, generator, dataset}, nothing else.
  json j = json::parse(read_file(path));
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[1], (json{{"instruction", "Name a \"colour\", then a number"},
                        {"output", "red, 7"},
                        {"generator", kModel},
                        {"dataset", "koala"}}));
  EXPECT_EQ(j[2]["output"], "h\xC3\xA9llo w\xC3\xB6rld");
  auto rows = read_answers(Benchmark::AlpacaEval, path);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].id_json, "2");
  EXPECT_EQ(rows[2].instruction, "Line one\nline two");
  EXPECT_EQ(rows[2].outputs, kAlpacaOutputs[2]);
  EXPECT_EQ(rows[0].model_id, kModel);
  // A rewrite is byte-identical.
  const std::string first = read_file(path);
  write_answers(Benchmark::AlpacaEval, (d.path / "out").string(), answers_for(qs, kAlpacaOutputs));
  EXPECT_EQ(read_file(path), first);
}

TEST(BenchmarkFiles, ArenaAnswersRoundTripWithTheirSchema) {
  TempDir d("arena_answers");
  auto qs = load_questions(Benchmark::ArenaHard, d.write("question.jsonl", kArenaQuestions));
  AnswerSet a = answers_for(qs, {{"There are."}, {"SELECT 1;"}, {"old pond"}});
  a.token_lens = {{3}, {4}, {2}};
  const std::string path = write_answers(Benchmark::ArenaHard, (d.path / "out").string(), a);
  EXPECT_EQ(path, (d.path / "out" / "model_answer" / (kModel + ".jsonl")).string());
  // v0.1 model_answer: {question_id, answer_id, model_id, choices: [{index, turns: [{content, token_len}]}], tstamp}.
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  json j = json::parse(line);
  EXPECT_EQ(j.size(), 5u);
  EXPECT_EQ(j["question_id"], "328c149ed45a41c0b9d6f14659e63599");
  EXPECT_EQ(j["model_id"], kModel);
  EXPECT_TRUE(j["answer_id"].is_string());
  EXPECT_EQ(j["answer_id"].get<std::string>().size(), 22u);
  EXPECT_EQ(j["choices"], json::parse(R"([{"index": 0, "turns": [{"content": "There are.", "token_len": 3}]}])"));
  EXPECT_DOUBLE_EQ(j["tstamp"].get<double>(), 1718302375.5);
  auto rows = read_answers(Benchmark::ArenaHard, path);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[1].id_json, "\"7b2f1e0c9a8d4b5e\"");
  EXPECT_EQ(rows[1].outputs, std::vector<std::string>{"SELECT 1;"});
  EXPECT_EQ(rows[1].instruction, "");
  // Different outputs, different answer ids; the same outputs, the same file.
  const std::string first = read_file(path);
  write_answers(Benchmark::ArenaHard, (d.path / "out").string(), a);
  EXPECT_EQ(read_file(path), first);
  a.outputs[0][0] = "Euclid.";
  write_answers(Benchmark::ArenaHard, (d.path / "out").string(), a);
  EXPECT_NE(json::parse(read_file(path).substr(0, read_file(path).find('\n')))["answer_id"], j["answer_id"]);
}

TEST(BenchmarkFiles, MtBenchAnswersRoundTripWithTheirSchema) {
  TempDir d("mt_answers");
  auto qs = load_questions(Benchmark::MtBench, d.write("question.jsonl", kMtQuestions));
  AnswerSet a = answers_for(qs, {{"Aloha!", "Aloha, in rhyme."}, {"Dear boss,", "Too short."}});
  a.token_lens = {{2, 5}, {3, 3}};  // FastChat's turns are strings: not written
  const std::string path = write_answers(Benchmark::MtBench, (d.path / "out").string(), a);
  EXPECT_EQ(path, (d.path / "out" / "model_answer" / (kModel + ".jsonl")).string());
  std::ifstream in(path);
  std::string l1, l2;
  ASSERT_TRUE(std::getline(in, l1));
  ASSERT_TRUE(std::getline(in, l2));
  json j = json::parse(l2);
  EXPECT_EQ(j["question_id"], 82);
  EXPECT_TRUE(j["question_id"].is_number_integer());
  EXPECT_EQ(j["model_id"], kModel);
  EXPECT_EQ(j["choices"], json::parse(R"([{"index": 0, "turns": ["Dear boss,", "Too short."]}])"));
  EXPECT_EQ(j.size(), 5u);
  auto rows = read_answers(Benchmark::MtBench, path);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].id_json, "81");
  EXPECT_EQ(rows[0].outputs, (std::vector<std::string>{"Aloha!", "Aloha, in rhyme."}));
  a.model_id = "org/model";
  EXPECT_CONTAINS(error_of([&] { write_answers(Benchmark::MtBench, (d.path / "out").string(), a); }), "'/'");
}

// ---- malformed files: UserError "<file>:<line>: ..." naming the field

TEST(BenchmarkFiles, MalformedFilesNameFileLineAndField) {
  TempDir d("malformed");
  auto jsonl_error = [&](Benchmark b, const std::string& text) {
    const std::string p = d.write("q.jsonl", text);
    return error_of([&] { load_questions(b, p); });
  };
  const std::string ok = R"({"question_id": 81, "category": "w", "turns": ["a", "b"]})" "\n";
  std::string e = jsonl_error(Benchmark::MtBench, ok + "{\"question_id\": 82, \n");
  EXPECT_CONTAINS(e, "q.jsonl:2: not valid JSON");
  e = jsonl_error(Benchmark::MtBench, ok + "\n" + R"({"question_id": 82, "category": "w"})" + "\n");
  EXPECT_CONTAINS(e, "q.jsonl:3: missing field 'turns'");
  e = jsonl_error(Benchmark::MtBench, R"({"question_id": 81, "turns": "a"})");
  EXPECT_CONTAINS(e, "q.jsonl:1: field 'turns' must be a list of 2 turn(s)");
  e = jsonl_error(Benchmark::MtBench, R"({"question_id": 81, "turns": ["a", 2]})");
  EXPECT_CONTAINS(e, "q.jsonl:1: field 'turns[1]' must be a string");
  e = jsonl_error(Benchmark::MtBench, R"({"question_id": 8.5, "turns": ["a", "b"]})");
  EXPECT_CONTAINS(e, "q.jsonl:1: field 'question_id' must be a string or an integer");
  e = jsonl_error(Benchmark::MtBench, ok + ok);
  EXPECT_CONTAINS(e, "q.jsonl:2: question_id 81 appears twice (first at ");
  e = jsonl_error(Benchmark::ArenaHard, R"({"question_id": "ab", "turns": [{"text": "a"}]})");
  EXPECT_CONTAINS(e, "q.jsonl:1: turns[0]: missing field 'content'");
  e = jsonl_error(Benchmark::ArenaHard, R"({"question_id": "ab", "turns": [{"content": 1}]})");
  EXPECT_CONTAINS(e, "field 'content' must be a string");
  e = jsonl_error(Benchmark::ArenaHard, "[1, 2]\n");
  EXPECT_CONTAINS(e, "q.jsonl:1: expected a JSON object");

  // JSON list files: the line where the record starts, and its index.
  const std::string p = d.write("alpaca_eval.json", "[\n  {\"instruction\": \"a\"},\n\n  {\"dataset\": \"x\"}\n]\n");
  e = error_of([&] { load_questions(Benchmark::AlpacaEval, p); });
  EXPECT_CONTAINS(e, "alpaca_eval.json:4 (record 1): missing field 'instruction'");
  const std::string p2 = d.write("alpaca_eval.json", "[\n  {\"instruction\": \"a\"},\n  {\"instruction\": [1]}\n]\n");
  e = error_of([&] { load_questions(Benchmark::AlpacaEval, p2); });
  EXPECT_CONTAINS(e, "alpaca_eval.json:3 (record 1): field 'instruction' must be a string, not array");
  const std::string p3 = d.write("alpaca_eval.json", "[\n  {\"instruction\": \"a\"},\n  {\"instruction\" \"b\"}\n]\n");
  e = error_of([&] { load_questions(Benchmark::AlpacaEval, p3); });
  EXPECT_CONTAINS(e, "alpaca_eval.json:3: not valid JSON (byte ");
  const std::string p4 = d.write("alpaca_eval.json", "{\"instruction\": \"a\"}");
  EXPECT_CONTAINS(error_of([&] { load_questions(Benchmark::AlpacaEval, p4); }), "alpaca_eval.json:1: expected a JSON list");
  EXPECT_CONTAINS(error_of([&] { load_questions(Benchmark::AlpacaEval, (d.path / "nope.json").string()); }), "nope.json");

  // Answer files: each row names one model; arena turns are objects.
  const std::string a1 = d.write("model_outputs.json",
                                 R"([{"instruction": "a", "output": "x", "generator": "m1"},)" "\n"
                                 R"( {"instruction": "b", "output": "y", "generator": "m2"}])");
  EXPECT_CONTAINS(error_of([&] { read_answers(Benchmark::AlpacaEval, a1); }),
                  "model_outputs.json:2 (record 1): model 'm2' differs from 'm1'");
  const std::string a2 = d.write("ans.jsonl", R"({"question_id": "q", "model_id": "m", "choices": [{"index": 0, "turns": ["x"]}]})");
  EXPECT_CONTAINS(error_of([&] { read_answers(Benchmark::ArenaHard, a2); }),
                  "ans.jsonl:1: field 'choices[0].turns[0]' must be an object");
  const std::string a3 = d.write("ans.jsonl", R"({"question_id": 81, "model_id": "m", "choices": []})");
  EXPECT_CONTAINS(error_of([&] { read_answers(Benchmark::MtBench, a3); }), "ans.jsonl:1: field 'choices' must be a non-empty list");
}

// ---- alpaca_eval verdicts

TEST(BenchmarkVerdicts, AlpacaWinRateByHand) {
  Alpaca f;
  // Preferences 2, 1, 1.5: pref − 1 = 1, 0, 0.5 -> WR = 100 · 0.5 = 50. Sample std (ddof 1) of
  // {1, 0, .5}: deviations ±.5, 0 -> var = .5 / 2 = .25, std = .5; SE = 100 · .5 / √3 = 28.8675.
  // len = (5 + 6 + 11) / 3 characters.
  ImportResult r = import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "1", "1.5"}), f.answers, "t=0.2,seed=1");
  EXPECT_EQ(r.judged, 3);
  EXPECT_EQ(r.skipped, 0);
  ASSERT_EQ(r.evals.size(), 3u);
  const EvalRow& wr = eval(r, "wr");
  EXPECT_EQ(wr.suite, "alpaca");
  EXPECT_EQ(wr.decoding, "t=0.2,seed=1");
  EXPECT_NEAR(wr.value, 50.0, 1e-12);
  ASSERT_TRUE(wr.stderr_.has_value());
  EXPECT_NEAR(*wr.stderr_, 50.0 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(wr.n, 3);
  EXPECT_NEAR(eval(r, "len").value, 22.0 / 3.0, 1e-12);
  EXPECT_FALSE(eval(r, "lc").stderr_.has_value());
  // LC: the minimal GLM (no difficulty file) over the rows (pref, output_len, baseline_len) with
  // output_2 = the model and output_1 = the baseline, lengths in characters.
  metrics::LcOptions o;
  o.glm = "length_controlled_minimal";
  const double lc = metrics::length_controlled_winrate({lc_row(2, 5, 2), lc_row(1, 6, 4), lc_row(1.5, 11, 1)}, o).lc;
  EXPECT_DOUBLE_EQ(eval(r, "lc").value, lc);
}

TEST(BenchmarkVerdicts, AlpacaNullIsSkippedAndZeroIsADraw) {
  Alpaca f;
  // 2, null, 0 (= 1.5): pref − 1 = 1, .5 -> WR 75; deviations ±.25 -> var .125, std .35355,
  // SE = 100 · .35355 / √2 = 25.
  ImportResult r = import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "null", "0"}), f.answers, "greedy,seed=0");
  EXPECT_EQ(r.judged, 2);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_NEAR(eval(r, "wr").value, 75.0, 1e-12);
  EXPECT_NEAR(*eval(r, "wr").stderr_, 25.0, 1e-9);
  EXPECT_EQ(eval(r, "wr").n, 2);
  EXPECT_NEAR(eval(r, "len").value, (5 + 11) / 2.0, 1e-12);
  EXPECT_CONTAINS(error_of([&] { import_verdicts(Benchmark::AlpacaEval, f.annotations({"null"}), f.answers, "greedy,seed=0"); }),
                  "no scored annotation");
  EXPECT_CONTAINS(error_of([&] { import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "2.5"}), f.answers, "avg"); }),
                  "annotations.json:3 (record 1): field 'preference' is 2.5");
  EXPECT_CONTAINS(error_of([&] { import_verdicts(Benchmark::AlpacaEval, f.annotations({"\"2\""}), f.answers, "avg"); }),
                  "field 'preference' must be a number or null, not string");
}

TEST(BenchmarkVerdicts, AlpacaDifficultyFilesCsvOrJson) {
  Alpaca f;
  const std::string ann = f.annotations({"2", "1", "1.5"});
  // γ = .5, −1.25, 2 for the three instructions; noreg uses them as the third feature.
  metrics::LcOptions o;
  o.glm = "length_controlled_noreg";
  const double want = metrics::length_controlled_winrate({lc_row(2, 5, 2, 0.5), lc_row(1, 6, 4, -1.25), lc_row(1.5, 11, 1, 2)}, o).lc;
  auto lc_with = [&](const std::string& file, const std::string& glm = "") {
    ImportOptions opt;
    opt.difficulty_path = file;
    opt.glm = glm;
    return eval(import_verdicts(Benchmark::AlpacaEval, ann, f.answers, "greedy,seed=0", opt), "lc").value;
  };
  // By instruction, with quoted fields holding a comma, doubled quotes and a newline; CRLF ends.
  const std::string csv = f.dir.write("difficulty.csv",
                                      "instruction,instruction_difficulty\r\n"
                                      "Say hi,0.5\r\n"
                                      "\"Name a \"\"colour\"\", then a number\",-1.25\r\n"
                                      "\"Line one\nline two\",2\r\n");
  EXPECT_DOUBLE_EQ(lc_with(csv), want);
  EXPECT_DOUBLE_EQ(lc_with(csv, "length_controlled_noreg"), want);
  // AlpacaEval's own instruction_difficulty.csv: keyed by the row index.
  EXPECT_DOUBLE_EQ(lc_with(f.dir.write("idx.csv", "index,instruction_difficulty\n0,0.5\n1,-1.25\n2,2.0\n")), want);
  // A JSON object {instruction: difficulty}.
  json dj = {{"Say hi", 0.5}, {"Name a \"colour\", then a number", -1.25}, {"Line one\nline two", 2}};
  EXPECT_DOUBLE_EQ(lc_with(f.dir.write("d.json", dj.dump())), want);
  // minimal ignores the file.
  metrics::LcOptions om;
  om.glm = "length_controlled_minimal";
  EXPECT_DOUBLE_EQ(lc_with(csv, "length_controlled_minimal"),
                   metrics::length_controlled_winrate({lc_row(2, 5, 2), lc_row(1, 6, 4), lc_row(1.5, 11, 1)}, om).lc);

  // An instruction missing from the file is named.
  const std::string missing = f.dir.write("m.csv", "instruction,instruction_difficulty\nSay hi,0.5\n\"Line one\nline two\",2\n");
  std::string e = error_of([&] { lc_with(missing); });
  EXPECT_CONTAINS(e, "m.csv: no instruction_difficulty for instruction 'Name a \"colour\", then a number'");
  EXPECT_CONTAINS(e, "annotations.json:3 (record 1)");
  EXPECT_CONTAINS(error_of([&] { lc_with(f.dir.write("i.csv", "index,instruction_difficulty\n0,0.5\n2,2\n")); }),
                  "no instruction_difficulty for row index 1");
  EXPECT_CONTAINS(error_of([&] { lc_with(f.dir.write("b.csv", "instruction,instruction_difficulty\nSay hi,hard\n")); }),
                  "b.csv:2: instruction_difficulty 'hard' is not a number");
  EXPECT_CONTAINS(error_of([&] { lc_with(f.dir.write("c.csv", "instruction,difficulty\nSay hi,1\n")); }),
                  "c.csv:1: the CSV header has no 'instruction_difficulty' column");
  EXPECT_CONTAINS(error_of([&] { lc_with(f.dir.write("q.csv", "instruction,instruction_difficulty\n\"Say hi,1\n")); }),
                  "q.csv:2: a quoted field is never closed");
  EXPECT_CONTAINS(error_of([&] { lc_with(f.dir.write("n.csv", "instruction,instruction_difficulty\nSay hi,1,2\n")); }),
                  "n.csv:2: 3 fields, the header has 2");
  // The GLM needs what it uses.
  EXPECT_CONTAINS(error_of([&] { lc_with("", "length_controlled_noreg"); }), "needs --difficulty FILE");
  EXPECT_CONTAINS(error_of([&] { lc_with(csv, "length_controlled_v1"); }), "gamed-baseline rows");
  EXPECT_CONTAINS(error_of([&] { lc_with(csv, "lc_v1"); }), "unknown glm 'lc_v1'");
}

TEST(BenchmarkVerdicts, AlpacaMismatchesAreErrorsNamingTheFirst) {
  Alpaca f;
  std::string e = error_of([&] {
    import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "1", "1"}, {"Say hi", "Say bye", "Say what"}), f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "annotations.json:3 (record 1): instruction 'Say bye' was not generated");
  e = error_of([&] {
    import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "1"}, {}, {"hello", "blue, 8"}), f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "annotations.json:3 (record 1): field 'output_2' differs from the generated output for instruction "
                     "'Name a \"colour\", then a number'");
  e = error_of([&] {
    import_verdicts(Benchmark::AlpacaEval, f.annotations({"2", "1"}, {"Say hi", "Say hi"}, {"hello", "hello"}), f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "annotations.json:3 (record 1): instruction 'Say hi' is judged twice (first at ");
  const std::string bad = f.dir.write("annotations.json", "[{\"instruction\": \"Say hi\", \"output_1\": \"hi\", \"output_2\": \"hello\"}]");
  EXPECT_CONTAINS(error_of([&] { import_verdicts(Benchmark::AlpacaEval, bad, f.answers, "avg"); }),
                  "annotations.json:1 (record 0): missing field 'preference'");
}

// ---- arena_hard verdicts

struct Arena {
  TempDir dir{"arena"};
  std::vector<AnswerRow> answers;
  Arena() {
    auto qs = load_questions(Benchmark::ArenaHard, dir.write("question.jsonl", kArenaQuestions));
    answers = read_answers(Benchmark::ArenaHard, write_answers(Benchmark::ArenaHard, (dir.path / "out").string(),
                                                               answers_for(qs, {{"a1"}, {"a2"}, {"a3"}})));
  }
  // One judgment row: the two games' scores as JSON texts.
  static std::string judgment(const std::string& qid, const std::string& g1, const std::string& g2,
                              const std::string& model = kModel) {
    return R"({"question_id": ")" + qid + R"(", "model": ")" + model + R"(", "judge": "gpt-4-1106-preview", "games": [)" +
           R"({"user_prompt": "...", "judgment": "...", "score": )" + g1 + "}, " +
           R"({"user_prompt": "...", "judgment": "...", "score": )" + g2 + "}]}\n";
  }
};
const std::string kQ1 = "328c149ed45a41c0b9d6f14659e63599", kQ2 = "7b2f1e0c9a8d4b5e", kQ3 = "a1b2c3d4e5f60718";

TEST(BenchmarkVerdicts, ArenaGamesInBothOrders) {
  Arena f;
  // Game 1 shows the baseline as A, game 2 the model as A (show_result.py v0.1):
  //   q1: g1 "B>>A" model decisive: 3 battles won;  g2 "A>B" model better: 1 won
  //   q2: g1 "A>B"  baseline better: 1 lost;        g2 "A>>B" model decisive: 3 won
  //   q3: g1 "A=B"  tie: 1 battle, half;            g2 "B>A" baseline better: 1 lost
  // 10 battles, score 3 + 1 + 0 + 3 + .5 + 0 = 7.5 -> WR 75. (Game 2 read the wrong way round: 45;
  // game 1 the wrong way round: 55.) A row of another model is ignored.
  const std::string path = f.dir.write(
      "model_judgment/gpt-4-1106-preview/" + kModel + ".jsonl",
      Arena::judgment(kQ1, "\"B>>A\"", "\"A>B\"") + Arena::judgment(kQ2, "\"A>B\"", "\"A>>B\"") +
          Arena::judgment(kQ1, "\"A>>B\"", "\"A>>B\"", "gpt-4-0314") + Arena::judgment(kQ3, "\"A=B\"", "\"B>A\""));
  ImportOptions opt;
  opt.n_bootstrap = 200;
  opt.seed = 5;
  ImportResult r = import_verdicts(Benchmark::ArenaHard, path, f.answers, "greedy,seed=0", opt);
  EXPECT_EQ(r.judged, 6);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_EQ(r.other_model_rows, 1);
  ASSERT_EQ(r.evals.size(), 3u);
  EXPECT_NEAR(eval(r, "wr").value, 75.0, 1e-12);
  EXPECT_EQ(eval(r, "wr").n, 3);
  EXPECT_EQ(eval(r, "wr").suite, "arena");
  using metrics::Verdict;
  const metrics::ArenaResult want = metrics::arena_winrate(
      {Verdict::ModelMuchBetter, Verdict::ModelBetter, Verdict::BaselineBetter, Verdict::ModelMuchBetter, Verdict::Tie,
       Verdict::BaselineBetter},
      200, 5);
  EXPECT_DOUBLE_EQ(eval(r, "ci_lo").value, want.ci_lo);
  EXPECT_DOUBLE_EQ(eval(r, "ci_hi").value, want.ci_hi);
  EXPECT_LE(eval(r, "ci_lo").value, 75.0);
  EXPECT_GE(eval(r, "ci_hi").value, 75.0);
}

TEST(BenchmarkVerdicts, ArenaUnscoredGamesAreSkipped) {
  Arena f;
  // q1: both games unscored (null; "B=A" is not one of v0.1's labels) -> no battles, q1 not counted.
  // q2: g1 "B>A" model better (1 won), g2 null. q3: not judged at all (not an error).
  // 1 battle won -> WR 100; judged 1 game, skipped 3; n = 1 question.
  const std::string path = f.dir.write("j.jsonl", Arena::judgment(kQ1, "null", "\"B=A\"") +
                                                      Arena::judgment(kQ2, "\"B>A\"", "null") +
                                                      Arena::judgment(kQ3, "\"A>B\"", "\"B>A\"", "other-model"));
  ImportResult r = import_verdicts(Benchmark::ArenaHard, path, f.answers, "avg");
  EXPECT_EQ(r.judged, 1);
  EXPECT_EQ(r.skipped, 3);
  EXPECT_NEAR(eval(r, "wr").value, 100.0, 1e-12);
  EXPECT_EQ(eval(r, "wr").n, 1);
  // Nothing for the model: the error lists the models the file does judge.
  const std::string other = f.dir.write("o.jsonl", Arena::judgment(kQ1, "\"A>B\"", "\"B>A\"", "llama-3"));
  std::string e = error_of([&] { import_verdicts(Benchmark::ArenaHard, other, f.answers, "avg"); });
  EXPECT_CONTAINS(e, "no scored game judges model '" + kModel + "'");
  EXPECT_CONTAINS(e, "'llama-3' (1)");
}

TEST(BenchmarkVerdicts, ArenaMismatchesAreErrorsNamingTheFirst) {
  Arena f;
  std::string e = error_of([&] {
    import_verdicts(Benchmark::ArenaHard,
                    f.dir.write("j.jsonl", Arena::judgment(kQ1, "\"A>B\"", "\"A>B\"") + Arena::judgment("ffff", "\"A>B\"", "\"A>B\"") +
                                               Arena::judgment("eeee", "\"A>B\"", "\"A>B\"")),
                    f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "j.jsonl:2: question_id \"ffff\" was not generated");
  e = error_of([&] {
    import_verdicts(Benchmark::ArenaHard,
                    f.dir.write("j.jsonl", Arena::judgment(kQ1, "\"A>B\"", "\"A>B\"") + Arena::judgment(kQ1, "\"A>B\"", "\"A>B\"")),
                    f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "j.jsonl:2: question_id \"" + kQ1 + "\" is judged twice (first at ");
  e = error_of([&] {
    import_verdicts(Benchmark::ArenaHard,
                    f.dir.write("j.jsonl", R"({"question_id": ")" + kQ1 + R"(", "model": ")" + kModel + R"(", "games": [{"score": "A>B"}]})"),
                    f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "j.jsonl:1: field 'games' must be a list of 2 games");
  e = error_of([&] {
    import_verdicts(Benchmark::ArenaHard, f.dir.write("j.jsonl", R"({"question_id": ")" + kQ1 + R"(", "games": []})"),
                    f.answers, "avg");
  });
  EXPECT_CONTAINS(e, "j.jsonl:1: missing field 'model'");
}

// ---- mt_bench verdicts

struct MtBench {
  TempDir dir{"mt"};
  std::vector<AnswerRow> answers;
  MtBench() {
    auto qs = load_questions(Benchmark::MtBench, dir.write("question.jsonl", kMtQuestions));
    answers = read_answers(Benchmark::MtBench, write_answers(Benchmark::MtBench, (dir.path / "out").string(),
                                                             answers_for(qs, {{"a", "b"}, {"c", "d"}})));
  }
  static std::string grade(const std::string& qid, int turn, const std::string& score, const std::string& model = kModel) {
    return R"({"question_id": )" + qid + R"(, "model": ")" + model + R"(", "judge": ["gpt-4", ")" +
           (turn == 1 ? "single-v1" : "single-v1-multi-turn") + R"("], "user_prompt": "...", "judgment": "Rating: [[x]]", "score": )" +
           score + R"(, "turn": )" + std::to_string(turn) + R"(, "tstamp": 1700367448.5})" + "\n";
  }
};

TEST(BenchmarkVerdicts, MtBenchScoresByHand) {
  MtBench f;
  // 81: turn 1 = 8, turn 2 = 6; 82: turn 1 = 9, turn 2 = -1 (the judge's parse failure: dropped).
  // turn1 = (8 + 9) / 2 = 8.5 (n 2), turn2 = 6 (n 1), score = (8 + 6 + 9) / 3 = 7.6667 (n 3).
  const std::string path = f.dir.write("gpt-4_single.jsonl", MtBench::grade("81", 1, "8") + MtBench::grade("81", 2, "6") +
                                                                 MtBench::grade("81", 1, "2", "vicuna-13b-v1.3") +
                                                                 MtBench::grade("82", 1, "9.0") + MtBench::grade("82", 2, "-1"));
  ImportResult r = import_verdicts(Benchmark::MtBench, path, f.answers, "t=0.5,seed=2");
  EXPECT_EQ(r.judged, 3);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_EQ(r.other_model_rows, 1);
  ASSERT_EQ(r.evals.size(), 3u);
  EXPECT_NEAR(eval(r, "score").value, 23.0 / 3.0, 1e-12);
  EXPECT_EQ(eval(r, "score").n, 3);
  EXPECT_NEAR(eval(r, "turn1").value, 8.5, 1e-12);
  EXPECT_EQ(eval(r, "turn1").n, 2);
  EXPECT_NEAR(eval(r, "turn2").value, 6.0, 1e-12);
  EXPECT_EQ(eval(r, "turn2").n, 1);
  EXPECT_EQ(eval(r, "turn2").suite, "mtbench");
  EXPECT_EQ(eval(r, "turn2").decoding, "t=0.5,seed=2");
}

TEST(BenchmarkVerdicts, MtBenchMismatchesAreErrorsNamingTheFirst) {
  MtBench f;
  auto err = [&](const std::string& text) {
    const std::string p = f.dir.write("j.jsonl", text);
    return error_of([&] { import_verdicts(Benchmark::MtBench, p, f.answers, "avg"); });
  };
  EXPECT_CONTAINS(err(MtBench::grade("81", 1, "8") + MtBench::grade("83", 1, "8") + MtBench::grade("84", 1, "8")),
                  "j.jsonl:2: question_id 83 was not generated");
  EXPECT_CONTAINS(err(MtBench::grade("\"81\"", 1, "8")), "j.jsonl:1: question_id \"81\" was not generated");
  EXPECT_CONTAINS(err(MtBench::grade("81", 3, "8")), "j.jsonl:1: field 'turn' must be 1 or 2, not 3");
  EXPECT_CONTAINS(err(MtBench::grade("81", 2, "8") + MtBench::grade("81", 2, "7")),
                  "j.jsonl:2: question_id 81 turn 2 is judged twice (first at ");
  EXPECT_CONTAINS(err(MtBench::grade("81", 1, "\"8\"")), "j.jsonl:1: field 'score' must be a number, not string");
  EXPECT_CONTAINS(err(MtBench::grade("81", 1, "-1")), "no scored turn judges model");
  EXPECT_CONTAINS(err("{\"question_id\": 81,\n"), "j.jsonl:1: not valid JSON");
}

// Found by fuzz/fuzz_benchmarks: a JSON list file holding a number too large for a double
// (json::out_of_range 406, not a parse_error) escaped parse_json_document as a nlohmann exception.
TEST(BenchmarkFiles, FuzzNumberOverflowIsAUserError) {
  TempDir d("overflow");
  // The fuzzer's input, verbatim (its selector byte dropped): AlpacaEval questions.
  const std::string crash = std::string("1e99900000\xc6" "00.25\nn\r2,l\"\n\xe9\"3\"\n\"output_2\"");
  std::string e = error_of([&] { load_questions(Benchmark::AlpacaEval, d.write("alpaca_eval.json", crash)); });
  EXPECT_CONTAINS(e, "alpaca_eval.json: not valid JSON");
  EXPECT_CONTAINS(e, "number overflow");
  e = error_of([&] { load_questions(Benchmark::AlpacaEval, d.write("alpaca_eval.json", R"([{"instruction": "a", "x": 1e999}])")); });
  EXPECT_CONTAINS(e, "alpaca_eval.json: not valid JSON");
  e = error_of([&] { read_answers(Benchmark::AlpacaEval, d.write("model_outputs.json", "[-1E400]")); });
  EXPECT_CONTAINS(e, "model_outputs.json: not valid JSON");
}

// Found by fuzz/fuzz_benchmarks: the difficulty CSV's numbers went through strtod, which reads
// "nan", "inf" and 1e999, so a NaN difficulty reached the LC GLM (a NaN LC win rate), and a row
// index of 1e30 was cast to int64 (undefined behaviour; UBSan float-cast-overflow).
TEST(BenchmarkVerdicts, FuzzDifficultyNumbersMustBeFinite) {
  Alpaca f;
  const std::string ann = f.annotations({"2", "1", "1.5"});
  auto lc_error = [&](const std::string& name, const std::string& csv) {
    ImportOptions opt;
    opt.difficulty_path = f.dir.write(name, csv);
    return error_of([&] { import_verdicts(Benchmark::AlpacaEval, ann, f.answers, "greedy,seed=0", opt); });
  };
  // The fuzzer's input (selector byte dropped).
  EXPECT_CONTAINS(lc_error("f.csv", "index,instruction_difficulty\n0,nan\n1,inf\n2,1\n"),
                  "f.csv:2: instruction_difficulty 'nan' is not a finite number");
  EXPECT_CONTAINS(lc_error("g.csv", "instruction,instruction_difficulty\nSay hi,1e999\n"),
                  "g.csv:2: instruction_difficulty '1e999' is not a finite number");
  EXPECT_CONTAINS(lc_error("h.csv", "index,instruction_difficulty\n1e30,0.5\n"),
                  "h.csv:2: column 'index' must be a row index (an integer >= 0), got '1e30'");
  EXPECT_CONTAINS(lc_error("i.csv", "index,instruction_difficulty\n1.5,0.5\n"), "must be a row index");
  EXPECT_CONTAINS(lc_error("j.csv", "index,instruction_difficulty\n-1,0.5\n"), "must be a row index");
  // Whole numbers written as floats are still row indices.
  ImportOptions ok;
  ok.difficulty_path = f.dir.write("k.csv", "index,instruction_difficulty\n0.0,0.5\n1,-1.25\n2e0,2\n");
  EXPECT_NO_THROW(import_verdicts(Benchmark::AlpacaEval, ann, f.answers, "greedy,seed=0", ok));
}

}  // namespace
}  // namespace swepo::benchmarks
