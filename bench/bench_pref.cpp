// Preference-step throughput of the two layouts (engine/pack.h vs engine/collate.h), and peak
// memory of the K-chunked backward. Every ratio is measured inside one benchmark run.
//
//   layout/<model>/K<k>/PR<p:r>   one preference step (log-probs of B groups x K responses,
//                                 Swepo's loss, backward, AdamW), timed in the row layout and in
//                                 the shared-prompt layout back to back; counters: tokens/s of
//                                 each (the rows' token count: the same work), speedup = rows time
//                                 / shared time, ideal = K(P+R) / (P+KR), of_ideal = speedup /
//                                 ideal, MFU_shared = model FLOPs of the P + K R tokens really
//                                 needed per group / time / the binary's GEMM FLOP/s.
//   memory/<model>/K8/chunk<M>    peak RSS growth of one training step (train_preference,
//                                 SimPO: no reference copy) in a fresh process, response_chunk M.
//
// Run: build/bench/bench_pref [--benchmark_filter=...]. CPU or SWEPO_BENCH_DEVICE=cuda.
// Dimension glossary: B groups, K responses, P prompt tokens, R response tokens, D model width.
#include <torch/torch.h>

#include <benchmark/benchmark.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include "bench/bench_util.h"
#include "core/config/fields.h"
#include "engine/autocast.h"
#include "engine/device.h"
#include "engine/logprobs.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/pack.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/train_config.h"
#include "engine/train_pref.h"
#include "losses/registry.h"

namespace {

using namespace swepo;

using bench::bench_device;
using bench::preset;
using bench::sync;

double gemm_flops() { return bench::gemm_flops(bench_device().is_cuda() ? 4096 : 1024); }

// B groups of a P-token prompt and K responses of R tokens (random bytes), distinct scores.
std::vector<TokenizedGroup> synthetic_groups(int64_t B, int64_t K, int64_t P, int64_t R, uint64_t seed) {
  at::Generator gen = make_cpu_generator(seed);
  std::vector<TokenizedGroup> out;
  for (int64_t b = 0; b < B; ++b) {
    TokenizedGroup g;
    at::Tensor p = torch::randint(0, 256, {P}, gen, torch::kInt64);
    g.prompt.assign(p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + P);
    for (int64_t k = 0; k < K; ++k) {
      at::Tensor r = torch::randint(0, 256, {R}, gen, torch::kInt64);
      g.responses.emplace_back(r.data_ptr<int64_t>(), r.data_ptr<int64_t>() + R);
      g.scores.push_back(double(k));
    }
    out.push_back(std::move(g));
  }
  return out;
}

void BM_Layouts(benchmark::State& state, const std::string& model_name, int64_t B, int64_t K,
                int64_t R, double ratio) {
  const c10::Device dev = bench_device();
  const bool bf16 = dev.is_cuda();
  ModelConfig cfg = preset(model_name);
  const int64_t P = std::max<int64_t>(1, static_cast<int64_t>(ratio * double(R)));
  seed_model_init(0);
  Transformer model(cfg);
  model->to(dev);
  model->train();
  TrainerConfig tc;
  auto opt = make_adamw(*model, tc);
  const auto params = model->parameters();
  auto loss = make_loss(YAML::Load("{name: swepo}"));
  at::Generator gen = make_cpu_generator(1);
  ByteTokenizer tok;
  const SpecialIds ids = special_ids(tok);
  const TruncationConfig t = truncation_resolve({}, cfg.max_seq_len);
  const auto groups = synthetic_groups(B, K, P, R, 7);
  at::Tensor ref = torch::zeros({B, K}, torch::TensorOptions().device(dev));  // [B, K]

  auto step = [&](bool shared) {
    opt->zero_grad();
    ResponseLogps lp;
    at::Tensor scores, valid;
    {
      AutocastGuard ac(bf16);
      if (shared) {
        PackedBatch pb = pack_groups(groups, ids, t);
        scores = pb.scores;
        valid = pb.valid;
        lp = response_logps(model, pb);
      } else {
        CollatedBatch cb = collate_groups(groups, ids, t);
        scores = cb.scores;
        valid = cb.valid;
        lp = response_logps(model, cb);
      }
    }
    PreferenceBatch batch{lp.logps, ref, scores.to(dev), lp.lengths, valid.to(dev)};
    LossOutput out = loss->compute(batch, gen);
    out.mean_loss().backward();
    clip_grad_norm(params, 1.0);
    opt->step();
    sync(dev);
  };
  // Alternate the layouts and keep each one's fastest step: load on a shared machine hits both.
  auto time_step = [&](bool shared) {
    const auto t0 = std::chrono::steady_clock::now();
    step(shared);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  const int reps = model_name == "base100m" ? 1 : 3;
  double t_rows = 1e30, t_shared = 1e30;
  for (auto _ : state) {
    step(false);  // warm up both
    step(true);
    double total = 0;
    for (int i = 0; i < reps; ++i) {
      const double a = time_step(false), b = time_step(true);
      t_rows = std::min(t_rows, a);
      t_shared = std::min(t_shared, b);
      total += a + b;
    }
    state.SetIterationTime(total);
  }
  const double row_tokens = double(B * K * (P + R + 3));  // BOS prompt SEP response EOS per row
  const double needed = double(B * (P + 2 + K * R));      // prompt once, each response's tokens
  const double ideal = double(K * (P + R)) / double(P + K * R);
  state.counters["P"] = double(P);
  state.counters["R"] = double(R);
  state.counters["rows_tok/s"] = row_tokens / t_rows;
  state.counters["shared_tok/s"] = row_tokens / t_shared;
  state.counters["speedup"] = t_rows / t_shared;
  state.counters["ideal"] = ideal;
  state.counters["of_ideal"] = (t_rows / t_shared) / ideal;
  state.counters["MFU_shared"] = model_flops_per_token(cfg, P + R) * needed / t_shared / gemm_flops();
  state.counters["MFU_rows"] = model_flops_per_token(cfg, P + R) * needed / t_rows / gemm_flops();
}

// kB of a /proc/self/status field (VmRSS: now, VmHWM: peak).
long status_kb(const std::string& field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field.c_str(), field.size()) == 0 && line[field.size()] == ':')
      kb = std::atol(line + field.size() + 1);
  std::fclose(f);
  return kb;
}

// In a fresh process (this binary re-executed with --memory-child): peak RSS growth (MiB) of one
// train_preference step, SimPO (no reference copy), B groups x K responses, P and R tokens.
int memory_child(const std::string& model_name, int64_t chunk) {
  const int64_t B = 4, K = 8, P = 64, R = 64;
  torch::set_num_threads(1);
  ModelConfig cfg = preset(model_name);
  seed_model_init(0);
  Transformer model(cfg);
  const std::vector<PreferenceRecord> data = bench::random_pref_records(B, K, P, R);
  TrainerConfig tc;
  tc.max_steps = 1;
  tc.batch_size = B;
  tc.micro_batch_size = B;
  tc.warmup_steps = 0;
  tc.device = "cpu";
  tc.precision = "fp32";
  tc.ref_cache_dir = "";
  tc.response_chunk = chunk;
  auto loss = make_loss(YAML::Load("{name: simpo}"));
  ByteTokenizer tok;
  MemorySink sink;
  const long before = status_kb("VmRSS");
  train_preference(model, tok, data, *loss, tc, {}, sink);
  std::printf("%.3f\n", double(status_kb("VmHWM") - before) / 1024.0);
  return 0;
}

double step_peak_mib(const std::string& model_name, int64_t chunk) {
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = 0;
  const std::string cmd = std::string(exe) + " --memory-child " + model_name + " " + std::to_string(chunk);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  double mib = -1;
  if (std::fscanf(p, "%lf", &mib) != 1) mib = -1;
  pclose(p);
  return mib;
}

void BM_ChunkMemory(benchmark::State& state, const std::string& model_name, int64_t chunk) {
  double mib = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    mib = step_peak_mib(model_name, chunk);
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["peak_MiB"] = mib;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string(argv[1]) == "--memory-child") return memory_child(argv[2], std::atoll(argv[3]));
  for (int64_t K : {2, 4, 8})
    for (double ratio : {0.5, 1.0, 2.0, 4.0}) {
      const std::string name = "layout/small/K" + std::to_string(K) + "/PR" + std::to_string(ratio).substr(0, 3);
      benchmark::RegisterBenchmark(name.c_str(), [K, ratio](benchmark::State& s) {
        BM_Layouts(s, "small", 4, K, 32, ratio);
      })->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
    }
  benchmark::RegisterBenchmark("layout/base100m/K4/PR1.0", [](benchmark::State& s) {
    BM_Layouts(s, "base100m", 2, 4, 64, 1.0);
  })->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
  for (int64_t chunk : {0, 1, 2})
    benchmark::RegisterBenchmark(("memory/small/K8/chunk" + std::to_string(chunk)).c_str(),
                                 [chunk](benchmark::State& s) { BM_ChunkMemory(s, "small", chunk); })
        ->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
