#include "experiments/pipeline/run_eval.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "analysis/benchmarks/benchmark_files.h"
#include "engine/generate.h"
#include "engine/rng.h"

namespace swepo::pipeline {

std::vector<std::string> respond_batched(Transformer& model, const Tokenizer& tok,
                                         const std::vector<std::string>& prompts,
                                         const GenerationConfig& g, double temperature,
                                         at::Generator& gen, const Progress& progress) {
  GenerationConfig gc = g;
  gc.temperature = temperature;
  std::vector<size_t> order(prompts.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return prompts[a].size() < prompts[b].size(); });
  std::vector<std::string> out(prompts.size());
  const size_t bs = static_cast<size_t>(g.batch_size);
  for (size_t i = 0; i < order.size(); i += bs) {
    std::vector<std::string> batch;
    for (size_t j = i; j < std::min(order.size(), i + bs); ++j) batch.push_back(prompts[order[j]]);
    std::vector<std::string> texts = generate_text(model, tok, batch, gc, gen);
    for (size_t j = 0; j < texts.size(); ++j) out[order[i + j]] = std::move(texts[j]);
    if (progress) progress();
  }
  return out;
}

std::string decoding_label(double temperature) {
  return temperature == 0.0 ? "greedy" : fmt::format("t={}", temperature);
}

std::string decoding_label(double temperature, int seed) {
  return benchmarks::decoding_label(temperature, seed);  // the label import-eval writes too
}

uint64_t eval_stream_seed(const RunConfig& cfg, double temperature, int seed) {
  const uint64_t s = derive_seed(static_cast<uint64_t>(seed), "eval/" + decoding_label(temperature));
  if (!cfg.eval_seed) return s;  // the decoding's own stream, shared by every run
  return derive_seed(static_cast<uint64_t>(*cfg.eval_seed), "eval_seed", s);
}

synth::EvalReport eval_stage(Transformer& model, const Tokenizer& tok, const synth::SynthData& data,
                             const RunConfig& cfg, const Progress& progress) {
  std::map<std::pair<double, int>, at::Generator> gens;
  const synth::DecodingResponder respond = [&](const std::vector<std::string>& prompts, double t, int seed) {
    auto it = gens.find({t, seed});
    if (it == gens.end())
      it = gens.emplace(std::make_pair(t, seed),
                        make_cpu_generator(eval_stream_seed(cfg, t, seed)))
               .first;
    return respond_batched(model, tok, prompts, cfg.generation, t, it->second, progress);
  };
  return synth::evaluate(data, cfg.data.synth, cfg.eval, respond);
}

namespace {

int64_t suite_n(const std::string& suite, const RunConfig& cfg, const synth::SynthData& data) {
  size_t n = suite == "alpaca" ? data.alpaca.items.size()
             : suite == "arena" ? data.arena.items.size()
                                : data.mtbench.size();
  if (cfg.eval.max_prompts > 0) n = std::min(n, static_cast<size_t>(cfg.eval.max_prompts));
  return static_cast<int64_t>(n);
}

void add_rows(std::vector<EvalRow>& rows, const synth::SuiteMetrics& m, const std::string& decoding,
              const RunConfig& cfg, const synth::SynthData& data) {
  for (const auto& [key, value] : m) {
    const auto slash = key.find('/');
    EvalRow r;
    r.suite = key.substr(0, slash);
    r.metric = key.substr(slash + 1);
    if (r.metric == "wr_se") continue;  // the stderr of alpaca/wr
    r.value = value;
    if (key == "alpaca/wr" && m.count("alpaca/wr_se")) r.stderr_ = m.at("alpaca/wr_se");
    r.n = suite_n(r.suite, cfg, data);
    r.decoding = decoding;
    rows.push_back(std::move(r));
  }
}

}  // namespace

std::vector<EvalRow> eval_rows(const synth::EvalReport& report, const RunConfig& cfg,
                               const synth::SynthData& data) {
  std::vector<EvalRow> rows;
  for (const auto& run : report.runs)
    add_rows(rows, run.metrics, decoding_label(run.temperature, run.seed), cfg, data);
  for (const auto& [t, m] : report.per_temperature) add_rows(rows, m, decoding_label(t), cfg, data);
  add_rows(rows, report.average, "avg", cfg, data);
  return rows;
}

}  // namespace swepo::pipeline
