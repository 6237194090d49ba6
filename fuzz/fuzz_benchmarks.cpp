// Fuzz target: the real benchmarks' files (analysis/benchmarks/benchmark_files.h): AlpacaEval /
// Arena-Hard / MT-Bench question files, answer files, the judges' verdict files (AlpacaEval
// annotations.json, Arena-Hard model_judgment JSONL, MT-Bench single-grade JSONL) and AlpacaEval's
// instruction-difficulty file (CSV or JSON).
//
// Feeds: the input's first byte picks the benchmark (byte % 3: alpaca_eval, arena_hard, mt_bench)
// and the file kind ((byte / 3) % 4: 0 questions, 1 answers, 2 verdicts, 3 difficulty file for
// alpaca_eval / verdicts again for the others); the rest is the file, read by load_questions,
// read_answers or import_verdicts. Verdicts are matched against a fixed answer set (model "m":
// alpaca instructions "Say hi", "Name a colour", "Line one\nline two"; arena question ids "q1",
// "q2"; mt-bench 81 and 82, two turns) so that valid verdicts reach the metrics (WR, LC GLM, arena
// bootstrap, MT-Bench means). The difficulty kind pairs the input with a fixed valid annotations
// file.
// Checks: errors are swepo::UserError only; computed metrics are not NaN; counts are >= 0.
#include <cmath>
#include <string>
#include <vector>

#include "analysis/benchmarks/benchmark_files.h"
#include "core/util/error.h"
#include "fuzz_common.h"

namespace b = swepo::benchmarks;

namespace {

std::vector<b::AnswerRow> answers(b::Benchmark bm) {
  switch (bm) {
    case b::Benchmark::AlpacaEval:
      return {{"0", "m", "Say hi", {"hello"}},
              {"1", "m", "Name a colour", {"blue!!"}},
              {"2", "m", "Line one\nline two", {"hello world"}}};
    case b::Benchmark::ArenaHard:
      return {{"\"q1\"", "m", "", {"A1"}}, {"\"q2\"", "m", "", {"A2"}}};
    case b::Benchmark::MtBench:
      return {{"81", "m", "", {"t1", "t2"}}, {"82", "m", "", {"u1", "u2"}}};
  }
  return {};
}

const char* kAnnotations =
    R"([{"instruction": "Say hi", "output_1": "hi", "output_2": "hello", "preference": 2},
 {"instruction": "Name a colour", "output_1": "red", "output_2": "blue!!", "preference": 1},
 {"instruction": "Line one\nline two", "output_1": "x", "output_2": "hello world", "preference": 1.5}])";

void check_result(const b::ImportResult& r) {
  fz::check(r.judged >= 0 && r.skipped >= 0 && r.other_model_rows >= 0, "counts are non-negative");
  // Not NaN: inputs are finite numbers (JSON has no NaN; difficulty files are checked). A value may
  // still overflow to inf (MT-Bench scores near 1e308 are not refused: FastChat does not either).
  for (const auto& e : r.evals) {
    fz::check(!std::isnan(e.value), "metric values are numbers");
    if (e.stderr_ && std::isfinite(e.value)) fz::check(!std::isnan(*e.stderr_), "standard errors are numbers");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const b::Benchmark bm = static_cast<b::Benchmark>(data[0] % 3);
  const int kind = (data[0] / 3) % 4;
  const std::string file = (fz::scratch() / "input").string();
  fz::write_file(file, fz::as_string(data + 1, size - 1));
  try {
    if (kind == 0) {
      auto qs = b::load_questions(bm, file);
      for (const auto& q : qs)
        fz::check(q.turns.size() == static_cast<size_t>(b::benchmark_turns(bm)), "questions have benchmark_turns turns");
    } else if (kind == 1) {
      auto rows = b::read_answers(bm, file);
      for (const auto& r : rows)
        fz::check(r.outputs.size() == static_cast<size_t>(b::benchmark_turns(bm)), "answers have benchmark_turns turns");
    } else if (kind == 3 && bm == b::Benchmark::AlpacaEval) {
      const std::string ann = (fz::scratch() / "annotations.json").string();
      fz::write_file(ann, kAnnotations);
      b::ImportOptions opt;
      opt.difficulty_path = file;
      check_result(b::import_verdicts(bm, ann, answers(bm), "greedy,seed=0", opt));
    } else {
      b::ImportOptions opt;
      opt.n_bootstrap = 20;
      check_result(b::import_verdicts(bm, file, answers(bm), "greedy,seed=0", opt));
    }
  } catch (const swepo::UserError& e) {
    fz::note(e);
  }
  return 0;
}
