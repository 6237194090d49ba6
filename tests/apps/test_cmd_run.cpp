// `swepo run` end to end, as the user and the sweep runner call it: the built binary on a tiny
// setting (a few hundred SFT examples, a few steps, eval=fast with 16 prompts per suite), in a
// scratch folder, recording into a scratch results store.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/store/store_run.h"
#include "core/util/hash.h"
#include "experiments/pipeline/pipeline.h"
#include "experiments/pipeline/run_store.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace swepo::pipeline {
namespace {

struct Result {
  int code;
  std::string out, err;
  double seconds;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string scratch(const std::string& name) {
  auto d = fs::path(SWEPO_BINARY_DIR) / ("test_pipeline_tmp_" + std::to_string(getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

const std::string kConf = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf";

Result swepo_run(const std::string& dir, const std::string& args, const std::string& shell_prefix = "") {
  const std::string cmd = "cd '" + dir + "' && " + shell_prefix + "SWEPO_THREADS=1 '" + std::string(SWEPO_EXE) + "' run --conf '" +
                          kConf + "' " + args + " > out.txt 2> err.txt";
  const auto t0 = std::chrono::steady_clock::now();
  const int status = std::system(cmd.c_str());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out.txt"), slurp(dir + "/err.txt"), s};
}

// The tiny setting: every size small, SFT 8 steps, preference 4 steps, greedy eval on 16 prompts.
std::string tiny(const std::string& dir) {
  return "data.n_sft=256 data.n_pref=32 data.n_alpaca=16 data.n_arena=8 data.n_mtbench=4 "
         "data.cache_dir='" + dir + "/cache/data' cache_dir='" + dir + "/cache' "
         "output_dir='" + dir + "/out/${loss.name}/seed${seed}' "
         "sft=fast sft.max_steps=8 ++trainer.max_steps=4 ++trainer.batch_size=8 ++trainer.micro_batch_size=8 "
         "++trainer.log_every=2 eval=fast eval.max_prompts=16 generation.max_new_tokens=12 device=cpu ";
}

TEST(CmdRun, TinyRunRecordsFinishedRunAndReusesSft) {
  const std::string dir = scratch("full");
  const std::string db = dir + "/results.db";

  // 1. DPO, seed 0: trains SFT, then 4 DPO steps, then evaluates.
  Result r = swepo_run(dir, tiny(dir) + "loss=dpo seed=0 --db '" + db + "'");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_LT(r.seconds, 60.0);
  const std::string out0 = dir + "/out/dpo/seed0";
  json s0 = json::parse(slurp(out0 + "/summary.json"));
  EXPECT_FALSE(s0["sft"]["cached"].get<bool>());
  EXPECT_EQ(s0["sft"]["steps"].get<int>(), 8);
  EXPECT_EQ(s0["pref"]["steps"].get<int>(), 4);
  EXPECT_TRUE(s0["pref"]["reference_used"].get<bool>());
  EXPECT_TRUE(s0["eval"]["average"].contains("alpaca/wr"));
  EXPECT_TRUE(s0["eval"]["average"].contains("arena/wr"));
  EXPECT_TRUE(s0["eval"]["average"].contains("mtbench/score"));
  EXPECT_NE(r.out.find("avg"), std::string::npos) << r.out;  // the summary table
  // The resolved config was written and reads back with the run's seed and loss.
  YAML::Node cfg = YAML::LoadFile(out0 + "/config.yaml");
  EXPECT_EQ(cfg["loss"]["name"].as<std::string>(), "dpo");
  EXPECT_EQ(cfg["seed"].as<int>(), 0);

  {
    Store store(db);
    auto runs = store.runs_list();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].status, kRunFinished);
    EXPECT_EQ(s0["run_id"].get<int64_t>(), runs[0].id);
    auto evals = store.run_evals(runs[0].id);
    bool found = false;
    for (const auto& e : evals)
      if (e.suite == "alpaca" && e.metric == "wr" && e.decoding == "avg") {
        found = true;
        EXPECT_NEAR(e.value, s0["eval"]["average"]["alpaca/wr"].get<double>(), 1e-9);
        EXPECT_EQ(e.n.value(), 16);
        EXPECT_TRUE(e.stderr_.has_value());
      }
    EXPECT_TRUE(found);
    auto arts = store.run_artifacts(runs[0].id);
    int checked = 0;
    for (const auto& a : arts)
      if (a.kind == "summary" || a.kind == "config") {
        EXPECT_EQ(a.sha256, sha256_file(a.path)) << a.path;
        ++checked;
      }
    EXPECT_EQ(checked, 2);
    EXPECT_FALSE(store.run_metric_history(runs[0].id, "sft/loss").empty());
    EXPECT_EQ(store.run_metric_history(runs[0].id, "pref/loss").size(), 2u);  // steps 2 and 4
    auto params = store.run_params(runs[0].id);
    bool has_loss = false;
    for (const auto& [k, v] : params) has_loss = has_loss || (k == "loss.name" && v == "dpo");
    EXPECT_TRUE(has_loss);
  }

  // 2. loss=none, seed 1: the same SFT config -> the cached SFT model, no preference stage.
  r = swepo_run(dir, tiny(dir) + "loss=none seed=1 --db '" + db + "'");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.err.find("skipping SFT"), std::string::npos) << r.err;
  json s1 = json::parse(slurp(dir + "/out/none/seed1/summary.json"));
  EXPECT_TRUE(s1["sft"]["cached"].get<bool>());
  EXPECT_TRUE(s1["timings"]["sft_cached"].get<bool>());
  EXPECT_EQ(s1["sft"]["fingerprint"], s0["sft"]["fingerprint"]);
  EXPECT_EQ(s1["sft"]["steps"].get<int>(), 8);  // from the cache's record of its training
  EXPECT_TRUE(s1["pref"].is_null());

  // 3. The same config and seed again: already FINISHED, nothing runs.
  r = swepo_run(dir, tiny(dir) + "loss=none seed=1 --db '" + db + "'");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already FINISHED"), std::string::npos) << r.out;
  Store store(db);
  EXPECT_EQ(store.runs_list().size(), 2u);
}

// A full disk, emulated by a file size limit (ulimit -f: the process's writes past it fail with
// EFBIG): the checkpoint write fails, the run is FAILED in the store with the reason, exit 2, and no
// temporary file is left. (The engine test TrainResume.AFailedCheckpointWriteKeepsThePreviousOne
// checks that the previous checkpoint survives.)
TEST(CmdRun, AFileSizeLimitFailsTheRunWithTheReason) {
  const std::string dir = scratch("full_disk");
  const std::string db = dir + "/results.db";
  Result r = swepo_run(dir, tiny(dir) + "loss=none seed=0 --db '" + db + "'");  // the SFT cache, unlimited
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  // 1 MiB: the store's few rows and the reference cache fit, a checkpoint (weights + AdamW) does not.
  r = swepo_run(dir, tiny(dir) + "loss=dpo seed=0 --db '" + db + "'", "ulimit -f 1024 && ");
  EXPECT_EQ(r.code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("last.pt"), std::string::npos) << r.err;
  Store store(db);
  int failed = 0;
  for (const auto& run : store.runs_list()) {
    if (run.status != kRunFailed) continue;
    ++failed;
    EXPECT_NE(run.error.find("File too large"), std::string::npos) << run.error;
  }
  EXPECT_EQ(failed, 1);
  for (const auto& e : fs::recursive_directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
}

TEST(CmdRun, UnknownKeyExitsTwoNamingItAndRecordsNothing) {
  const std::string dir = scratch("bad");
  const std::string db = dir + "/results.db";
  Result r = swepo_run(dir, tiny(dir) + "loss=dpo +trainer.lrr=0.1 --db '" + db + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("trainer.lrr"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did you mean 'lr'"), std::string::npos) << r.err;
  if (fs::exists(db)) {
    Store store(db);
    EXPECT_TRUE(store.runs_list().empty());
  }
  // An override of a key that does not exist at all is also an input error.
  r = swepo_run(dir, "model.d_modle=64 --no-db");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("d_modle"), std::string::npos) << r.err;
}

TEST(CmdRun, RunnerJobWithMismatchedConfigIsMarkedFailed) {
  // The sweep runner registers a run, then launches `swepo run --db DB --run-id ID overrides...`.
  const std::string dir = scratch("runner");
  const std::string db = dir + "/results.db";
  int64_t id = 0;
  {
    Store store(db);
    ResolvedRun rr = resolve_run(kConf, {"loss=dpo", "seed=5"});
    id = run_register(store, run_spec_from(rr.composed, rr.cfg));
  }
  Result r = swepo_run(dir, "loss=dpo seed=6 --db '" + db + "' --run-id " + std::to_string(id));
  EXPECT_EQ(r.code, 2) << r.err;
  Store store(db);
  auto row = store.run_get(id);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, kRunFailed);
  EXPECT_NE(row->error.find("another config or seed"), std::string::npos) << row->error;
}

TEST(CmdRun, MultirunRunsEveryJobAsItsOwnRun) {
  const std::string dir = scratch("multi");
  const std::string db = dir + "/results.db";
  // loss=dpo,none x seed=0: two jobs, sharing one SFT model.
  Result r = swepo_run(dir, "-m " + tiny(dir) + "loss=dpo,none seed=0 --db '" + db + "'");
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("multirun: 2 job(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("skipping SFT"), std::string::npos) << r.err;  // the second job reuses it
  Store store(db);
  auto runs = store.runs_list();
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) EXPECT_EQ(run.status, kRunFinished);
  EXPECT_TRUE(fs::exists(dir + "/out/dpo/seed0/summary.json"));
  EXPECT_TRUE(fs::exists(dir + "/out/none/seed0/summary.json"));
  // A bad job stops the multirun before anything runs.
  r = swepo_run(dir, "-m loss=dpo,nonee --db '" + db + "'");
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("nonee"), std::string::npos) << r.err;
  EXPECT_EQ(Store(db).runs_list().size(), 2u);
}

TEST(CmdRun, CfgPrintsResolvedYaml) {
  const std::string dir = scratch("cfg");
  Result r = swepo_run(dir, "loss=dpo seed=2 --cfg");
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node y = YAML::Load(r.out);
  EXPECT_EQ(y["loss"]["name"].as<std::string>(), "dpo");
  EXPECT_EQ(y["seed"].as<int>(), 2);
  EXPECT_EQ(y["output_dir"].as<std::string>(), "outputs/dpo/seed2");  // ${...} resolved
  EXPECT_TRUE(y["sft"]["max_steps"]);
  EXPECT_FALSE(fs::exists(dir + "/outputs"));  // nothing ran
}

}  // namespace
}  // namespace swepo::pipeline
