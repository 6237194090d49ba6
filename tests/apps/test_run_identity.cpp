// A run is what ran (issue 22), through the built binary:
//   - two stores in one folder (and a store deleted and made again) never share a run's folder,
//     never resume or overwrite each other's files; a folder owned by another run is refused
//   - the identity holds the content fingerprints of the data and model files: a changed data
//     file or new weights under the same path make a new run
//   - model=hf records config.json's values (a Qwen2-shaped checkpoint), model.path without
//     model=hf is an error
//   - configs and shipped sweeps are found from any directory, the default store is ./swepo.db
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "core/store/store.h"
#include "core/util/hash.h"
#include "experiments/pipeline/pipeline.h"
#include "experiments/pipeline/run_store.h"
#include "tests/engine/test_hf_util.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace swepo {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Result {
  int code;
  std::string out, err;
};

// `swepo ARGS` with `dir` as the working directory (no --conf: found as a user's would be).
Result swepo(const std::string& dir, const std::string& args, const std::string& env = "") {
  const std::string cmd = "cd '" + dir + "' && " + env + " SWEPO_THREADS=1 '" + std::string(SWEPO_EXE) + "' " +
                          args + " > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir + "/out.txt"), slurp(dir + "/err.txt")};
}

std::string scratch(const std::string& name) {
  auto d = fs::temp_directory_path() / ("swepo_identity_" + std::to_string(getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// The tiny setting (as test_cmd_run.cpp's) without output_dir: the default layout is under test.
std::string tiny() {
  return "data.n_sft=256 data.n_pref=32 data.n_alpaca=16 data.n_arena=8 data.n_mtbench=4 "
         "sft=fast sft.max_steps=8 ++trainer.max_steps=4 ++trainer.batch_size=8 ++trainer.micro_batch_size=8 "
         "++trainer.log_every=2 trainer.checkpoint_every=2 eval=fast eval.max_prompts=16 "
         "generation.max_new_tokens=8 device=cpu ";
}

std::string uid_of(const std::string& db) { return Store::open_read_only(db).uid(); }

TEST(RunIdentity, TwoStoresInOneFolderNeverShareARunFolder) {
  const std::string dir = scratch("two_stores");
  // Store A is the default ./swepo.db of the working directory; store B is named.
  Result a = swepo(dir, "run " + tiny() + "loss=dpo seed=0");
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_TRUE(fs::exists(dir + "/swepo.db"));
  const std::string ua = uid_of(dir + "/swepo.db");
  const std::string fa = dir + "/outputs/dpo/seed0/run1-" + ua;
  ASSERT_TRUE(fs::exists(fa + "/summary.json")) << a.err;
  const std::string summary_a = sha256_file(fa + "/summary.json");
  const json owner_a = json::parse(slurp(fa + "/run.json"));
  EXPECT_EQ(owner_a["store"], ua);
  EXPECT_EQ(owner_a["run_id"], 1);

  Result b = swepo(dir, "run " + tiny() + "loss=dpo seed=0 --db b.db");
  ASSERT_EQ(b.code, 0) << b.err;
  const std::string ub = uid_of(dir + "/b.db");
  EXPECT_NE(ua, ub);
  const std::string fb = dir + "/outputs/dpo/seed0/run1-" + ub;
  EXPECT_TRUE(fs::exists(fb + "/summary.json"));
  EXPECT_EQ(b.err.find("resuming"), std::string::npos) << b.err;  // trained its own 4 steps
  {
    Store sb(dir + "/b.db");
    EXPECT_EQ(sb.run_metric_history(1, "pref/loss").size(), 2u);  // steps 2 and 4
  }
  // Store A's files are untouched: the summary A recorded still has A's checksum.
  EXPECT_EQ(sha256_file(fa + "/summary.json"), summary_a);
  {
    Store sa(dir + "/swepo.db");
    bool checked = false;
    for (const auto& art : sa.run_artifacts(1))
      if (art.kind == "summary") {
        EXPECT_EQ(art.path, fs::absolute(fa + "/summary.json").lexically_normal().string());
        EXPECT_EQ(art.sha256, sha256_file(art.path));
        checked = true;
      }
    EXPECT_TRUE(checked);
  }

  // Start over: delete store A and run again. The new store numbers from 1 but has a new id, so
  // its run 1 neither resumes the old run 1's checkpoint nor writes into its folder.
  fs::remove(dir + "/swepo.db");
  Result c = swepo(dir, "run " + tiny() + "loss=dpo seed=0");
  ASSERT_EQ(c.code, 0) << c.err;
  const std::string uc = uid_of(dir + "/swepo.db");
  EXPECT_NE(uc, ua);
  EXPECT_EQ(c.err.find("resuming"), std::string::npos) << c.err;
  EXPECT_EQ(sha256_file(fa + "/summary.json"), summary_a);
  EXPECT_TRUE(fs::exists(dir + "/outputs/dpo/seed0/run1-" + uc + "/summary.json"));
}

TEST(RunIdentity, AFolderOfAnotherRunIsRefused) {
  const std::string dir = scratch("foreign");
  const std::string out = "output_dir=" + dir + "/mine ";
  Result a = swepo(dir, "run " + tiny() + out + "loss=dpo seed=0 --db a.db");
  ASSERT_EQ(a.code, 0) << a.err;
  const std::string summary = sha256_file(dir + "/mine/summary.json");
  // Another store's run, and an unrecorded run, given the same output_dir: exit 2, nothing written.
  for (const std::string& db : {std::string("--db b.db"), std::string("--no-db")}) {
    Result b = swepo(dir, "run " + tiny() + out + "loss=dpo seed=0 " + db);
    EXPECT_EQ(b.code, 2) << db << b.err;
    EXPECT_NE(b.err.find("belongs to run 1 of store " + uid_of(dir + "/a.db")), std::string::npos) << b.err;
    EXPECT_EQ(sha256_file(dir + "/mine/summary.json"), summary);
  }
  // The refused run is FAILED with the reason in store B, not left RUNNING.
  {
    Store sb(dir + "/b.db");
    auto r = sb.run_get(1);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, kRunFailed);
    EXPECT_NE(r->error.find("belongs to run 1 of store"), std::string::npos) << r->error;
  }
  // A folder with a run's files but no run.json (an older swepo's) is not taken by a recorded run.
  fs::create_directories(dir + "/legacy/checkpoint");
  std::ofstream(dir + "/legacy/summary.json") << "{}\n";
  Result l = swepo(dir, "run " + tiny() + "output_dir=" + dir + "/legacy loss=dpo seed=0 --db c.db");
  EXPECT_EQ(l.code, 2) << l.err;
  EXPECT_NE(l.err.find("no run.json"), std::string::npos) << l.err;
  EXPECT_EQ(slurp(dir + "/legacy/summary.json"), "{}\n");
  // Unrecorded runs may reuse one folder (nothing refers to an unrecorded run's files), and then a
  // recorded run may not take it over either: it would resume a checkpoint no store has metrics of.
  Result n1 = swepo(dir, "run " + tiny() + "output_dir=" + dir + "/scratch loss=dpo seed=0 --no-db");
  ASSERT_EQ(n1.code, 0) << n1.err;
  Result n2 = swepo(dir, "run " + tiny() + "output_dir=" + dir + "/scratch loss=ipo seed=0 --no-db");
  ASSERT_EQ(n2.code, 0) << n2.err;
  Result rec = swepo(dir, "run " + tiny() + "output_dir=" + dir + "/scratch loss=ipo seed=0 --db c.db");
  EXPECT_EQ(rec.code, 2) << rec.err;
  EXPECT_NE(rec.err.find("belongs to an unrecorded run"), std::string::npos) << rec.err;
  EXPECT_EQ(rec.err.find("resuming"), std::string::npos) << rec.err;
  // A damaged run.json is not trusted.
  std::ofstream(dir + "/mine/run.json") << "{\"store\": ";
  Result d = swepo(dir, "run " + tiny() + out + "loss=dpo seed=1 --db a.db");
  EXPECT_EQ(d.code, 2) << d.err;
  EXPECT_NE(d.err.find("is damaged"), std::string::npos) << d.err;
}

void write_prefs(const std::string& path, int n) {
  std::ofstream f(path);
  for (int i = 0; i < n; ++i)
    f << json{{"prompt", "sort q7b" + std::to_string(i)},
              {"responses", {"7bq", "qb7", "b7q!", "no"}},
              {"scores", {8.0, 5.0 + (i % 3), 3.0, 1.0}}}
             .dump()
      << "\n";
}

std::string param(Store& s, int64_t run, const std::string& key) {
  for (const auto& [k, v] : s.run_params(run))
    if (k == key) return v;
  return "<missing>";
}

TEST(RunIdentity, AChangedDataFileMakesANewRun) {
  const std::string dir = scratch("data_changed");
  write_prefs(dir + "/prefs.jsonl", 16);
  const std::string args = "run data=jsonl data.path=prefs.jsonl sft=fast sft.max_steps=4 sft.batch_size=4 sft.micro_batch_size=4 trainer.max_steps=2 "
                           "trainer.batch_size=4 trainer.micro_batch_size=4 trainer.log_every=1 loss=dpo device=cpu";
  Result a = swepo(dir, args);
  ASSERT_EQ(a.code, 0) << a.err;
  Store s(dir + "/swepo.db");
  const std::string fp16 = param(s, 1, "inputs.data.path");
  EXPECT_EQ(fp16.rfind("size=", 0), 0u) << fp16;
  EXPECT_NE(fp16.find(" xxh64="), std::string::npos) << fp16;
  // The same file again: nothing to do.
  Result same = swepo(dir, args);
  ASSERT_EQ(same.code, 0) << same.err;
  EXPECT_NE(same.out.find("already FINISHED"), std::string::npos) << same.out;
  // Cut to 8 records under the same path: a new run, with the new fingerprint.
  write_prefs(dir + "/prefs.jsonl", 8);
  Result b = swepo(dir, args);
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(b.out.find("already FINISHED"), std::string::npos) << b.out;
  ASSERT_EQ(s.runs_list().size(), 2u);
  EXPECT_NE(param(s, 2, "inputs.data.path"), fp16);
  EXPECT_NE(s.run_get(1)->config_hash, s.run_get(2)->config_hash);
  const json summary = json::parse(slurp(dir + "/outputs/dpo/seed0/run2-" + s.uid() + "/summary.json"));
  EXPECT_EQ(summary["inputs"]["data.path"], param(s, 2, "inputs.data.path"));
  // A missing data file is an error naming the key, before anything is registered.
  Result m = swepo(dir, "run data=jsonl data.path=nope.jsonl loss=dpo --cfg");
  EXPECT_EQ(m.code, 0) << m.err;  // --cfg reads no input file
  Result missing = swepo(dir, args.substr(0, 4) + "data=jsonl data.path=nope.jsonl loss=dpo device=cpu");
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_NE(missing.err.find("data.path"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("nope.jsonl"), std::string::npos) << missing.err;
  EXPECT_EQ(s.runs_list().size(), 2u);
}

hftest::Spec qwen2_spec() {
  hftest::Spec sp;
  sp.arch = "qwen2";
  sp.V = 64;
  sp.D = 64;
  sp.H = 4;
  sp.Hkv = 2;
  sp.Dh = 16;
  sp.F = 96;
  sp.L = 2;
  sp.max_pos = 128;
  return sp;
}

TEST(RunIdentity, AnHfCheckpointRecordsItsOwnConfig) {
  const std::string dir = scratch("hf_config");
  const std::string model = dir + "/qwen";
  fs::create_directories(model);
  hftest::write_checkpoint(model, qwen2_spec(), hftest::random_weights(qwen2_spec(), 3));
  Result cfg = swepo(dir, "run model=hf model.path=" + model + " data=jsonl data.path=x.jsonl loss=dpo --cfg");
  ASSERT_EQ(cfg.code, 0) << cfg.err;
  const YAML::Node m = YAML::Load(cfg.out)["model"];
  EXPECT_EQ(m["name"].as<std::string>(), "hf");
  EXPECT_EQ(m["arch"].as<std::string>(), "qwen2");
  EXPECT_EQ(m["d_model"].as<int>(), 64);
  EXPECT_EQ(m["n_layer"].as<int>(), 2);
  EXPECT_EQ(m["n_head"].as<int>(), 4);
  EXPECT_EQ(m["n_kv_head"].as<int>(), 2);
  EXPECT_EQ(m["head_dim"].as<int>(), 16);
  EXPECT_EQ(m["d_ff"].as<int>(), 96);
  EXPECT_EQ(m["vocab_size"].as<int>(), 64);
  EXPECT_EQ(m["max_seq_len"].as<int>(), 128);
  EXPECT_TRUE(m["attention_bias"].as<bool>());  // qwen2: q/k/v biases

  // model.path without model=hf: an error naming the fix, not a run recorded as `tiny`.
  Result bare = swepo(dir, "run model.path=" + model + " loss=dpo --cfg");
  EXPECT_EQ(bare.code, 2) << bare.err;
  EXPECT_NE(bare.err.find("model=hf"), std::string::npos) << bare.err;
  // A size that config.json decides, set by hand: an error, not silently ignored.
  Result size = swepo(dir, "run model=hf model.path=" + model + " model.d_model=128 data=jsonl data.path=x loss=dpo --cfg");
  EXPECT_EQ(size.code, 2) << size.err;
  EXPECT_NE(size.err.find("model.d_model"), std::string::npos) << size.err;
  EXPECT_NE(size.err.find("config.json"), std::string::npos) << size.err;
}

TEST(RunIdentity, NewWeightsUnderTheSamePathMakeANewIdentity) {
  const std::string dir = scratch("hf_weights");
  const std::string model = dir + "/qwen";
  fs::create_directories(model);
  hftest::write_checkpoint(model, qwen2_spec(), hftest::random_weights(qwen2_spec(), 3));
  write_prefs(dir + "/prefs.jsonl", 4);
  const std::vector<std::string> ov = {"model=hf", "model.path=" + model, "data=jsonl",
                                       "data.path=" + dir + "/prefs.jsonl", "loss=dpo", "cache_dir=" + dir + "/cache"};
  const std::string conf = std::string(SWEPO_SOURCE_DIR) + "/experiments/conf";
  auto spec = [&] {
    pipeline::ResolvedRun r = pipeline::resolve_run(conf, ov);
    return pipeline::run_spec_from(r.composed, r.cfg);
  };
  const RunSpec before = spec();
  EXPECT_EQ(spec().config_hash, before.config_hash);  // stable (and now from the cache)
  EXPECT_TRUE(fs::exists(dir + "/cache/fingerprints"));
  hftest::write_checkpoint(model, qwen2_spec(), hftest::random_weights(qwen2_spec(), 4));
  const RunSpec after = spec();
  EXPECT_NE(after.config_hash, before.config_hash);
  std::string fp_before, fp_after;
  for (const auto& [k, v] : before.params)
    if (k == "inputs.model.path") fp_before = v;
  for (const auto& [k, v] : after.params)
    if (k == "inputs.model.path") fp_after = v;
  EXPECT_EQ(fp_before.rfind("files=", 0), 0u) << fp_before;
  EXPECT_NE(fp_before, fp_after);
}

TEST(RunIdentity, ConfigsAndShippedSweepsAreFoundFromAnyDirectory) {
  const std::string dir = scratch("elsewhere");  // not the repository
  Result dry = swepo(dir, "sweep quickstart --dry-run");
  ASSERT_EQ(dry.code, 0) << dry.err << dry.out;
  EXPECT_NE(dry.out.find("4 job"), std::string::npos) << dry.out;
  Result cfg = swepo(dir, "run loss=dpo --cfg");
  EXPECT_EQ(cfg.code, 0) << cfg.err;
  EXPECT_FALSE(fs::exists(dir + "/swepo.db"));  // --cfg and --dry-run write nothing
  // SWEPO_CONF and --conf name the folder; a wrong one is an error naming it.
  Result env = swepo(dir, "sweep quickstart --dry-run", "SWEPO_CONF=" + dir + "/none");
  EXPECT_EQ(env.code, 2) << env.err;
  EXPECT_NE(env.err.find("SWEPO_CONF"), std::string::npos) << env.err;
  Result flag = swepo(dir, "run --conf " + dir + "/none --cfg");
  EXPECT_EQ(flag.code, 2) << flag.err;
  EXPECT_NE(flag.err.find("--conf"), std::string::npos) << flag.err;
  // --help says where the store and outputs go.
  Result help = swepo(dir, "run --help");
  EXPECT_NE(help.out.find("./swepo.db"), std::string::npos) << help.out;
}

}  // namespace
}  // namespace swepo
