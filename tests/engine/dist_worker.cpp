// One rank of the data-parallel tests (tests/engine/test_distributed.cpp), started as a process
// with the torchrun variables (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) or none (one process):
//   dist_worker OUT STEPS [SLEEP_MS]
// trains the tiny model with Swepo for STEPS preference steps on the shared fixtures (global batch
// 4, micro-batches of 2), sleeping SLEEP_MS after each step, and writes OUT.pt (the flat weights,
// rank 0 only) and OUT.loss (one loss per step). SWEPO_TEST_LR changes the learning rate (a config
// that differs between ranks). Exit codes as the CLI: 2 for a UserError, 1 for anything else.
#include <chrono>
#include <fstream>
#include <iostream>
#include <thread>

#include <torch/torch.h>

#include "core/util/error.h"
#include "engine/distributed.h"
#include "engine/metrics_sink.h"
#include "engine/train_pref.h"
#include "losses/registry.h"
#include "tests/engine/train_test_util.h"

namespace {

class SlowSink final : public swepo::MetricSink {
 public:
  explicit SlowSink(int ms) : ms_(ms) {}
  void log(int64_t step, const swepo::MetricMap& m) override {
    losses.push_back(m.at("loss"));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
  }
  std::vector<double> losses;

 private:
  int ms_;
};

}  // namespace

int main(int argc, char** argv) {
  using namespace swepo;
  if (argc < 3) return 2;
  const std::string out = argv[1];
  try {
    torch::set_num_threads(1);
    const WorldInfo world = world_from_env();
    std::unique_ptr<Distributed> dist;
    if (world.distributed()) dist = std::make_unique<Distributed>(world, c10::kCPU, std::chrono::milliseconds(5000));
    ByteTokenizer tok;
    auto loss = make_loss(YAML::Load("{name: swepo}"));
    TrainerConfig cfg = test::tiny_trainer_config("");
    cfg.max_steps = std::stoi(argv[2]);
    cfg.batch_size = 4;
    cfg.micro_batch_size = 2;
    if (const char* lr = std::getenv("SWEPO_TEST_LR")) cfg.lr = std::stod(lr);
    SlowSink sink(argc > 3 ? std::stoi(argv[3]) : 0);
    TrainRunOptions run;
    run.dist = dist.get();
    Transformer m = test::tiny_model(0);
    train_preference(m, tok, test::pref_records(), *loss, cfg, {}, sink, run);
    std::ofstream(out + ".loss." + std::to_string(world.rank)) << [&] {
      std::string s;
      for (double l : sink.losses) s += std::to_string(l) + "\n";
      return s;
    }();
    std::vector<at::Tensor> ps;
    for (const auto& p : m->parameters()) ps.push_back(p.detach().flatten());
    if (world.rank == 0) torch::save(torch::cat(ps), out + ".pt");
    return 0;
  } catch (const UserError& e) {
    std::cerr << "dist_worker: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "dist_worker: internal error: " << e.what() << "\n";
    return 1;
  }
}
