// The worker of the chaos test (test_chaos.cpp): a small but real preference run through the
// production pieces a `swepo run` uses, so that a SIGKILL can land anywhere in them:
//   - the reference log-prob cache (engine/ref_cache.h), shared by every run of the sweep (the same
//     start weights and data: the same cache file, raced for by every worker);
//   - train_preference with a checkpoint after every step (engine/checkpoint.h: sealed, atomic) and
//     resume from it (the pipeline's protocol: drop the metrics after the checkpoint, redo them);
//   - the results store (core/store): run_start, the metrics of every step (StoreMetricSink), and
//     run_finish with an eval, each its own transaction.
//
//   chaos_job --db DB --run-id ID [--conf DIR] seed=S job.steps=N job.checkpoint_dir=DIR
//
// Before trusting the reference cache it recomputes the log-probs without it: a served file that
// differs fails the run (the chaos test then fails on the FAILED run). While a metric transaction is
// in flight it writes 't' at offset 0 of DIR/phase-<pid> (else 'o'), so the test can tell where its
// kill landed; a kill during a checkpoint write is seen from the checkpoint's temporary file.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include <torch/torch.h>

#include "core/store/store_run.h"
#include "core/store/store_claim.h"
#include "engine/model.h"
#include "engine/ref_cache.h"
#include "engine/rng.h"
#include "engine/tokenized.h"
#include "engine/tokenizer.h"
#include "engine/train_pref.h"
#include "experiments/pipeline/run_store.h"
#include "losses/registry.h"
#include "tests/engine/train_test_util.h"
#include "tests/sweeps/job_args.h"

namespace {

namespace fs = std::filesystem;
using namespace swepo;

int g_phase_fd = -1;
void phase(char c) {
  if (g_phase_fd >= 0 && ::pwrite(g_phase_fd, &c, 1, 0) != 1) std::cerr << "phase write failed\n";
}

// Marks the store's metric transactions (a flush may happen inside any log()).
class PhaseSink final : public MetricSink {
 public:
  explicit PhaseSink(MetricSink& inner) : inner_(inner) {}
  void begin(int64_t total, const std::string& p) override { inner_.begin(total, p); }
  void log(int64_t step, const MetricMap& m) override {
    phase('t');
    inner_.log(step, m);
    phase('o');
  }
  void flush() override {
    phase('t');
    inner_.flush();
    phase('o');
  }
  void end() override {
    phase('t');
    inner_.end();
    phase('o');
  }

 private:
  MetricSink& inner_;
};

// The trainer tests' tiny model, wider: ~0.3M parameters, so a checkpoint (weights + AdamW, ~4 MB)
// takes a while to write.
ModelConfig model_config() {
  ModelConfig c = test::tiny_model_config();
  c.d_model = 96;
  c.d_ff = 192;
  c.max_seq_len = 48;
  return c;
}

std::vector<PreferenceRecord> records() {
  std::vector<PreferenceRecord> r;
  for (int i = 0; i < 16; ++i) {
    const std::string p = "q" + std::to_string(i);
    r.push_back({p, {p + "aa", p + "bbb", p + "c", p + "dd"}, {double(i % 5), 7.0, double(i % 3), 4.5}});
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  test::JobArgs args = test::parse_job_args(argc, argv, {{"seed", "0"}, {"job.steps", "30"}, {"job.checkpoint_dir", ""}});
  const std::string db = args.db;
  const int64_t run = args.run;
  auto& ov = args.overrides;
  const fs::path dir = ov["job.checkpoint_dir"];
  if (db.empty() || run < 0 || dir.empty()) {
    std::cerr << "usage: chaos_job --db DB --run-id ID job.checkpoint_dir=DIR [seed=S] [job.steps=N]\n";
    return 2;
  }
  at::set_num_threads(1);
  fs::create_directories(dir);
  g_phase_fd = ::open((dir / ("phase-" + std::to_string(::getpid()))).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  const int64_t seed = std::stoll(ov["seed"]);
  Store store(db);
  phase('t');
  run_start(store, run, provenance_collect("cpu", "chaos"));
  phase('o');
  try {
    ByteTokenizer tok;
    const auto data = records();
    auto loss = make_loss(YAML::Load("{name: dpo_best_vs_rest}"));
    TrainerConfig cfg;
    cfg.lr = 1e-2;
    cfg.warmup_steps = 0;
    cfg.batch_size = 4;
    cfg.micro_batch_size = 4;
    cfg.max_steps = std::stoll(ov["job.steps"]);
    cfg.log_every = 1;
    cfg.checkpoint_every = 1;
    cfg.device = "cpu";
    cfg.precision = "fp32";
    cfg.seed = seed;
    cfg.ref_cache_dir = (dir / "ref").string();

    // The shared reference cache against a fresh computation (the same start weights for every run).
    seed_model_init(0);
    Transformer policy(model_config());
    {
      std::vector<TokenizedGroup> groups;
      for (const auto& r : data) groups.push_back(tokenize_group(tok, r));
      RefCacheKey key{model_weights_hash(policy), preference_dataset_fingerprint(data), tok.fingerprint(),
                      truncation_resolve({}, model_config().max_seq_len), false, cfg.layout};
      RefLogps cached = reference_logps_cached(policy, groups, special_ids(tok), key, 4, 8, cfg.ref_cache_dir);
      RefLogps fresh = reference_logps_cached(policy, groups, special_ids(tok), key, 4, 8, "");
      if (!torch::allclose(cached.logps, fresh.logps, 1e-5, 1e-6))
        throw std::runtime_error("the reference cache served log-probs that differ from a fresh computation (" +
                                 std::string(cached.from_cache ? "from" : "not from") + " the cache file " +
                                 cached.path + ")");
    }

    pipeline::StoreMetricSink store_sink(store, run);
    PhaseSink sink(store_sink);
    TrainRunOptions opt;
    opt.checkpoint_dir = (dir / ("run-" + std::to_string(run))).string();
    const fs::path last = fs::path(opt.checkpoint_dir) / "last.pt";
    if (fs::exists(last)) {  // an earlier attempt of this run: resume, redo what followed its checkpoint
      opt.resume_from = last.string();
      opt.on_resume = [&](int64_t step) {
        std::cerr << "chaos_job " << ::getpid() << ": run " << run << " resumes at step " << step << "\n";
        phase('t');
        run_truncate_metrics(store, run, step + 1, "pref/");
        phase('o');
      };
    }
    std::cerr << "chaos_job " << ::getpid() << ": run " << run << (opt.resume_from.empty() ? " starts" : " resumes")
              << "\n";
    TrainResult res = train_preference(policy, tok, data, *loss, cfg, {}, sink, opt);
    phase('t');
    run_finish(store, run, {{"chaos", "last_loss", res.last_loss, std::nullopt, std::nullopt, "greedy"}},
               {{"checkpoint", res.checkpoint_path, ""}});
    phase('o');
  } catch (const std::exception& e) {  // as `swepo run` does: the run FAILED with the reason
    std::cerr << "chaos_job: error: " << e.what() << "\n";
    run_fail(store, run, e.what());
    return 1;
  }
  return 0;
}
