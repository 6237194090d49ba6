// Unit tests of the trainer's parts: LR schedule, AdamW parameter groups, gradient clipping,
// seeded streams, metric sinks, config parsing.
#include <cmath>
#include <cstdio>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/metrics_sink.h"
#include "engine/optim.h"
#include "engine/rng.h"
#include "engine/schedule.h"
#include "engine/train_config.h"
#include "engine/train_sft.h"
#include "core/util/error.h"
#include "train_test_util.h"

namespace swepo {
namespace {

TEST(LrSchedule, WarmupThenCosine) {
  // peak 1, W = 2, N = 6, r = 0: span = N - 1 - W = 3.
  LrSchedule s(1.0, 2, 6, "cosine", 0.0);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.5);   // (0+1)/2
  EXPECT_DOUBLE_EQ(s.lr_at(1), 1.0);   // (1+1)/2
  EXPECT_DOUBLE_EQ(s.lr_at(2), 1.0);   // t = 0: 0.5 (1 + cos 0) = 1
  EXPECT_NEAR(s.lr_at(3), 0.75, 1e-12);  // t = 1/3: 0.5 (1 + cos(pi/3)) = 0.5 * 1.5
  EXPECT_NEAR(s.lr_at(4), 0.25, 1e-12);  // t = 2/3: 0.5 (1 + cos(2pi/3)) = 0.5 * 0.5
  EXPECT_NEAR(s.lr_at(5), 0.0, 1e-12);   // t = 1: 0.5 (1 + cos pi) = 0
}

TEST(LrSchedule, LinearWithFloorAndConstant) {
  // peak 2, W = 0, N = 4, r = 0.1: span 3; lr = 2 (0.1 + 0.9 (1 - t)).
  LrSchedule lin(2.0, 0, 4, "linear", 0.1);
  EXPECT_NEAR(lin.lr_at(0), 2.0, 1e-12);                 // t = 0
  EXPECT_NEAR(lin.lr_at(1), 2.0 * (0.1 + 0.6), 1e-12);   // t = 1/3: 1.4
  EXPECT_NEAR(lin.lr_at(3), 0.2, 1e-12);                 // t = 1: the floor
  LrSchedule c(3.0, 1, 10, "constant", 0.0);
  EXPECT_DOUBLE_EQ(c.lr_at(0), 3.0);  // warmup of 1 step: (0+1)/1
  EXPECT_DOUBLE_EQ(c.lr_at(9), 3.0);
  EXPECT_THROW(LrSchedule(1.0, 0, 10, "exp", 0.0), UserError);
}

TEST(Optim, AdamWGroupsSkipDecayForNormsAndEmbeddings) {
  Transformer m = test::tiny_model(0);
  TrainerConfig cfg;
  cfg.weight_decay = 0.1;
  auto opt = make_adamw(*m, cfg);
  ASSERT_EQ(opt->param_groups().size(), 2u);
  const auto& decay = opt->param_groups()[0];
  const auto& no_decay = opt->param_groups()[1];
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamWOptions&>(decay.options()).weight_decay(), 0.1);
  EXPECT_DOUBLE_EQ(static_cast<const torch::optim::AdamWOptions&>(no_decay.options()).weight_decay(), 0.0);
  // Decayed: per layer q/k/v_proj 3 x [32,32], o_proj [32,32], gate/up_proj 2 x [64,32], down_proj [32,64]:
  // 3072 + 1024 + 4096 + 2048 = 10240 per layer, 2 layers = 20480 (tied head: no head matrix).
  int64_t n_decay = 0, n_rest = 0;
  for (const auto& p : decay.params()) n_decay += p.numel();
  for (const auto& p : no_decay.params()) n_rest += p.numel();
  EXPECT_EQ(n_decay, 20480);
  // The rest: embedding 260*32 = 8320, norms 2 per layer * 32 * 2 + final 32 = 160.
  EXPECT_EQ(n_rest, 8320 + 160);
  EXPECT_EQ(n_decay + n_rest, model_numel(m));
  set_learning_rate(*opt, 0.25);
  EXPECT_DOUBLE_EQ(opt->param_groups()[1].options().get_lr(), 0.25);
}

TEST(Optim, ClipGradNormByHand) {
  auto a = torch::zeros({2}, torch::requires_grad());
  auto b = torch::zeros({1}, torch::requires_grad());
  a.mutable_grad() = torch::tensor({3.0f, 0.0f});
  b.mutable_grad() = torch::tensor({4.0f});
  // Global norm sqrt(9 + 16) = 5; clip to 1: coef = 1 / (5 + 1e-6).
  at::Tensor n = clip_grad_norm({a, b}, 1.0);
  EXPECT_NEAR(n.item<double>(), 5.0, 1e-6);
  EXPECT_NEAR(a.grad()[0].item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(b.grad()[0].item<double>(), 0.8, 1e-6);
  // Below the limit nothing changes (coef capped at 1).
  at::Tensor n2 = clip_grad_norm({a, b}, 10.0);
  EXPECT_NEAR(n2.item<double>(), 1.0, 1e-5);
  EXPECT_NEAR(b.grad()[0].item<double>(), 0.8, 1e-6);
}

TEST(Rng, PermutationsAreSeededAndIndependentPerEpoch) {
  auto p0 = epoch_permutation(50, 7, 0);
  auto p0b = epoch_permutation(50, 7, 0);
  auto p1 = epoch_permutation(50, 7, 1);
  auto q0 = epoch_permutation(50, 8, 0);
  EXPECT_EQ(p0, p0b);
  EXPECT_NE(p0, p1);
  EXPECT_NE(p0, q0);
  auto sorted = p0;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_NE(derive_seed(1, "loss"), derive_seed(1, "sample"));
  EXPECT_EQ(derive_seed(1, "loss"), derive_seed(1, "loss"));
}

TEST(Rng, ModelInitFollowsTheSeed) {
  Transformer a = test::tiny_model(3), b = test::tiny_model(3), c = test::tiny_model(4);
  EXPECT_EQ(test::max_param_diff(a, b), 0.0);
  EXPECT_GT(test::max_param_diff(a, c), 1e-3);
}

TEST(MetricSink, JsonlLinesAndConsoleFormats) {
  const std::string dir = test::temp_dir("sink");
  const std::string path = dir + "/m.jsonl";
  {
    JsonlSink s(path, /*append=*/false);
    s.begin(10, "pref");
    s.log(1, {{"loss", 0.5}, {"lr", 1e-3}});
    s.log(2, {{"loss", std::nan("")}});
    s.end();
  }
  std::ifstream in(path);
  std::string l1, l2, l3;
  std::getline(in, l1);
  std::getline(in, l2);
  EXPECT_FALSE(std::getline(in, l3));
  auto j1 = nlohmann::json::parse(l1), j2 = nlohmann::json::parse(l2);
  EXPECT_EQ(j1["step"], 1);
  EXPECT_EQ(j1["phase"], "pref");
  EXPECT_DOUBLE_EQ(j1["loss"].get<double>(), 0.5);
  EXPECT_TRUE(j2["loss"].is_null());

  for (int progress : {0, 1}) {
    std::FILE* f = std::tmpfile();
    ConsoleSink c(f, progress);
    c.begin(4, "sft");
    c.log(2, {{"loss", 1.25}, {"tokens_per_s", 100.0}});
    c.end();
    std::rewind(f);
    char buf[512] = {0};
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    std::string out(buf, n);
    if (progress) {
      EXPECT_EQ(out[0], '\r');
      EXPECT_NE(out.find("step 2/4"), std::string::npos) << out;
      EXPECT_NE(out.find("loss 1.2500"), std::string::npos) << out;
      EXPECT_NE(out.find("ETA"), std::string::npos) << out;
    } else {
      EXPECT_EQ(out, "[sft] step 2/4 loss=1.25 tokens_per_s=100\n");
    }
  }
  EXPECT_EQ(format_duration(5), "5s");
  EXPECT_EQ(format_duration(185), "3m05s");    // 3*60 + 5
  EXPECT_EQ(format_duration(3720), "1h02m");   // 3600 + 2*60
}

TEST(TrainerConfig, ParsesAndRejects) {
  YAML::Node n = YAML::Load("{lr: 0.01, batch_size: 8, micro_batch_size: 2, decay: linear}");
  TrainerConfig c = TrainerConfig::from_yaml(n);
  EXPECT_DOUBLE_EQ(c.lr, 0.01);
  EXPECT_EQ(c.micro_batch_size, 2);
  EXPECT_EQ(c.decay, "linear");
  EXPECT_THROW(TrainerConfig::from_yaml(YAML::Load("{lrr: 1}")), UserError);
  EXPECT_THROW(TrainerConfig::from_yaml(YAML::Load("{batch_size: 8, micro_batch_size: 3}")), UserError);
  EXPECT_THROW(TrainerConfig::from_yaml(YAML::Load("{decay: exp}")), UserError);
  try {
    TrainerConfig::from_yaml(YAML::Load("{micro_batch_size: 3}"));
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("trainer.micro_batch_size"), std::string::npos) << e.what();
  }
}

// warmup_steps >= max_steps: every update is a warmup step (lr_at(s) = lr (s + 1) / W, so the last
// of N steps gets lr N / W) and nothing decays. A warning on stderr, not an error (smoke runs with
// the default warmup of 10 stay valid); each message once per process.
TEST(TrainerConfig, WarmupCoveringEveryStepWarns) {
  auto warned = [](const std::string& yaml, const std::string& path) {
    ::testing::internal::CaptureStderr();
    TrainerConfig::from_yaml(YAML::Load(yaml), path);
    return ::testing::internal::GetCapturedStderr();
  };
  // W = 12 > N = 3, lr 0.01: the last step's lr is 0.01 * 3 / 12 = 0.0025.
  std::string err = warned("{warmup_steps: 12, max_steps: 3, lr: 0.01}", "sft");
  EXPECT_NE(err.find("warning: sft.warmup_steps (12) >= sft.max_steps (3)"), std::string::npos) << err;
  EXPECT_NE(err.find("rises to 0.0025 at the last step, never to the peak lr 0.01"), std::string::npos) << err;
  EXPECT_EQ(warned("{warmup_steps: 12, max_steps: 3, lr: 0.01}", "sft"), "");  // said once
  err = warned("{warmup_steps: 7, max_steps: 7}", "trainer");  // W = N: the peak only at the last step
  EXPECT_NE(err.find("trainer.warmup_steps (7) >= trainer.max_steps (7)"), std::string::npos) << err;
  EXPECT_NE(err.find("only at the last step"), std::string::npos) << err;
  EXPECT_EQ(warned("{warmup_steps: 6, max_steps: 7}", "trainer"), "");
  EXPECT_EQ(warned("{warmup_steps: 0, max_steps: 1}", "trainer"), "");
  EXPECT_EQ(warned("{warmup_steps: 50, max_steps: 0, epochs: 1}", "trainer"), "");  // steps from the data
}

// max_steps 0: the step count comes from epochs and the data, so the trainer warns when it starts.
// 4 SFT records, batch_size 2, 1 epoch: 2 steps, warmup 5.
TEST(TrainerConfig, WarmupCoveringTheEpochStepsWarnsAtTrainTime) {
  ByteTokenizer tok;
  TrainerConfig cfg = test::tiny_trainer_config("");
  cfg.batch_size = 2;
  cfg.micro_batch_size = 2;
  cfg.max_steps = 0;
  cfg.epochs = 1;
  cfg.warmup_steps = 5;
  MemorySink sink;
  Transformer m = test::tiny_model(0);
  ::testing::internal::CaptureStderr();
  train_sft(m, tok, test::sft_records(), cfg, {}, sink);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warning: warmup_steps (5) >= the 2 optimizer steps that epochs = 1 gives (max_steps = 0)"),
            std::string::npos) << err;
  EXPECT_EQ(sink.records.size(), 2u);
}

TEST(TrainerConfig, PresetFilesParse) {
  for (const char* f : {"trainer/default.yaml"}) {
    YAML::Node n = YAML::LoadFile(std::string(SWEPO_SOURCE_DIR) + "/experiments/conf/" + f);
    EXPECT_NO_THROW(TrainerConfig::from_yaml(n)) << f;
  }
}

}  // namespace
}  // namespace swepo
