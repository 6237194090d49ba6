// RunConfig: the composed config mapped into typed structs at the edge.
#include <gtest/gtest.h>

#include <string>

#include "core/util/error.h"
#include "experiments/pipeline/pipeline.h"
#include "experiments/pipeline/run_eval.h"
#include "experiments/pipeline/run_store.h"

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

TEST(RunConfig, SeparateSeedsDeriveFromSeedUnlessSet) {
  ResolvedRun d = resolve_run(kConf, {"loss=dpo", "seed=3"});
  EXPECT_FALSE(d.cfg.data_seed || d.cfg.pair_seed || d.cfg.eval_seed);
  EXPECT_EQ(d.cfg.trainer.order_seed(), 3);
  EXPECT_EQ(d.cfg.trainer.loss_seed(), 3);
  ResolvedRun s = resolve_run(kConf, {"loss=dpo", "seed=3", "pair_seed=5", "data_seed=0", "eval_seed=9"});
  EXPECT_EQ(s.cfg.trainer.seed, 3);  // the init stays the run's seed
  EXPECT_EQ(s.cfg.trainer.order_seed(), 0);
  EXPECT_EQ(s.cfg.trainer.loss_seed(), 5);
  EXPECT_EQ(*s.cfg.eval_seed, 9);
  // Unset: the evaluation streams are the decodings' own (the same for every run seed); set: mixed.
  EXPECT_EQ(eval_stream_seed(d.cfg, 0.5, 1), eval_stream_seed(resolve_run(kConf, {"seed=4"}).cfg, 0.5, 1));
  EXPECT_NE(eval_stream_seed(d.cfg, 0.5, 1), eval_stream_seed(s.cfg, 0.5, 1));
  EXPECT_NE(eval_stream_seed(s.cfg, 0.5, 1), eval_stream_seed(s.cfg, 0.5, 2));
  // A pair_seed is part of the run's identity; a null one is not (written out or left to the default).
  const ResolvedRun n = resolve_run(kConf, {"loss=dpo", "seed=3", "pair_seed=null"});
  EXPECT_EQ(run_spec_from(d.composed, d.cfg).config_hash, run_spec_from(n.composed, n.cfg).config_hash);
  EXPECT_NE(run_spec_from(d.composed, d.cfg).config_hash, run_spec_from(s.composed, s.cfg).config_hash);
  const std::string neg = user_error({"pair_seed=-1"});
  EXPECT_NE(neg.find("pair_seed"), std::string::npos) << neg;
  EXPECT_NE(neg.find("null (derived from seed) or an integer >= 0"), std::string::npos) << neg;
  EXPECT_NE(user_error({"eval_seed=abc"}).find("eval_seed"), std::string::npos);
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
