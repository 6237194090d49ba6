// Every registered loss trains a few preference steps on the synthetic batch set (value-
// parameterised over the registry's names), and a loss whose traits say needs_reference = false
// triggers no reference computation at all.
#include <cmath>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/metrics_sink.h"
#include "engine/ref_cache.h"
#include "engine/train_pref.h"
#include "losses/registry.h"
#include "train_test_util.h"

namespace swepo {
namespace {

class TrainEveryLoss : public ::testing::TestWithParam<std::string> {};

TEST_P(TrainEveryLoss, TrainsAFewStepsOnCpu) {
  const std::string name = GetParam();
  const LossInfo& info = find_loss(name);
  ByteTokenizer tok;
  MemorySink sink;
  auto loss = make_loss(YAML::Load("{name: " + name + "}"));
  const std::string cache = test::temp_dir("every_loss_" + name);
  TrainerConfig cfg = test::tiny_trainer_config(cache);
  cfg.max_steps = 3;
  cfg.micro_batch_size = 2;
  Transformer m = test::tiny_model(0);
  Transformer start = clone_model(m);
  const int64_t rows_before = reference_rows_computed();
  TrainResult r = train_preference(m, tok, test::pref_records(), *loss, cfg, {}, sink);
  EXPECT_EQ(r.steps_done, 3);
  ASSERT_EQ(sink.records.size(), 3u);
  for (const auto& rec : sink.records) {
    EXPECT_TRUE(std::isfinite(rec.metrics.at("loss"))) << name << " step " << rec.step;
    EXPECT_TRUE(std::isfinite(rec.metrics.at("grad_norm"))) << name << " step " << rec.step;
    EXPECT_GT(rec.metrics.at("groups/used"), 0.0);
  }
  EXPECT_GT(test::max_param_diff(m, start), 0.0);  // the policy moved
  // Reference forwards iff the traits ask for them: 8 prompts x 4 slots = 32 rows.
  EXPECT_EQ(r.reference_used, info.traits.needs_reference);
  EXPECT_EQ(reference_rows_computed() - rows_before, info.traits.needs_reference ? 32 : 0);
  EXPECT_EQ(test::count_files(cache), info.traits.needs_reference ? 1 : 0);
}

// One step's update (test::one_step_update) in `layout` with response_chunk `chunk`; one
// micro-batch of 4 prompts with K_b = 2..4.
at::Tensor one_step_update(const std::string& name, const std::string& layout, int64_t chunk) {
  TrainerConfig cfg = test::one_step_config();
  cfg.layout = layout;
  cfg.response_chunk = chunk;
  return test::one_step_update(name, cfg);
}

// K-chunked backward (response_chunk = 1 and 3: chunks of one response and a ragged last chunk)
// and the row layout give the update of the direct shared-prompt path, to float32 tolerance:
// relative L2 difference <= 1e-4 (measured ~1e-6; the tolerance leaves room for BLAS order).
TEST_P(TrainEveryLoss, ChunkedBackwardAndRowLayoutGiveTheSameUpdate) {
  const std::string name = GetParam();
  const at::Tensor direct = one_step_update(name, "shared_prompt", 0);
  ASSERT_GT(direct.norm().item<double>(), 0.0);
  for (auto [layout, chunk] : std::vector<std::pair<std::string, int64_t>>{
           {"rows", 0}, {"shared_prompt", 1}, {"shared_prompt", 3}}) {
    const at::Tensor other = one_step_update(name, layout, chunk);
    const double rel = (other - direct).norm().item<double>() / direct.norm().item<double>();
    EXPECT_LE(rel, 1e-4) << name << " layout " << layout << " response_chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, TrainEveryLoss, ::testing::ValuesIn(loss_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// A spy around a reference-free loss: records whether ref_logps ever arrived.
class SpyLoss final : public Loss {
 public:
  explicit SpyLoss(std::unique_ptr<Loss> inner) : inner_(std::move(inner)) {}
  LossOutput compute(const PreferenceBatch& batch, at::Generator& gen) const override {
    ++calls;
    if (batch.ref_logps.defined()) ++calls_with_reference;
    return inner_->compute(batch, gen);
  }
  const LossTraits& traits() const override { return inner_->traits(); }
  mutable int calls = 0;
  mutable int calls_with_reference = 0;

 private:
  std::unique_ptr<Loss> inner_;
};

TEST(TrainPref, ReferenceFreeLossComputesNoReference) {
  ByteTokenizer tok;
  MemorySink sink;
  std::unique_ptr<Loss> simpo = make_loss(YAML::Load("{name: simpo}"));
  ASSERT_FALSE(simpo->traits().needs_reference);
  SpyLoss spy(std::move(simpo));
  const std::string cache = test::temp_dir("ref_free");
  TrainerConfig cfg = test::tiny_trainer_config(cache);
  cfg.max_steps = 2;
  cfg.micro_batch_size = 2;  // 2 steps x 2 micro-batches = 4 compute calls
  Transformer m = test::tiny_model(0);
  const int64_t rows_before = reference_rows_computed();
  TrainResult r = train_preference(m, tok, test::pref_records(), spy, cfg, {}, sink);
  EXPECT_EQ(spy.calls, 4);
  EXPECT_EQ(spy.calls_with_reference, 0);
  EXPECT_EQ(reference_rows_computed(), rows_before);
  EXPECT_EQ(r.reference_rows, 0);
  EXPECT_FALSE(r.reference_used);
  EXPECT_EQ(test::count_files(cache), 0);
}

TEST(TrainPref, RecordWithTooFewResponsesIsAUserError) {
  ByteTokenizer tok;
  MemorySink sink;
  auto loss = make_loss(YAML::Load("{name: dpo}"));
  auto data = test::pref_records();
  data[3] = {"q3", {"only"}, {5}};
  TrainerConfig cfg = test::tiny_trainer_config("");
  Transformer m = test::tiny_model(0);
  try {
    train_preference(m, tok, data, *loss, cfg, {}, sink);
    FAIL();
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find("preference record 3"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace swepo
