// Forward + backward of every registered loss on CPU, float32, at [B, K] = [64, 4] and [1024, 8].
// Run: build/bench/bench_losses  (one thread; the figures go into README.md's loss table).
//
// Dimension glossary: B prompts, K responses per prompt.
#include <torch/torch.h>

#include <benchmark/benchmark.h>

#include "losses/registry.h"

namespace {

swepo::PreferenceBatch random_batch(int64_t b, int64_t k) {
  at::Generator gen = at::detail::createCPUGenerator(0);
  swepo::PreferenceBatch batch;
  batch.policy_logps = at::randn({b, k}, gen, at::kFloat) * 10 - 100;              // [B, K]
  batch.ref_logps = batch.policy_logps + at::randn({b, k}, gen, at::kFloat);       // [B, K]
  batch.scores = at::randint(1, 11, {b, k}, gen, at::TensorOptions().dtype(at::kFloat));  // [B, K]
  batch.lengths = at::randint(10, 500, {b, k}, gen, at::TensorOptions().dtype(at::kFloat));  // [B, K]
  batch.mask = at::ones({b, k}, at::kBool);                                         // [B, K]
  return batch;
}

void run_loss(benchmark::State& state, const std::string& name, int64_t b, int64_t k) {
  auto loss = swepo::find_loss(name).parse(YAML::Node(), "loss", nullptr).make();  // defaults
  swepo::PreferenceBatch batch = random_batch(b, k);
  at::Tensor leaf = batch.policy_logps.detach().requires_grad_(true);  // [B, K]
  batch.policy_logps = leaf;
  at::Generator gen = at::detail::createCPUGenerator(0);
  for (auto _ : state) {
    swepo::LossOutput out = loss->compute(batch, gen);
    out.mean_loss().backward();
    benchmark::DoNotOptimize(leaf.grad().data_ptr<float>());
    leaf.mutable_grad().reset();
  }
  state.SetItemsProcessed(state.iterations() * b);
}

}  // namespace

int main(int argc, char** argv) {
  torch::set_num_threads(1);
  for (const auto& name : swepo::loss_names())
    for (auto [b, k] : {std::pair<int64_t, int64_t>{64, 4}, {1024, 8}})
      benchmark::RegisterBenchmark(("loss/" + name + "/B" + std::to_string(b) + "_K" + std::to_string(k)).c_str(),
                                   [name, b = b, k = k](benchmark::State& s) { run_loss(s, name, b, k); })
          ->Unit(benchmark::kMicrosecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
