// Memory and throughput of a K = 4 preference step under the engine's memory options, and data
// parallelism over 1 vs 2 Gloo ranks. Each configuration runs in a fresh process (this binary
// re-executed as a child), so peak RSS growth is that configuration's alone.
//
//   mode/<model>/<fp32|ckpt|lora|lora_bf16>   one process: 1 warm-up step, then 3 timed steps of
//       B = 4 groups x K = 4 responses, P = R = 64 tokens, Swepo loss, AdamW; counters: peak_MiB
//       (peak RSS over the process before the model: weights as stored, gradients, optimizer
//       state, activations), tok_s (forwarded tokens/s), trainable (parameters the optimizer updates).
//       fp32: full fine-tuning; ckpt: + trainer.activation_checkpointing; lora: r 16 on every
//       linear, base frozen in fp32; lora_bf16: the same with the frozen base stored in bf16
//       (trainer.precision=bf16). bf16_autocast is CUDA-only and not measured on a CPU.
//   ranks/<model>/<1|2>                       the same fp32 step (global batch B = 4) as one process
//       with 2 threads or 2 Gloo ranks with 1 thread each; counter tok_s (global).
//
// Run: build/bench/bench_memory [--benchmark_filter=...]. Presets: small (6.5M), base100m (92M).
#include <torch/torch.h>

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <yaml-cpp/yaml.h>

#include "bench/bench_util.h"
#include "engine/distributed.h"
#include "engine/lora.h"
#include "engine/metrics_sink.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/train_pref.h"
#include "losses/registry.h"

namespace swepo {
namespace {

long status_kb(const char* field) {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kb = -1;
  const size_t n = std::strlen(field);
  while (std::fgets(line, sizeof line, f))
    if (std::strncmp(line, field, n) == 0 && line[n] == ':') kb = std::atol(line + n + 1);
  std::fclose(f);
  return kb;
}

// One configuration in this (child) process; prints "peak_MiB tok_s trainable".
int child(const std::string& model_name, const std::string& mode, int threads) {
  const int64_t B = 4, K = 4, P = 64, R = 64, steps = 3;
  torch::set_num_threads(threads);
  const long base = status_kb("VmRSS");  // the process before the model
  const WorldInfo world = world_from_env();
  std::unique_ptr<Distributed> dist;
  if (world.distributed()) dist = std::make_unique<Distributed>(world, c10::kCPU, std::chrono::milliseconds(600000));
  seed_model_init(0);
  Transformer model(bench::preset(model_name));
  ModelConfig mc = model->config();
  mc.max_seq_len = std::max<int64_t>(mc.max_seq_len, P + R + 2);
  if (mc.max_seq_len != model->config().max_seq_len) {
    seed_model_init(0);
    model = Transformer(mc);
  }
  if (mode == "lora" || mode == "lora_bf16") {
    LoraConfig lc;
    lc.r = 16;
    lc.alpha = 32;
    lc.target_modules = {"all-linear"};
    add_lora(model, lc, 0);
    if (mode == "lora_bf16") store_frozen_bf16(model);
  }
  int64_t trainable = 0;
  for (const auto& p : model->parameters())
    if (p.requires_grad()) trainable += p.numel();
  const auto data = bench::random_pref_records(B, K, P, R);
  TrainerConfig tc;
  tc.batch_size = B;
  tc.micro_batch_size = B / (dist ? dist->size() : 1);
  tc.warmup_steps = 0;
  tc.device = "cpu";
  tc.precision = mode == "lora_bf16" ? "bf16" : "fp32";
  tc.activation_checkpointing = mode == "ckpt";
  tc.peft = mode.rfind("lora", 0) == 0 ? "lora" : "none";
  tc.ref_cache_dir = "";
  tc.log_every = 1000;
  auto loss = make_loss(YAML::Load("{name: swepo}"));
  ByteTokenizer tok;
  MemorySink sink;
  TrainRunOptions run;
  run.dist = dist.get();
  // Peak from here on: the model as stored (after a bf16 conversion freed the fp32 copy) plus
  // gradients, optimizer state and activations. Writing 5 to clear_refs resets VmHWM.
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
  tc.max_steps = 1;  // warm-up (and the reference pass)
  train_preference(model, tok, data, *loss, tc, {}, sink, run);
  tc.max_steps = steps;
  const auto t0 = std::chrono::steady_clock::now();
  TrainResult res = train_preference(model, tok, data, *loss, tc, {}, sink, run);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double tokens = double(B) * double(P + K * R) * double(steps);  // shared-prompt tokens, global
  if (!dist || dist->rank() == 0)
    std::printf("%.3f %.1f %lld\n", double(status_kb("VmHWM") - base) / 1024.0, tokens / secs,
                static_cast<long long>(trainable));
  (void)res;
  return 0;
}

std::string self_exe() {
  char exe[4096];
  const ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  return exe;
}


void report(benchmark::State& state, const std::string& cmd) {
  double mib = -1, tok_s = -1;
  long long trainable = -1;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    FILE* p = popen(cmd.c_str(), "r");
    if (p) {
      if (std::fscanf(p, "%lf %lf %lld", &mib, &tok_s, &trainable) != 3) mib = tok_s = -1;
      pclose(p);
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.counters["peak_MiB"] = mib;
  state.counters["tok_s"] = tok_s;
  state.counters["trainable"] = double(trainable);
}

}  // namespace
}  // namespace swepo

int main(int argc, char** argv) {
  using namespace swepo;
  if (argc == 5 && std::string(argv[1]) == "--child") return child(argv[2], argv[3], std::atoi(argv[4]));
  for (const std::string model : {"small", "base100m"}) {
    for (const std::string mode : {"fp32", "ckpt", "lora", "lora_bf16"})
      benchmark::RegisterBenchmark(("mode/" + model + "/" + mode).c_str(), [model, mode](benchmark::State& s) {
        report(s, self_exe() + " --child " + model + " " + mode + " 2");
      })->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
    benchmark::RegisterBenchmark(("ranks/" + model + "/1").c_str(), [model](benchmark::State& s) {
      report(s, self_exe() + " --child " + model + " fp32 2");
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
    benchmark::RegisterBenchmark(("ranks/" + model + "/2").c_str(), [model](benchmark::State& s) {
      const std::string env = "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(free_local_port()) + " WORLD_SIZE=2 ";
      report(s, "(" + env + "RANK=1 " + self_exe() + " --child " + model + " fp32 1 > /dev/null & " + env + "RANK=0 " +
                    self_exe() + " --child " + model + " fp32 1; wait)");
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kSecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
