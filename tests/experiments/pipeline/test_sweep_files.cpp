// Every sweep file shipped under sweeps/ plans against the shipped config root with the pipeline's
// typed validation (what `swepo sweep` does before starting anything), and the paper's sweeps have
// the job counts their comments promise.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "core/config/compose.h"
#include "experiments/pipeline/run_config.h"
#include "experiments/pipeline/run_store.h"
#include "tests/engine/test_hf_util.h"
#include "sweeps/sweep_file.h"
#include "sweeps/sweep_plan.h"

namespace swepo {
namespace {

namespace fs = std::filesystem;

const std::string kSource = SWEPO_SOURCE_DIR;
const std::string kConf = kSource + "/experiments/conf";

// The real-model sweeps leave their checkpoint and data to --set (REQUIRED_SET_* placeholders).
// Here a tiny random Llama checkpoint in the HF layout and a one-record UltraFeedback file stand in.
std::vector<std::string> hf_set() {
  static const std::string dir = [] {
    const std::string d = hftest::temp_dir("sweep_files_hf");
    fs::create_directories(d + "/model");
    hftest::Spec sp;
    hftest::write_checkpoint(d + "/model", sp, hftest::random_weights(sp, 1));
    std::ofstream(d + "/uf.jsonl") << "{}\n";
    return d;
  }();
  return {"model.path=" + dir + "/model", "data.path=" + dir + "/uf.jsonl", "cache_dir=" + dir + "/cache"};
}

std::vector<PlannedJob> plan(const std::string& file) {
  SweepSpec spec = sweep_load(kSource + "/sweeps/" + file, kConf);
  if (file.find("_hf.yaml") != std::string::npos)
    for (const auto& o : hf_set()) spec.overrides.push_back(o);
  // What `swepo sweep` composes with: the pipeline's typed validation and run identity.
  return sweep_plan(spec, sweep_expand(spec), pipeline::run_spec_composer(kConf));
}

std::string param(const PlannedJob& j, const std::string& key) {
  for (const auto& [k, v] : j.spec.params)
    if (k == key) return v;
  return "<missing>";
}

TEST(SweepFiles, EveryShippedSweepPlans) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(kSource + "/sweeps")) {
    if (e.path().extension() != ".yaml") continue;
    ++n;
    EXPECT_NO_THROW(plan(e.path().filename().string())) << e.path();
  }
  EXPECT_GE(n, 4);
}

TEST(SweepFiles, PaperSweepsHaveTheirJobCounts) {
  EXPECT_EQ(plan("paper_table1.yaml").size(), 48u);  // 8 rows x 2 presets x 3 seeds
  EXPECT_EQ(plan("paper_table2_all_seeds.yaml").size(), 12u);  // 2 methods x 6 seeds
  EXPECT_EQ(plan("k_ablation.yaml").size(), 12u);    // 2 methods x 2 K x 3 seeds
  EXPECT_EQ(plan("quickstart.yaml").size(), 4u);
  // The real-model sweeps: Table 1's 8 rows x 3 seeds, Table 2's 2 methods x 6 seeds, on model=hf
  // with Zephyr's hyperparameters and the authors' alpha for Swepo.
  const auto t1 = plan("paper_table1_hf.yaml");
  EXPECT_EQ(t1.size(), 24u);
  EXPECT_EQ(plan("paper_table2_hf.yaml").size(), 12u);
  for (const auto& j : t1) {
    EXPECT_EQ(param(j, "model.name"), "hf");
    EXPECT_EQ(param(j, "data.source"), "ultrafeedback");
    EXPECT_EQ(param(j, "trainer.batch_size"), "128");
    if (param(j, "loss.name") != "none") {
      EXPECT_EQ(param(j, "loss.beta"), "0.01");
    }
    if (param(j, "loss.name") == "swepo") {
      EXPECT_EQ(param(j, "loss.alpha"), "0.01");
    }
  }
}

TEST(SweepFiles, Table1CoversEveryRowOnBothPresets) {
  std::map<std::string, std::set<std::string>> seeds_by_row;
  for (const auto& j : plan("paper_table1.yaml")) {
    EXPECT_EQ(param(j, "data.K"), "4");
    const std::string p = param(j, "loss.name") == "swepo" ? ":p" + param(j, "loss.p") : "";
    seeds_by_row[param(j, "model.name") + ":" + param(j, "loss.name") + p].insert(std::to_string(j.spec.seed));
  }
  EXPECT_EQ(seeds_by_row.size(), 16u);
  for (const auto& [row, seeds] : seeds_by_row) EXPECT_EQ(seeds.size(), 3u) << row;
  EXPECT_TRUE(seeds_by_row.count("small:swepo:p2"));
  EXPECT_TRUE(seeds_by_row.count("tiny:none"));
}

// Table 2, pairing only: seed 0 throughout, pair_seed 0-5, each job its own config (pair_seed is part
// of the config hash, the null data_seed and eval_seed are not).
TEST(SweepFiles, Table2PairingVariesPairSeedAlone) {
  const auto jobs = plan("paper_table2.yaml");
  ASSERT_EQ(jobs.size(), 8u);  // DPO x 6 pair seeds, Swepo x 2
  std::set<std::string> hashes;
  for (const auto& j : jobs) {
    EXPECT_EQ(j.spec.seed, 0);
    EXPECT_EQ(param(j, "data_seed"), "null");
    EXPECT_EQ(param(j, "eval_seed"), "null");
    hashes.insert(j.spec.config_hash);
  }
  EXPECT_EQ(hashes.size(), 8u);
  EXPECT_EQ(param(jobs[0], "pair_seed"), "0");
  EXPECT_EQ(param(jobs[5], "pair_seed"), "5");
  // The issue-16 sweeps plan too (their job counts are in their headers).
  EXPECT_EQ(plan("swepo_scale.yaml").size(), 24u);
  EXPECT_EQ(plan("nll_weight.yaml").size(), 12u);
  EXPECT_EQ(plan("baselines.yaml").size(), 18u);
}

}  // namespace
}  // namespace swepo
