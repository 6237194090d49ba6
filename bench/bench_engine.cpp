// Training engine throughput: one optimizer step (forward + backward + AdamW) in tokens/s on the
// `tiny` and `small` model presets, generation tokens/s (greedy, KV cache), the machine's float32
// GEMM FLOP/s, and model FLOP utilisation
//   MFU = model_flops_per_token(T) * tokens/s / GEMM FLOP/s
// with model_flops_per_token = 6 * matmul parameters + 12 * L * D * T (engine/model_config.h).
// Run: build/bench/bench_engine [--benchmark_filter=...]   (device: SWEPO_BENCH_DEVICE, default
// auto; on CUDA the step runs under bf16 autocast, and the GEMM reference stays float32).
//
// Dimension glossary: N rows, T tokens per row, V vocab, D d_model, L layers.
#include <torch/torch.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "bench/bench_util.h"
#include "core/config/fields.h"
#include "engine/autocast.h"
#include "engine/device.h"
#include "engine/generate.h"
#include "engine/logprobs.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/train_config.h"

namespace {

using namespace swepo;

using bench::bench_device;
using bench::gemm_flops;
using bench::preset;
using bench::sync;

double best_gemm_flops() {
  const bool cuda = bench_device().is_cuda();
  return std::max(gemm_flops(1024), gemm_flops(cuda ? 4096 : 2048));
}

void BM_GemmF32(benchmark::State& state) {
  const int64_t n = state.range(0);
  const c10::Device dev = bench_device();
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(dev);
  at::Tensor a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts), c;  // [n, n]
  for (auto _ : state) {
    c = torch::mm(a, b);
    sync(dev);
  }
  state.counters["FLOP/s"] =  // rates use the benchmark's real time (UseRealTime below)
      benchmark::Counter(2.0 * double(n) * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

// One optimizer step on N rows of T random tokens, every position scored (SFT loss).
void BM_TrainStep(benchmark::State& state, const std::string& name, int64_t rows) {
  const c10::Device dev = bench_device();
  const bool bf16 = dev.is_cuda();
  ModelConfig cfg = preset(name);
  const int64_t T = cfg.max_seq_len;
  seed_model_init(0);
  Transformer model(cfg);
  model->to(dev);
  model->train();
  TrainerConfig tc;
  tc.lr = 1e-4;
  auto opt = make_adamw(*model, tc);
  const auto params = model->parameters();
  at::Generator gen = make_cpu_generator(1);
  SftBatch batch;
  batch.tokens = torch::randint(0, 256, {rows, T}, gen, torch::kInt64);  // [N, T]
  batch.loss_mask = torch::ones({rows, T}, torch::kBool);                // [N, T]
  batch.loss_mask.select(1, T - 1).fill_(false);
  auto step = [&] {
    opt->zero_grad();
    NllSum nll;
    {
      AutocastGuard ac(bf16);
      nll = sft_loss(model, batch);
    }
    (nll.sum / double(rows * (T - 1))).backward();
    clip_grad_norm(params, 1.0);
    opt->step();
  };
  step();  // warm up (allocations, optimizer state)
  sync(dev);
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) {
    step();
    sync(dev);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double tokens = double(rows * T);
  const double tokens_per_s = tokens * double(state.iterations()) / wall;
  state.counters["tokens/s"] = tokens_per_s;
  state.counters["params"] = double(model_numel(model));
  state.counters["GEMM_FLOP/s"] = best_gemm_flops();
  state.counters["MFU"] = model_flops_per_token(cfg, T) * tokens_per_s / best_gemm_flops();
}

// Greedy decoding with the KV cache: N prompts of 16 bytes, 64 new tokens each.
void BM_Generate(benchmark::State& state, const std::string& name, int64_t rows, bool use_cache) {
  const c10::Device dev = bench_device();
  ModelConfig cfg = preset(name);
  seed_model_init(0);
  Transformer model(cfg);
  model->to(dev);
  ByteTokenizer tok;
  std::vector<std::vector<int64_t>> prompts;
  for (int64_t i = 0; i < rows; ++i) prompts.push_back(tok.encode("prompt number " + std::to_string(100 + i)));
  GenerationConfig g;
  g.temperature = 0.0;
  g.max_new_tokens = 64;
  g.use_cache = use_cache;
  at::Generator gen = make_cpu_generator(0);
  int64_t produced = 0;
  for (auto _ : state) {
    GenerationResult r = generate(model, tok, prompts, g, gen);
    for (const auto& t : r.tokens) produced += static_cast<int64_t>(t.size());
  }
  state.counters["tokens/s"] = benchmark::Counter(double(produced), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("gemm_f32", BM_GemmF32)->Arg(1024)->Arg(2048)->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("train_step/tiny/N8_T128",
                               [](benchmark::State& s) { BM_TrainStep(s, "tiny", 8); })
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("train_step/small/N8_T256",
                               [](benchmark::State& s) { BM_TrainStep(s, "small", 8); })
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("generate/tiny/N8_cached",
                               [](benchmark::State& s) { BM_Generate(s, "tiny", 8, true); })
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("generate/tiny/N8_uncached",
                               [](benchmark::State& s) { BM_Generate(s, "tiny", 8, false); })
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("generate/small/N8_cached",
                               [](benchmark::State& s) { BM_Generate(s, "small", 8, true); })
      ->UseRealTime()->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
