// swepo generate: a model's answers to a real benchmark's questions, in the benchmark's own answer
// schema (analysis/benchmarks/benchmark_files.h), for the official judges to read.
//
//   swepo generate (--run ID | --model DIR) --benchmark alpaca_eval|arena_hard|mt_bench --questions FILE
//                  [--out DIR] [--decoding greedy,t0.2,...] [--seeds N] [--model-id NAME]
//                  [--max-new-tokens N] [--top-p P] [--batch-size N] [--chat-template auto|NAME]
//                  [--dtype auto|float32|bfloat16] [--device auto|cpu|cuda[:N]] [--max-questions N] [--db PATH|URL]
//
// Per decoding and seed it writes DIR/<greedy | t0.2-seed1>/ with the answer file
// (model_outputs.json, or model_answer/<model_id>.jsonl) and generation.json (model, questions and
// their SHA-256, chat template, stop token, max new tokens, temperature, top-p, seed, seconds).
// With --run ID the model is the run's exported HF directory (its `hf_model` artifact) rendered with
// the run's model.chat_template (unless --chat-template is given), DIR defaults to
// <that directory>/../answers/<benchmark>, and both files are recorded as the run's artifacts
// `answers/<benchmark>/<label>` and `generation/<benchmark>/<label>` with their SHA-256 (label as
// the pipeline's evals: greedy,seed=0 or t=0.2,seed=1), where `swepo import-eval` finds them.
#include <torch/torch.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "analysis/benchmarks/benchmark_files.h"
#include "apps/cli_args.h"
#include "apps/commands.h"
#include "core/store/store.h"
#include "core/store/store_run.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/hash.h"
#include "core/util/strings.h"
#include "experiments/pipeline/run_answers.h"

namespace swepo::cli {
namespace {

namespace fs = std::filesystem;
using benchmarks::Benchmark;

std::string decoding_dir(double t, int seed) {
  return t == 0.0 ? "greedy" : fmt::format("t{}-seed{}", t, seed);
}

struct RunModelDir {
  std::string dir, model_id, default_out, chat_template;  // chat_template: the run's model.chat_template
};

RunModelDir run_model_dir(Store& store, int64_t id) {
  if (!store.run_get(id)) throw UserError(fmt::format("run {} is not in the store {}", id, store.path()));
  std::string chat = "auto";
  for (const auto& [k, v] : store.run_params(id))
    if (k == "model.chat_template") chat = v;
  for (const auto& a : store.run_artifacts(id))
    if (a.kind == "hf_model")
      return {a.path, fmt::format("swepo-run{}", id), (fs::path(a.path).parent_path() / "answers").string(), chat};
  throw UserError(fmt::format("run {} has no hf_model artifact (runs on model=hf export one at their end); "
                              "use --model DIR for a model directory",
                              id));
}

}  // namespace

int cmd_generate(const Args& args) {
  std::string model, bench_name, questions_path, out, decodings = "greedy", model_id, chat = "auto",
                                                        dtype = "auto", device = "auto", db = kStoreDefaultPath;
  int64_t run = -1;
  int seeds = 1, max_questions = 0;
  GenerationConfig gen;
  gen.max_new_tokens = 1024;
  gen.batch_size = 16;
  po::options_description desc(
      "swepo generate (--run ID | --model DIR) --benchmark NAME --questions FILE [--out DIR] [options]\n"
      "A model's answers to a benchmark's questions, in the benchmark's answer schema");
  desc.add_options()("help,h", "show this help")("run", po::value(&run),
                                                  "a run in the store: its exported HF model (hf_model artifact)")(
      "model", po::value(&model), "a Hugging Face model directory")(
      "benchmark", po::value(&bench_name), "alpaca_eval | arena_hard | mt_bench")(
      "questions", po::value(&questions_path),
      "the benchmark's question file: alpaca_eval.json | question.jsonl (Arena-Hard v0.1, MT-Bench)")(
      "out", po::value(&out), "output directory (default with --run: <run's hf_model>/../answers/<benchmark>)")(
      "decoding", po::value(&decodings)->default_value(decodings),
      "comma-separated decodings: greedy, t0.2, t0.5, t1.0 (any tT, T > 0)")(
      "seeds", po::value(&seeds)->default_value(seeds), "sampling seeds 0..N-1 per sampled decoding (greedy: seed 0)")(
      "model-id", po::value(&model_id), "the answers' model name (default: swepo-run<ID>, or DIR's name)")(
      "max-new-tokens", po::value(&gen.max_new_tokens)->default_value(gen.max_new_tokens), "most tokens per answer")(
      "top-p", po::value(&gen.top_p)->default_value(gen.top_p), "nucleus sampling mass (sampled decodings)")(
      "batch-size", po::value(&gen.batch_size)->default_value(gen.batch_size), "questions decoded together")(
      "chat-template", po::value(&chat)->default_value(chat),
      "auto (detected from tokenizer_config.json) | none | chatml | qwen3 | llama3 | llama2 | mistral | zephyr")(
      "dtype", po::value(&dtype)->default_value(dtype), "auto (config.json's torch_dtype) | float32 | bfloat16")(
      "device", po::value(&device)->default_value(device), "auto | cpu | cuda | cuda:N")(
      "max-questions", po::value(&max_questions)->default_value(max_questions), "answer only the first N (0 = all)")(
      "db", po::value(&db)->default_value(db), "results store (with --run): SQLite path or postgresql:// URL");
  po::variables_map vm;
  if (!cli_parse(args, desc, vm)) return 0;
  if ((run >= 0) == !model.empty()) throw UserError("give exactly one of --run ID and --model DIR");
  if (bench_name.empty()) throw UserError("--benchmark is required (alpaca_eval, arena_hard or mt_bench)");
  if (questions_path.empty()) throw UserError("--questions is required (the benchmark's question file)");
  if (seeds < 1) throw UserError("--seeds must be >= 1");
  if (max_questions < 0) throw UserError("--max-questions must be >= 0");
  if (gen.max_new_tokens < 1 || gen.batch_size < 1 || !(gen.top_p > 0 && gen.top_p <= 1))
    throw UserError("--max-new-tokens and --batch-size must be >= 1, --top-p in (0, 1]");
  const Benchmark b = benchmarks::parse_benchmark(bench_name);
  std::vector<double> temps;
  for (const auto& d : split(decodings, ',')) temps.push_back(benchmarks::parse_decoding(trim(d)));

  std::unique_ptr<Store> store;
  if (run >= 0) {
    store = std::make_unique<Store>(db);
    RunModelDir r = run_model_dir(*store, run);
    model = r.dir;
    if (model_id.empty()) model_id = r.model_id;
    if (out.empty()) out = (fs::path(r.default_out) / benchmarks::benchmark_name(b)).string();
    if (vm["chat-template"].defaulted()) chat = r.chat_template;  // as the run was trained
  }
  if (out.empty()) throw UserError("--out is required with --model");
  if (model_id.empty()) model_id = fs::path(model).lexically_normal().filename().string();
  if (model_id.empty()) model_id = fs::absolute(model).parent_path().filename().string();

  std::vector<benchmarks::Question> questions = benchmarks::load_questions(b, questions_path);
  if (max_questions > 0 && questions.size() > static_cast<size_t>(max_questions)) questions.resize(max_questions);
  if (questions.empty()) throw UserError(questions_path + ": holds no questions");
  const std::string questions_sha = sha256_file(questions_path);

  pipeline::ChatModel cm{};
  try {
    cm = pipeline::open_chat_model(model, chat, dtype, device);
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + " (swepo generate: --chat-template NAME)");
  }
  std::cerr << fmt::format("generate: {} ({} questions) with {} (chat template {}, stop {})\n",
                           benchmarks::benchmark_name(b), questions.size(), model, cm.chat_template,
                           cm.stop_token.empty() ? "none" : cm.stop_token);
  std::vector<ArtifactRow> artifacts;
  for (double t : temps) {
    for (int seed = 0; seed < (t == 0.0 ? 1 : seeds); ++seed) {
      GenerationConfig g = gen;
      g.temperature = t;
      const auto t0 = std::chrono::steady_clock::now();
      benchmarks::AnswerSet a = pipeline::answer_questions(cm, b, questions, g, seed, model_id);
      a.tstamp = static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count()) / 1000.0;
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const std::string dir = (fs::path(out) / decoding_dir(t, seed)).string();
      const std::string answers = benchmarks::write_answers(b, dir, a);
      const std::string label = benchmarks::decoding_label(t, seed);
      nlohmann::ordered_json meta = {
          {"benchmark", benchmarks::benchmark_name(b)},
          {"model", fs::absolute(model).lexically_normal().string()},
          {"model_id", model_id},
          {"run", run >= 0 ? nlohmann::ordered_json(run) : nlohmann::ordered_json(nullptr)},
          {"questions", fs::absolute(questions_path).lexically_normal().string()},
          {"questions_sha256", questions_sha},
          {"n_questions", questions.size()},
          {"answers", fs::absolute(answers).lexically_normal().string()},
          {"decoding", label},
          {"temperature", t},
          {"top_p", t == 0.0 ? 1.0 : gen.top_p},
          {"seed", seed},
          {"max_new_tokens", gen.max_new_tokens},
          {"chat_template", cm.chat_template},
          {"stop_token", cm.stop_token},
          {"dtype", dtype},
          {"seconds", secs}};
      const std::string meta_path = (fs::path(dir) / "generation.json").string();
      write_file_atomic(meta_path, meta.dump(2) + "\n");
      std::cout << fmt::format("{} {}: {} answers in {:.1f} s -> {}\n", benchmarks::benchmark_name(b), label,
                               questions.size(), secs, answers);
      const std::string tag = benchmarks::benchmark_name(b) + "/" + label;
      artifacts.push_back({"answers/" + tag, fs::absolute(answers).lexically_normal().string(), sha256_file(answers)});
      artifacts.push_back(
          {"generation/" + tag, fs::absolute(meta_path).lexically_normal().string(), sha256_file(meta_path)});
    }
  }
  if (store) {
    run_add_artifacts(*store, run, artifacts);
    std::cout << fmt::format("recorded {} artifacts on run {}\n", artifacts.size(), run);
  }
  return 0;
}

}  // namespace swepo::cli
