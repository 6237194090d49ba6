// What the engine benchmarks share: the device (SWEPO_BENCH_DEVICE, default auto), a device
// synchronisation, the model presets, and the float32 GEMM FLOP/s reference for MFU.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>

#include <yaml-cpp/yaml.h>

#include "core/config/fields.h"
#include "core/data/records.h"
#include "engine/device.h"
#include "engine/model_config.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"

namespace swepo::bench {

// B prompts of P random lowercase letters, each with K random responses of R letters scored 0..K-1
// (drawn from a fixed seed: the same records in every run).
inline std::vector<PreferenceRecord> random_pref_records(int64_t B, int64_t K, int64_t P, int64_t R) {
  at::Generator gen = make_cpu_generator(3);
  auto text = [&](int64_t n) {
    at::Tensor t = torch::randint(97, 123, {n}, gen, torch::kInt64);
    std::string s;
    for (int64_t i = 0; i < n; ++i) s += static_cast<char>(t[i].item<int64_t>());
    return s;
  };
  std::vector<PreferenceRecord> data;
  for (int64_t b = 0; b < B; ++b) {
    PreferenceRecord r;
    r.prompt = text(P);
    for (int64_t k = 0; k < K; ++k) {
      r.responses.push_back(text(R));
      r.scores.push_back(double(k));
    }
    data.push_back(r);
  }
  return data;
}

inline c10::Device bench_device() {
  const char* d = std::getenv("SWEPO_BENCH_DEVICE");
  return resolve_device(d ? d : "auto");
}

inline void sync(c10::Device dev) {
  if (dev.is_cuda()) torch::cuda::synchronize(dev.index() < 0 ? -1 : dev.index());
}

// experiments/conf/model/<name>.yaml with the byte tokenizer's vocabulary.
inline ModelConfig preset(const std::string& name) {
  YAML::Node n = YAML::LoadFile(std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/model/" + name + ".yaml");
  return model_config_with_vocab(read_fields<ModelConfig>(n, "model"), ByteTokenizer::kVocab);
}

// float32 GEMM FLOP/s of an n x n matmul (2 n^3 per product), measured once per size (>= 1 s).
inline double gemm_flops(int64_t n) {
  static std::map<int64_t, double> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  const c10::Device dev = bench_device();
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(dev);
  at::Tensor a = torch::randn({n, n}, opts), b = torch::randn({n, n}, opts), c;  // [n, n]
  for (int i = 0; i < 3; ++i) c = torch::mm(a, b);  // warm up
  sync(dev);
  int64_t reps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < 1.0) {
    for (int i = 0; i < 4; ++i) c = torch::mm(a, b);
    sync(dev);
    reps += 4;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return cache[n] = 2.0 * double(n) * double(n) * double(n) * double(reps) / elapsed;
}

}  // namespace swepo::bench
