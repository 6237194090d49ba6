// RunConfig: the composed config mapped into typed structs at the edge.
#include <gtest/gtest.h>

#include <string>

#include "core/util/error.h"
#include "experiments/pipeline/pipeline.h"

namespace swepo::pipeline {
namespace {

const std::string kConf = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf";

std::string user_error(const std::vector<std::string>& overrides) {
  try {
    resolve_run(kConf, overrides);
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(RunConfig, DefaultsResolve) {
  ResolvedRun r = resolve_run(kConf, {"loss=dpo", "seed=3", "cache_dir=/tmp/x"});
  EXPECT_EQ(r.cfg.seed, 3);
  EXPECT_EQ(r.cfg.loss_name, "dpo");
  EXPECT_FALSE(r.cfg.skip_preference);
  EXPECT_TRUE(r.cfg.data.is_synth());
  EXPECT_EQ(r.cfg.model.name, "tiny");
  // The preference stage's seed is the run's seed; the SFT stage keeps its own (sft.seed).
  EXPECT_EQ(r.cfg.trainer.seed, 3);
  EXPECT_EQ(r.cfg.sft.seed, 0);
  // Unset stage keys take the run-level defaults.
  EXPECT_EQ(r.cfg.trainer.ref_cache_dir, "/tmp/x/ref_logps");
  EXPECT_EQ(r.cfg.output_dir, "outputs/dpo/seed3");
}

TEST(RunConfig, LossNoneSkipsPreferenceAndTakesNoOptions) {
  ResolvedRun r = resolve_run(kConf, {"loss=none"});
  EXPECT_TRUE(r.cfg.skip_preference);
  EXPECT_EQ(r.cfg.loss_name, "none");
  const std::string msg = user_error({"loss=none", "+loss.beta=0.5"});
  EXPECT_NE(msg.find("loss.beta"), std::string::npos) << msg;
}

TEST(RunConfig, UnknownKeysNameKeyFileAndClosestKey) {
  std::string msg = user_error({"+trainer.lrr=0.1"});
  EXPECT_NE(msg.find("trainer.lrr"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'lr'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("<command line>"), std::string::npos) << msg;

  msg = user_error({"+sedd=1"});
  EXPECT_NE(msg.find("'sedd'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'seed'"), std::string::npos) << msg;

  msg = user_error({"+generation.max_new_token=8"});
  EXPECT_NE(msg.find("generation.max_new_token"), std::string::npos) << msg;
  EXPECT_NE(msg.find("max_new_tokens"), std::string::npos) << msg;

  msg = user_error({"loss=dpo", "+loss.bta=0.5"});
  EXPECT_NE(msg.find("loss.bta"), std::string::npos) << msg;

  msg = user_error({"+truncation.max_prompt=3"});
  EXPECT_NE(msg.find("truncation.max_prompt"), std::string::npos) << msg;
}

TEST(RunConfig, BadValuesAreUserErrors) {
  EXPECT_NE(user_error({"generation.batch_size=0"}).find("generation.batch_size"), std::string::npos);
  EXPECT_NE(user_error({"data.source=parquet"}).find("data.source"), std::string::npos);
  EXPECT_NE(user_error({"++trainer.seed=7", "seed=1"}).find("trainer.seed"), std::string::npos);
  // Repeating the run's seed is allowed.
  EXPECT_EQ(user_error({"++trainer.seed=1", "seed=1"}), "");
}

}  // namespace
}  // namespace swepo::pipeline
