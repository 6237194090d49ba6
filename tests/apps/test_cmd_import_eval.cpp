// `swepo import-eval` as a user runs it (through sweep_test_cli, no LibTorch): a FINISHED run whose
// answers `swepo generate` recorded as artifacts, the judges' verdict files imported for greedy and
// two seeds of t=0.2, the pipeline's aggregates recomputed, re-imports idempotent, and the errors
// (changed answers, no answers for a decoding, a malformed verdict file) exit 2 naming the file.
#include <cmath>
#include <filesystem>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "analysis/benchmarks/benchmark_files.h"
#include "core/store/store.h"
#include "core/store/store_run.h"
#include "core/util/hash.h"
#include "tests/sweeps/sweep_test_util.h"

namespace swepo {
namespace {

using test::TempDir;
namespace bm = benchmarks;
using json = nlohmann::json;

const std::string kModel = "swepo-run1";
const std::vector<std::string> kInstructions = {"Say hi", "Name a colour", "Count to three"};

// A FINISHED run with one pipeline eval row of another suite (left alone by the imports).
int64_t finished_run(const std::string& db) {
  Store store(db);
  RunSpec s;
  s.config_yaml = "model: hf\n";
  s.config_hash = "h-import";
  s.params = {{"loss.name", "dpo"}};
  const int64_t id = run_register(store, s);
  run_start(store, id, {});
  run_finish(store, id, {{"synth", "reward", 1.5, std::nullopt, 10, "greedy,seed=0"}});
  return id;
}

// What `swepo generate --run ID` does: the answer file, and its artifact answers/<bench>/<label>.
std::string generate(const std::string& db, int64_t id, bm::Benchmark b, const std::string& dir, const std::string& label,
                     const std::vector<bm::Question>& qs, const std::vector<std::vector<std::string>>& outs) {
  bm::AnswerSet a;
  a.model_id = kModel;
  a.questions = qs;
  a.outputs = outs;
  const std::string path = bm::write_answers(b, dir, a);
  Store store(db);
  run_add_artifacts(store, id, {{"answers/" + bm::benchmark_name(b) + "/" + label, path, sha256_file(path)}});
  return path;
}

std::vector<bm::Question> alpaca_questions() {
  std::vector<bm::Question> qs;
  for (size_t i = 0; i < kInstructions.size(); ++i) qs.push_back({std::to_string(i), "", "helpful_base", {kInstructions[i]}});
  return qs;
}

// annotations.json judging outputs `outs` with preferences `prefs`.
std::string annotations(const TempDir& d, const std::string& name, const std::vector<std::string>& outs,
                        const std::vector<double>& prefs) {
  json list = json::array();
  for (size_t i = 0; i < prefs.size(); ++i)
    list.push_back({{"instruction", kInstructions[i]}, {"output_1", "baseline answer"}, {"generator_1", "gpt4_1106_preview"},
                    {"output_2", outs[i]}, {"generator_2", kModel}, {"preference", prefs[i]}});
  const std::string path = d / name;
  test::write(path, list.dump(1));
  return path;
}

std::string import_cmd(const std::string& db, int64_t id, const std::string& bench, const std::string& file,
                       const std::string& extra) {
  return test::kCli + " import-eval --db " + db + " --run " + std::to_string(id) + " --benchmark " + bench + " --file " +
         file + " " + extra;
}

// (suite, metric, decoding) -> row
std::map<std::string, EvalRow> evals_of(const std::string& db, int64_t id) {
  Store store(db);
  std::map<std::string, EvalRow> out;
  for (const auto& e : store.run_evals(id)) out[e.suite + "/" + e.metric + "/" + e.decoding] = e;
  return out;
}

TEST(ImportEvalCli, AlpacaSeedsAndTemperaturesAggregateAsThePipelineDoes) {
  TempDir dir("import_alpaca");
  const std::string db = dir / "r.db";
  const int64_t id = finished_run(db);
  const auto qs = alpaca_questions();
  const std::vector<std::string> out_g = {"hello", "red", "1 2 3"}, out_s0 = {"hi!", "blue", "one two three"},
                                 out_s1 = {"hey", "green", "1, 2, 3"};
  generate(db, id, bm::Benchmark::AlpacaEval, dir / "g", "greedy,seed=0", qs, {{out_g[0]}, {out_g[1]}, {out_g[2]}});
  generate(db, id, bm::Benchmark::AlpacaEval, dir / "s0", "t=0.2,seed=0", qs, {{out_s0[0]}, {out_s0[1]}, {out_s0[2]}});
  generate(db, id, bm::Benchmark::AlpacaEval, dir / "s1", "t=0.2,seed=1", qs, {{out_s1[0]}, {out_s1[1]}, {out_s1[2]}});
  // greedy: 2, 1, 1.5 -> WR 50 (SE 28.8675); t=0.2 seed 0: 2, 2, 1 -> 66.667; seed 1: 1, 1, 1.5 -> 16.667.
  // t=0.2 = (66.667 + 16.667) / 2 = 41.667; avg = (50 + 41.667) / 2 = 45.833.
  const std::string f_g = annotations(dir, "ann_g.json", out_g, {2, 1, 1.5});
  const std::string f_s0 = annotations(dir, "ann_s0.json", out_s0, {2, 2, 1});
  const std::string f_s1 = annotations(dir, "ann_s1.json", out_s1, {1, 1, 1.5});
  test::Proc p = test::sh(import_cmd(db, id, "alpaca_eval", f_g, ""));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("alpaca_eval greedy,seed=0"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("3 judged, 0 skipped"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("alpaca.wr"), std::string::npos) << p.out;
  p = test::sh(import_cmd(db, id, "alpaca_eval", f_s0, "--decoding t0.2 --seed 0"));
  ASSERT_EQ(p.code, 0) << p.out;
  p = test::sh(import_cmd(db, id, "alpaca_eval", f_s1, "--decoding t=0.2 --seed 1"));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("t=0.2 over 2 seed(s); avg over 2 temperature(s)"), std::string::npos) << p.out;

  auto check = [&] {
    auto ev = evals_of(db, id);
    // 3 metrics (wr, lc, len) x (3 run rows + greedy + t=0.2 + avg) + the pipeline's synth row.
    EXPECT_EQ(ev.size(), 3u * 6u + 1u);
    EXPECT_NEAR(ev.at("alpaca/wr/greedy,seed=0").value, 50.0, 1e-9);
    EXPECT_NEAR(*ev.at("alpaca/wr/greedy,seed=0").stderr_, 50.0 / std::sqrt(3.0), 1e-9);
    EXPECT_EQ(ev.at("alpaca/wr/greedy,seed=0").n, 3);
    EXPECT_NEAR(ev.at("alpaca/wr/t=0.2,seed=0").value, 200.0 / 3.0, 1e-9);
    EXPECT_NEAR(ev.at("alpaca/wr/t=0.2,seed=1").value, 50.0 / 3.0, 1e-9);
    EXPECT_NEAR(ev.at("alpaca/wr/greedy").value, 50.0, 1e-9);
    EXPECT_NEAR(ev.at("alpaca/wr/t=0.2").value, 125.0 / 3.0, 1e-9);
    EXPECT_FALSE(ev.at("alpaca/wr/t=0.2").stderr_.has_value());
    EXPECT_EQ(ev.at("alpaca/wr/t=0.2").n, 3);
    EXPECT_NEAR(ev.at("alpaca/wr/avg").value, (50.0 + 125.0 / 3.0) / 2.0, 1e-9);
    EXPECT_FALSE(ev.at("alpaca/wr/avg").stderr_.has_value());
    EXPECT_EQ(ev.at("alpaca/wr/avg").n, 3);
    // len: greedy (5 + 3 + 5) / 3; t=0.2: seed 0 (3 + 4 + 13) / 3, seed 1 (3 + 5 + 7) / 3.
    EXPECT_NEAR(ev.at("alpaca/len/greedy").value, 13.0 / 3.0, 1e-9);
    EXPECT_NEAR(ev.at("alpaca/len/t=0.2").value, (20.0 / 3.0 + 15.0 / 3.0) / 2.0, 1e-9);
    EXPECT_NEAR(ev.at("alpaca/lc/avg").value,
                (ev.at("alpaca/lc/greedy,seed=0").value +
                 (ev.at("alpaca/lc/t=0.2,seed=0").value + ev.at("alpaca/lc/t=0.2,seed=1").value) / 2.0) / 2.0,
                1e-9);
    EXPECT_NEAR(ev.at("synth/reward/greedy,seed=0").value, 1.5, 0);
  };
  check();
  // Importing the same file again: the same rows, no duplicates.
  p = test::sh(import_cmd(db, id, "alpaca_eval", f_s1, "--decoding t0.2 --seed 1"));
  ASSERT_EQ(p.code, 0) << p.out;
  check();
  Store store(db);
  int verdicts = 0;
  for (const auto& a : store.run_artifacts(id))
    if (a.kind.rfind("verdicts/alpaca_eval/", 0) == 0) {
      ++verdicts;
      EXPECT_EQ(a.sha256, sha256_file(a.path));
    }
  EXPECT_EQ(verdicts, 3);
  EXPECT_EQ(store.run_get(id)->status, kRunFinished);
}

TEST(ImportEvalCli, MtBenchLabelsAsThePipeline) {
  TempDir dir("import_mt");
  const std::string db = dir / "r.db";
  const int64_t id = finished_run(db);
  std::vector<bm::Question> qs = {{"81", "writing", "", {"a", "b"}}, {"82", "writing", "", {"c", "d"}}};
  generate(db, id, bm::Benchmark::MtBench, dir / "t1", "t=1,seed=0", qs, {{"x", "y"}, {"z", "w"}});
  std::string j;
  for (auto [q, t, s] : std::vector<std::tuple<int, int, int>>{{81, 1, 8}, {81, 2, 6}, {82, 1, 9}, {82, 2, -1}})
    j += json{{"question_id", q}, {"model", kModel}, {"judge", {"gpt-4", "single-v1"}}, {"score", s}, {"turn", t}}.dump() + "\n";
  const std::string f = dir / "gpt-4_single.jsonl";
  test::write(f, j);
  test::Proc p = test::sh(import_cmd(db, id, "mt_bench", f, "--decoding t1.0"));
  ASSERT_EQ(p.code, 0) << p.out;
  EXPECT_NE(p.out.find("3 judged, 1 skipped"), std::string::npos) << p.out;
  auto ev = evals_of(db, id);
  EXPECT_NEAR(ev.at("mtbench/score/t=1,seed=0").value, 23.0 / 3.0, 1e-9);
  EXPECT_NEAR(ev.at("mtbench/turn1/t=1").value, 8.5, 1e-9);
  EXPECT_NEAR(ev.at("mtbench/turn2/avg").value, 6.0, 1e-9);
  EXPECT_EQ(ev.size(), 3u * 3u + 1u);
}

TEST(ImportEvalCli, ErrorsExit2NamingTheFile) {
  TempDir dir("import_errors");
  const std::string db = dir / "r.db";
  const int64_t id = finished_run(db);
  const auto qs = alpaca_questions();
  const std::string answers = generate(db, id, bm::Benchmark::AlpacaEval, dir / "g", "greedy,seed=0", qs, {{"a"}, {"b"}, {"c"}});
  generate(db, id, bm::Benchmark::AlpacaEval, dir / "s", "t=0.2,seed=0", qs, {{"d"}, {"e"}, {"f"}});
  const std::string ok = annotations(dir, "ann.json", {"a", "b", "c"}, {2, 1, 2});

  // No answers for the decoding: which decodings have them, and what writes them.
  test::Proc p = test::sh(import_cmd(db, id, "alpaca_eval", ok, "--decoding t0.5 --seed 2"));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("no alpaca_eval answers for decoding t=0.5,seed=2"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("answers for: greedy,seed=0, t=0.2,seed=0"), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("swepo generate --run " + std::to_string(id)), std::string::npos) << p.out;
  p = test::sh(import_cmd(db, id, "arena_hard", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("it has none for this benchmark"), std::string::npos) << p.out;

  // A malformed verdict file: file and line.
  const std::string bad = dir / "bad.json";
  test::write(bad, "[\n{\"instruction\": \"Say hi\", \"output_1\": \"x\", \"output_2\": \"a\", \"preference\": 2},\n"
                   "{\"instruction\": \"Name a colour\", \"output_1\": \"x\", \"preference\": 1}\n]\n");
  p = test::sh(import_cmd(db, id, "alpaca_eval", bad, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find(bad + ":3 (record 1): missing field 'output_2'"), std::string::npos) << p.out;
  // A verdict on an output that was not generated.
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, "--decoding t0.2"));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("field 'output_2' differs from the generated output for instruction 'Say hi'"), std::string::npos)
      << p.out;

  // Bad arguments.
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, "--seed 1"));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("greedy decoding has only seed 0"), std::string::npos) << p.out;
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, "--decoding hot"));
  EXPECT_EQ(p.code, 2) << p.out;
  p = test::sh(import_cmd(db, id, "alpacaeval", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("did you mean 'alpaca_eval'"), std::string::npos) << p.out;
  p = test::sh(import_cmd(db, 99, "alpaca_eval", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("run 99: no such run"), std::string::npos) << p.out;
  p = test::sh(import_cmd(db, id, "alpaca_eval", dir / "nope.json", ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("nope.json"), std::string::npos) << p.out;
  p = test::sh(import_cmd(dir / "none.db", id, "alpaca_eval", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
  EXPECT_EQ(evals_of(db, id).size(), 1u) << "failed imports must write nothing";

  // The answers changed since they were generated (sha256 mismatch).
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, ""));
  ASSERT_EQ(p.code, 0) << p.out;
  test::write(answers, test::slurp(answers) + " ");
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find("answers file '" + answers + "' changed since it was generated"), std::string::npos) << p.out;
  std::filesystem::remove(answers);
  p = test::sh(import_cmd(db, id, "alpaca_eval", ok, ""));
  EXPECT_EQ(p.code, 2) << p.out;
  EXPECT_NE(p.out.find(answers + "' (artifact answers/alpaca_eval/greedy,seed=0) cannot be read"), std::string::npos) << p.out;
}

}  // namespace
}  // namespace swepo
