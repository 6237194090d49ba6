// `swepo sweep --only KEY=VALUE`: a subset of a sweep's planned jobs, chosen by resolved params.
#include <gtest/gtest.h>

#include "core/util/error.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_plan.h"

namespace swepo {
namespace {

const std::string kConf = SWEPO_SOURCE_DIR "/tests/sweeps/conf";

std::vector<PlannedJob> planned() {
  // 2 losses x 2 lrs x 2 seeds = 8 jobs.
  const SweepSpec spec = sweep_parse("name: s\ngrid:\n  loss: dpo,ipo\n  trainer.lr: [1e-3, 0.01]\nseeds: range(2)\n",
                                     "s.yaml", kConf);
  return sweep_plan(spec, sweep_expand(spec), sweep_composer(kConf));
}

std::string error_of(const std::vector<std::string>& filters) {
  try {
    sweep_select(planned(), filters, "s.yaml");
  } catch (const UserError& e) {
    return e.what();
  }
  return "";
}

TEST(SweepSelect, KeepsMatchingJobsInOrder) {
  const auto all = planned();
  ASSERT_EQ(all.size(), 8u);
  const auto ipo = sweep_select(all, {"loss.name=ipo"}, "s.yaml");
  ASSERT_EQ(ipo.size(), 4u);
  EXPECT_EQ(ipo[0].job.number, 4);
  EXPECT_EQ(ipo[3].job.number, 7);
  const auto one = sweep_select(all, {"loss.name=dpo", "trainer.lr=0.01"}, "s.yaml");
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].job.number, 2);
  EXPECT_EQ(one[1].job.number, 3);
}

TEST(SweepSelect, ErrorsNameTheFileAndFilter) {
  EXPECT_NE(error_of({"loss.name"}).find("s.yaml: --only 'loss.name': expected KEY=VALUE"), std::string::npos);
  const std::string unknown = error_of({"loss.nmae=dpo"});
  EXPECT_NE(unknown.find("no job has the param 'loss.nmae'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("loss.name"), std::string::npos) << unknown;  // did you mean
  EXPECT_NE(error_of({"loss.name=swepo"}).find("matches none of its jobs"), std::string::npos);
}

}  // namespace
}  // namespace swepo
