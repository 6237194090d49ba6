// Determinism (same config and seed -> the same loss curve), resume equivalence (stopped after
// step 10 and resumed == uninterrupted at steps 11-20) and checkpoint errors (corrupt, truncated,
// mismatched run, wrong phase, missing file).
#include <csignal>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include "core/util/error.h"
#include "engine/checkpoint.h"
#include "engine/metrics_sink.h"
#include "engine/stop_signal.h"
#include "engine/train_pref.h"
#include "engine/train_sft.h"
#include "core/util/error.h"
#include "core/util/fs.h"
#include "core/util/sealed.h"
#include "losses/registry.h"
#include "train_test_util.h"

namespace swepo {
namespace {

std::vector<double> losses_of(const MemorySink& s) {
  std::vector<double> v;
  for (const auto& r : s.records) v.push_back(r.metrics.at("loss"));
  return v;
}

// DPO with the random rejected response (uses the loss RNG stream), K = 2..4, 2 micro-batches,
// warmup + cosine decay: every stateful piece of a run is exercised.
TrainerConfig resume_config(const std::string& cache, int64_t seed) {
  TrainerConfig cfg = test::tiny_trainer_config(cache);
  cfg.batch_size = 4;
  cfg.micro_batch_size = 2;
  cfg.max_steps = 20;  // 8 prompts / 4 = 2 steps per epoch: 10 epochs, 10 permutations
  cfg.warmup_steps = 3;
  cfg.decay = "cosine";
  cfg.lr = 3e-3;
  cfg.weight_decay = 0.01;
  cfg.seed = seed;
  return cfg;
}

std::vector<double> run_pref(int64_t seed, const std::string& cache) {
  ByteTokenizer tok;
  MemorySink sink;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  Transformer m = test::tiny_model(seed);
  train_preference(m, tok, test::pref_records(), *loss, resume_config(cache, seed), {}, sink);
  return losses_of(sink);
}

TEST(TrainDeterminism, SameSeedSameLossCurve) {
  const std::string cache = test::temp_dir("determinism");
  std::vector<double> a = run_pref(11, cache), b = run_pref(11, cache), c = run_pref(12, cache);
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a, b);  // bitwise: CPU, one thread, same seeded streams
  EXPECT_NE(a, c);  // the seed matters (init, data order, pairing)
}

TEST(TrainDeterminism, SftSameSeedSameLossCurve) {
  ByteTokenizer tok;
  TrainerConfig cfg = test::tiny_trainer_config("");
  cfg.batch_size = 2;
  cfg.micro_batch_size = 1;
  cfg.max_steps = 6;
  std::vector<std::vector<double>> curves;
  for (int rep = 0; rep < 2; ++rep) {
    MemorySink sink;
    Transformer m = test::tiny_model(cfg.seed);
    train_sft(m, tok, test::sft_records(), cfg, {}, sink);
    curves.push_back(losses_of(sink));
  }
  EXPECT_EQ(curves[0], curves[1]);
}

TEST(TrainResume, StoppedAfterTenAndResumedEqualsUninterrupted) {
  const std::string cache = test::temp_dir("resume_cache");
  const std::string ckpt = test::temp_dir("resume_ckpt");
  ByteTokenizer tok;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  const TrainerConfig cfg = resume_config(cache, 21);
  const auto data = test::pref_records();

  MemorySink full;
  Transformer m_full = test::tiny_model(21);
  train_preference(m_full, tok, data, *loss, cfg, {}, full);

  MemorySink first, second;
  Transformer m1 = test::tiny_model(21);
  TrainRunOptions stop;
  stop.checkpoint_dir = ckpt;
  stop.stop_after_step = 10;
  TrainResult r1 = train_preference(m1, tok, data, *loss, cfg, {}, first, stop);
  EXPECT_EQ(r1.steps_done, 10);
  ASSERT_TRUE(std::filesystem::exists(r1.checkpoint_path));
  // Resume into a model with other weights: the checkpoint restores them (and the reference
  // log-probs come from the checkpoint: no reference forward).
  Transformer m2 = test::tiny_model(99);
  TrainRunOptions resume;
  resume.resume_from = r1.checkpoint_path;
  TrainResult r2 = train_preference(m2, tok, data, *loss, cfg, {}, second, resume);
  EXPECT_EQ(r2.steps_done, 20);
  EXPECT_EQ(r2.reference_rows, 0);

  const auto lf = losses_of(full), l1 = losses_of(first), l2 = losses_of(second);
  ASSERT_EQ(lf.size(), 20u);
  ASSERT_EQ(l1.size(), 10u);
  ASSERT_EQ(l2.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(l1[i], lf[i]) << "step " << i + 1;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(l2[i], lf[10 + i]) << "step " << 11 + i;
  EXPECT_EQ(second.records.front().step, 11);
  EXPECT_EQ(test::max_param_diff(m2, m_full), 0.0);
}

// Logging windows stay aligned to the global step across a resume (engine/log_window.h): with
// log_every 4, stopped after step 6 (its last window, steps 5-6, is recorded as the end of that
// process) and resumed, the first window is steps 7-8, recorded at step 8 with window_steps 2 and
// the means over those two steps: loss = Σ loss numerators / Σ used prompts, which from the
// per-step records (log_every 1) of the uninterrupted run is (l7 u7 + l8 u8) / (u7 + u8), and
// grad_norm = (g7 + g8) / 2.
TEST(TrainResume, FirstWindowAfterAResumeAveragesTheStepsItRanAndSaysHowMany) {
  const std::string cache = test::temp_dir("window_cache");
  const std::string ckpt = test::temp_dir("window_ckpt");
  ByteTokenizer tok;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  TrainerConfig cfg = resume_config(cache, 31);
  cfg.max_steps = 10;
  const auto data = test::pref_records();

  MemorySink per_step;  // log_every 1: one record per step
  Transformer m_full = test::tiny_model(31);
  train_preference(m_full, tok, data, *loss, cfg, {}, per_step);
  ASSERT_EQ(per_step.records.size(), 10u);
  for (const auto& r : per_step.records) EXPECT_EQ(r.metrics.at("window_steps"), 1.0);

  cfg.log_every = 4;
  MemorySink first, second;
  Transformer m1 = test::tiny_model(31);
  TrainRunOptions stop;
  stop.checkpoint_dir = ckpt;
  stop.stop_after_step = 6;
  TrainResult r1 = train_preference(m1, tok, data, *loss, cfg, {}, first, stop);
  ASSERT_EQ(first.records.size(), 2u);
  EXPECT_EQ(first.records[0].step, 4);
  EXPECT_EQ(first.records[0].metrics.at("window_steps"), 4.0);
  EXPECT_EQ(first.records[1].step, 6);
  EXPECT_EQ(first.records[1].metrics.at("window_steps"), 2.0);

  Transformer m2 = test::tiny_model(97);
  TrainRunOptions resume;
  resume.resume_from = r1.checkpoint_path;
  train_preference(m2, tok, data, *loss, cfg, {}, second, resume);
  ASSERT_EQ(second.records.size(), 2u);
  EXPECT_EQ(second.records[0].step, 8);  // aligned: not 6 + 4 = 10
  EXPECT_EQ(second.records[0].metrics.at("window_steps"), 2.0);
  EXPECT_EQ(second.records[1].step, 10);
  EXPECT_EQ(second.records[1].metrics.at("window_steps"), 2.0);

  const MetricMap& s7 = per_step.records[6].metrics;
  const MetricMap& s8 = per_step.records[7].metrics;
  const double u7 = s7.at("groups/used"), u8 = s8.at("groups/used");
  ASSERT_GT(u7 + u8, 0.0);
  const MetricMap& w = second.records[0].metrics;
  EXPECT_NEAR(w.at("loss"), (s7.at("loss") * u7 + s8.at("loss") * u8) / (u7 + u8), 1e-5);
  EXPECT_NEAR(w.at("grad_norm"), (s7.at("grad_norm") + s8.at("grad_norm")) / 2, 1e-5);
  EXPECT_EQ(w.at("groups/used"), u7 + u8);
  EXPECT_DOUBLE_EQ(w.at("lr"), s8.at("lr"));  // the lr of the window's last step
}

// A checkpoint write that fails (a full disk; here a file size limit below the checkpoint's size)
// fails the run with the reason and leaves the previous checkpoint as it was.
TEST(TrainResume, AFailedCheckpointWriteKeepsThePreviousOne) {
  const std::string cache = test::temp_dir("full_cache");
  const std::string ckpt = test::temp_dir("full_ckpt");
  ByteTokenizer tok;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  const TrainerConfig cfg = resume_config(cache, 21);
  const auto data = test::pref_records();
  Transformer m1 = test::tiny_model(21);
  TrainRunOptions stop;
  stop.checkpoint_dir = ckpt;
  stop.stop_after_step = 5;
  MemorySink sink;
  const TrainResult r1 = train_preference(m1, tok, data, *loss, cfg, {}, sink, stop);
  const std::string before = read_file(r1.checkpoint_path);
  // Resume under a (soft) file size limit of half the checkpoint's size: its next write fails. The
  // limit is lowered in this process and restored after (no fork: the child of a LibTorch process
  // may hang in its thread pools).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit lim = saved;
  lim.rlim_cur = static_cast<rlim_t>(before.size() / 2);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &lim), 0);
  std::string msg = "no error";
  try {
    Transformer m2 = test::tiny_model(21);
    TrainRunOptions resume;
    resume.resume_from = r1.checkpoint_path;
    resume.checkpoint_dir = ckpt;
    MemorySink s2;
    train_preference(m2, tok, data, *loss, cfg, {}, s2, resume);
  } catch (const UserError& e) {
    msg = e.what();
  }
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find("cannot write '" + r1.checkpoint_path + "' (write): File too large"), std::string::npos) << msg;
  EXPECT_EQ(read_file(r1.checkpoint_path), before) << "the previous checkpoint is unchanged";
  Transformer m3 = test::tiny_model(99);
  EXPECT_EQ(load_checkpoint(r1.checkpoint_path, m3, nullptr, "pref", "").step, 5);
  EXPECT_EQ(test::count_files(ckpt), 1) << "no temporary file is left";
}

// A stop signal (SIGTERM: preemption, scancel, requeue) arriving during step 7's logging.
struct StopAtSink final : MetricSink {
  MemorySink inner;
  int64_t at = 0;
  void begin(int64_t total, const std::string& phase) override { inner.begin(total, phase); }
  void log(int64_t step, const MetricMap& m) override {
    inner.log(step, m);
    if (step == at) request_stop(SIGTERM);
  }
  void end() override { inner.end(); }
};

TEST(TrainResume, StopSignalCheckpointsAndResumeEqualsUninterrupted) {
  const std::string cache = test::temp_dir("stop_cache");
  const std::string ckpt = test::temp_dir("stop_ckpt");
  ByteTokenizer tok;
  auto loss = make_loss(YAML::Load("{name: dpo, pairing: best_vs_random}"));
  TrainerConfig cfg = resume_config(cache, 23);
  cfg.checkpoint_every = 5;  // the stop at step 7 falls between checkpoints: it writes its own
  const auto data = test::pref_records();
  MemorySink full;
  Transformer m_full = test::tiny_model(23);
  train_preference(m_full, tok, data, *loss, cfg, {}, full);

  StopAtSink first;
  first.at = 7;
  Transformer m1 = test::tiny_model(23);
  TrainRunOptions run;
  run.checkpoint_dir = ckpt;
  clear_stop_request();
  try {
    train_preference(m1, tok, data, *loss, cfg, {}, first, run);
    ADD_FAILURE() << "no TrainingStopped";
  } catch (const TrainingStopped& e) {
    EXPECT_EQ(e.signal, SIGTERM);
    EXPECT_EQ(e.step, 7);
    EXPECT_EQ(e.checkpoint, ckpt + "/last.pt");
  }
  clear_stop_request();
  MemorySink second;
  Transformer m2 = test::tiny_model(98);
  TrainRunOptions resume;
  resume.resume_from = ckpt + "/last.pt";
  int64_t resumed_at = -1;
  resume.on_resume = [&](int64_t s) { resumed_at = s; };
  TrainResult r2 = train_preference(m2, tok, data, *loss, cfg, {}, second, resume);
  EXPECT_EQ(resumed_at, 7);
  EXPECT_EQ(r2.steps_done, 20);
  EXPECT_EQ(second.records.front().step, 8);
  EXPECT_EQ(test::max_param_diff(m2, m_full), 0.0);
}

TEST(TrainResume, SftResumeEqualsUninterrupted) {
  const std::string ckpt = test::temp_dir("sft_resume");
  ByteTokenizer tok;
  TrainerConfig cfg = test::tiny_trainer_config("");
  cfg.batch_size = 2;
  cfg.micro_batch_size = 1;
  cfg.max_steps = 8;
  cfg.decay = "linear";
  MemorySink full, a, b;
  Transformer mf = test::tiny_model(0);
  train_sft(mf, tok, test::sft_records(), cfg, {}, full);
  Transformer m1 = test::tiny_model(0);
  TrainRunOptions stop;
  stop.checkpoint_dir = ckpt;
  stop.stop_after_step = 4;
  TrainResult r1 = train_sft(m1, tok, test::sft_records(), cfg, {}, a, stop);
  Transformer m2 = test::tiny_model(5);
  TrainRunOptions resume;
  resume.resume_from = r1.checkpoint_path;
  train_sft(m2, tok, test::sft_records(), cfg, {}, b, resume);
  const auto lf = losses_of(full), lb = losses_of(b);
  ASSERT_EQ(lb.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(lb[i], lf[4 + i]) << "step " << 5 + i;
  EXPECT_EQ(test::max_param_diff(m2, mf), 0.0);
}

// A checkpoint of a 2-step SFT run, for the error tests.
std::string sft_checkpoint(const std::string& dir, const TrainerConfig& cfg) {
  ByteTokenizer tok;
  MemorySink sink;
  Transformer m = test::tiny_model(0);
  TrainRunOptions run;
  run.checkpoint_dir = dir;
  return train_sft(m, tok, test::sft_records(), cfg, {}, sink, run).checkpoint_path;
}

void expect_user_error(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected a UserError containing '" << needle << "'";
  } catch (const UserError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Checkpoint, CorruptTruncatedMismatchedAndMissingAreUserErrors) {
  const std::string dir = test::temp_dir("ckpt_errors");
  TrainerConfig cfg = test::tiny_trainer_config("");
  cfg.max_steps = 2;
  const std::string good = sft_checkpoint(dir, cfg);
  ByteTokenizer tok;
  MemorySink sink;
  auto resume_sft = [&](const std::string& path, const TrainerConfig& c) {
    Transformer m = test::tiny_model(0);
    TrainRunOptions run;
    run.resume_from = path;
    train_sft(m, tok, test::sft_records(), c, {}, sink, run);
  };
  // Sanity: the good checkpoint resumes (2 of 2 steps done: nothing left to do).
  EXPECT_NO_THROW(resume_sft(good, cfg));

  const std::string bytes = read_file(good);
  const std::string garbage = dir + "/garbage.pt", truncated = dir + "/truncated.pt";
  std::ofstream(garbage) << "this is not a checkpoint";
  std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  expect_user_error([&] { resume_sft(garbage, cfg); }, "garbage.pt");
  // A flipped byte anywhere (tensor data torch would read without complaint, or the seal itself) is
  // caught by the SHA-256 seal before anything is loaded.
  for (size_t at : {bytes.size() / 2, bytes.size() - 100, bytes.size() - 1}) {
    std::string f = bytes;
    f[at] = static_cast<char>(f[at] ^ 0x01);
    const std::string flipped = dir + "/flipped" + std::to_string(at) + ".pt";
    std::ofstream(flipped, std::ios::binary) << f;
    expect_user_error([&] { resume_sft(flipped, cfg); }, "is corrupt: the SHA-256 of its contents does not match");
  }
  expect_user_error([&] { resume_sft(truncated, cfg); }, "truncated.pt");
  expect_user_error([&] { resume_sft(dir + "/missing.pt", cfg); }, "missing.pt");

  TrainerConfig other = cfg;
  other.lr = 5e-3;  // another run
  expect_user_error([&] { resume_sft(good, other); }, "different run");

  // An SFT checkpoint is not a preference checkpoint.
  expect_user_error(
      [&] {
        auto loss = make_loss(YAML::Load("{name: swepo}"));
        Transformer m = test::tiny_model(0);
        TrainRunOptions run;
        run.resume_from = good;
        TrainerConfig pc = cfg;
        pc.ref_cache_dir = "";
        train_preference(m, tok, test::pref_records(), *loss, pc, {}, sink, run);
      },
      "expected 'pref'");

  // Another model shape: the parameter and both shapes are named.
  ModelConfig wide = test::tiny_model_config();
  wide.d_model = 64;
  Transformer w(wide);
  expect_user_error([&] { load_model_weights(good, w); }, "model.embed_tokens.weight");
}

TEST(Checkpoint, WeightsRoundTrip) {
  const std::string dir = test::temp_dir("ckpt_roundtrip");
  Transformer a = test::tiny_model(1), b = test::tiny_model(2);
  TrainState st;
  st.phase = "model";
  st.step = 7;
  st.rng["x"] = torch::arange(5, torch::kUInt8);
  st.tensors["y"] = torch::ones({2, 3});
  save_checkpoint(dir + "/w.pt", a, nullptr, st);
  ASSERT_GT(test::max_param_diff(a, b), 1e-3);
  TrainState back = load_checkpoint(dir + "/w.pt", b, nullptr, "model", "");
  EXPECT_EQ(test::max_param_diff(a, b), 0.0);
  EXPECT_EQ(back.step, 7);
  EXPECT_TRUE(back.rng.at("x").equal(st.rng["x"]));
  EXPECT_TRUE(back.tensors.at("y").equal(st.tensors["y"]));
  // No temporary file is left next to the checkpoint (written then renamed).
  EXPECT_EQ(test::count_files(dir), 1);
}

// A checkpoint records the run that wrote it: another run's resume is refused before its
// fingerprint is compared (the message names both runs, not "the config changed"); the same
// owner, an unrecorded reader and an ownerless (older) file load as before.
TEST(Checkpoint, RecordsItsOwnerAndRefusesAnotherRun) {
  const std::string dir = test::temp_dir("ckpt_owner");
  Transformer a = test::tiny_model(1), b = test::tiny_model(2);
  TrainState st;
  st.phase = "pref";
  st.fingerprint = "fp-of-run-a";
  st.owner = "00112233aabbccdd/run1";
  save_checkpoint(dir + "/last.pt", a, nullptr, st);
  EXPECT_EQ(load_checkpoint(dir + "/last.pt", b, nullptr, "pref", "fp-of-run-a", st.owner).owner, st.owner);
  EXPECT_EQ(load_checkpoint(dir + "/last.pt", b, nullptr, "pref", "fp-of-run-a").owner, st.owner);
  try {
    load_checkpoint(dir + "/last.pt", b, nullptr, "pref", "another-fp", "ffeeddccbbaa9988/run1");
    ADD_FAILURE() << "resumed another run's checkpoint";
  } catch (const UserError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("written by run 00112233aabbccdd/run1, not by this run (ffeeddccbbaa9988/run1)"),
              std::string::npos) << m;
    EXPECT_EQ(m.find("config"), std::string::npos) << m;
  }
  st.owner = "";  // as every checkpoint written before owners were recorded
  save_checkpoint(dir + "/old.pt", a, nullptr, st);
  EXPECT_EQ(load_checkpoint(dir + "/old.pt", b, nullptr, "pref", "fp-of-run-a", "ffeeddccbbaa9988/run1").owner, "");
}

// Found by fuzz/fuzz_checkpoint: a damaged type name in the archive's TorchScript code (one byte
// of "model : __torch__.___torch_mangle_N.Module") makes LibTorch's importer throw
// torch::jit::ErrorReport, which is not a c10::Error, so it escaped load_checkpoint instead of
// becoming the "corrupt" UserError. The fuzzer's file was a mutated checkpoint; this is the same
// damage made by hand, without a seal (a file written before seals) and sealed again.
TEST(Checkpoint, FuzzDamagedArchiveCodeIsAUserError) {
  const std::string dir = test::temp_dir("ckpt_fuzz_code");
  Transformer a = test::tiny_model(1);
  TrainState st;
  st.phase = "model";
  save_checkpoint(dir + "/w.pt", a, nullptr, st);
  std::string bytes = read_file(dir + "/w.pt");
  ASSERT_EQ(unseal_bytes(bytes), SealState::valid);
  const std::string code = "model : __torch__.___torch_mangle_";
  const size_t at = bytes.find(code);
  ASSERT_NE(at, std::string::npos);
  const size_t mod = bytes.find(".Module", at);
  ASSERT_NE(mod, std::string::npos);
  bytes[mod + 6] = 'x';  // ".Modulx": a type the importer does not know
  for (const std::string& file : {bytes, seal_bytes(bytes)}) {
    write_file_atomic(dir + "/bad.pt", file);
    Transformer b = test::tiny_model(2);
    expect_user_error([&] { load_model_weights(dir + "/bad.pt", b); }, "is corrupt or not a swepo checkpoint");
  }
}

}  // namespace
}  // namespace swepo
