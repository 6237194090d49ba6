// Shared fixtures of the trainer tests: a tiny model (d_model 32, 2 layers, seq 32), small
// synthetic SFT and preference datasets, fast trainer configs and per-test temporary directories.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include <torch/torch.h>
#include <unistd.h>

#include "core/data/records.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/rng.h"
#include "engine/tokenizer.h"
#include "engine/train_config.h"
#include "engine/train_pref.h"
#include "losses/registry.h"

namespace swepo::test {

inline ModelConfig tiny_model_config() {
  ModelConfig c;
  c.name = "test-tiny";
  c.vocab_size = ByteTokenizer::kVocab;
  c.n_layer = 2;
  c.n_head = 2;
  c.d_model = 32;
  c.d_ff = 64;
  c.max_seq_len = 32;
  return c;
}

// A model initialised from the "init" stream of `seed`.
inline Transformer tiny_model(int64_t seed) {
  seed_model_init(seed);
  return Transformer(tiny_model_config());
}

inline std::vector<SftRecord> sft_records() {
  return {{"ab", "cd"}, {"ef", "gh"}, {"ij", "kl"}, {"mn", "op"}};
}

// 8 prompts with K_b from 2 to 4 (K varies across prompts), distinct scores except prompt 5,
// whose scores tie (a loss that skips ties does not use it).
inline std::vector<PreferenceRecord> pref_records() {
  return {
      {"q0", {"aa", "bbb", "c"}, {7, 2, 4}},
      {"q1", {"dd", "e"}, {1, 9}},
      {"q2", {"ff", "gg", "hh", "ii"}, {3, 8, 5, 1}},
      {"q3", {"jj", "kk"}, {6, 2}},
      {"q4", {"ll", "mm", "nn"}, {2, 5, 9}},
      {"q5", {"oo", "pp"}, {4, 4}},
      {"q6", {"qq", "rr", "ss", "tt"}, {9, 1, 6, 3}},
      {"q7", {"uu", "vv", "ww"}, {5, 7, 2}},
  };
}

// Fast CPU defaults; tests override what they exercise.
inline TrainerConfig tiny_trainer_config(const std::string& cache_dir) {
  TrainerConfig c;
  c.lr = 1e-2;
  c.warmup_steps = 0;
  c.decay = "constant";
  c.batch_size = 4;
  c.micro_batch_size = 4;
  c.ref_batch_size = 3;
  c.max_steps = 4;
  c.log_every = 1;
  c.grad_clip = 1.0;
  c.device = "cpu";
  c.precision = "fp32";
  c.ref_cache_dir = cache_dir;
  return c;
}

// A fresh, empty directory for one test (removed first if left from an earlier run).
inline std::filesystem::path temp_root() {
  return std::filesystem::temp_directory_path() / ("swepo_test_train_" + std::to_string(::getpid()));
}

// Removes this process's temp_root() when the test binary exits.
struct TempRootCleaner {
  ~TempRootCleaner() {
    std::error_code ec;
    std::filesystem::remove_all(temp_root(), ec);
  }
};
inline TempRootCleaner temp_root_cleaner;

inline std::string temp_dir(const std::string& name) {
  auto p = temp_root() / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline int64_t count_files(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  int64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file();
  return n;
}

// Largest absolute difference between the parameters of two models of the same config.
inline double max_param_diff(const Transformer& a, const Transformer& b) {
  auto pa = a->parameters(), pb = b->parameters();
  double m = 0;
  for (size_t i = 0; i < pa.size(); ++i)
    m = std::max(m, (pa[i] - pb[i]).abs().max().item<double>());
  return m;
}

// All parameters, flattened (float64).
inline at::Tensor flat_params(const Transformer& m) {
  std::vector<at::Tensor> ps;
  for (const auto& p : m->parameters()) ps.push_back(p.detach().flatten().to(torch::kDouble));
  return torch::cat(ps);
}

// The trainer config of one_step_update(): one step, lr = 1 and AdamW's eps = 1, clipping off.
inline TrainerConfig one_step_config() {
  TrainerConfig cfg = tiny_trainer_config("");
  cfg.max_steps = 1;
  cfg.lr = 1.0;
  cfg.eps = 1.0;
  cfg.grad_clip = 0;
  return cfg;
}

// The update of one preference step of the tiny model (seed 0) on pref_records() with loss `name`:
// with one_step_config()'s lr = 1 and eps = 1 the first step's update is g / (|g| + 1) per entry
// (bias-corrected m = g, v = g^2), smooth in the gradient g, so equal updates mean equal gradients.
inline at::Tensor one_step_update(const std::string& name, const TrainerConfig& cfg) {
  ByteTokenizer tok;
  MemorySink sink;
  auto loss = make_loss(YAML::Load("{name: " + name + "}"));
  Transformer m = tiny_model(0);
  const at::Tensor before = flat_params(m);
  train_preference(m, tok, pref_records(), *loss, cfg, {}, sink);
  return flat_params(m) - before;
}

}  // namespace swepo::test
