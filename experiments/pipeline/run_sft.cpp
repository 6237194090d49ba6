#include "experiments/pipeline/run_sft.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "engine/checkpoint.h"
#include "engine/hf_config.h"
#include "engine/ref_cache.h"
#include "engine/rng.h"
#include "engine/train_sft.h"
#include "core/util/error.h"
#include "core/util/fs.h"

namespace fs = std::filesystem;

namespace swepo::pipeline {
namespace {

constexpr const char* kSftExtra = "swepo-pipeline-sft-v1";

// An exclusive advisory lock held for the object's lifetime (released on close, also on a crash).
class FileLock {
 public:
  explicit FileLock(const std::string& path) {
    make_dirs(fs::path(path).parent_path().string());
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw UserError("cannot open lock file " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    std::cerr << "sft: another process is training this SFT model; waiting for " << path << "\n";
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw std::runtime_error("flock " + path + ": " + std::strerror(errno));
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// The SFT model file is an engine checkpoint (engine/checkpoint.h), phase "model", weights
// only, stamped with the SFT fingerprint: a file from another config is refused and retrained.
void save_sft_model(const std::string& path, const Transformer& m, const std::string& fingerprint) {
  TrainState st;
  st.phase = "model";
  st.fingerprint = fingerprint;
  save_checkpoint(path, m, nullptr, st);  // atomic
}

void load_sft_model(const std::string& path, Transformer& m, const std::string& fingerprint) {
  load_checkpoint(path, m, nullptr, "model", fingerprint);
}

void read_info(const std::string& path, SftOutcome& out) {
  try {
    auto j = nlohmann::json::parse(read_file(path));
    out.train_seconds = j.value("seconds", 0.0);
    out.steps = j.value("steps", int64_t{0});
    out.last_loss = j.value("last_loss", 0.0);
  } catch (const std::exception&) {
    // The info file is descriptive only; the model file is what counts.
  }
}

}  // namespace

ModelConfig resolved_model_config(const RunConfig& cfg, const Tokenizer& tok) {
  return model_config_with_vocab(hf_resolve_model_config(cfg.model), tok.vocab_size());
}

namespace {
// What the trainer cannot see: the pipeline's SFT version and, for model=hf, the base checkpoint.
std::string sft_extra(const RunModel& rm) {
  return rm.hf ? std::string(kSftExtra) + "\nbase=" + rm.base_fingerprint : std::string(kSftExtra);
}
}  // namespace

std::string sft_fingerprint(const RunConfig& cfg, const RunModel& rm, const std::vector<SftRecord>& data) {
  // The config of the model as built (model=hf: config.json's, as load_hf_model gives it), so the
  // cache key is the fingerprint the trainer computes.
  ModelConfig mc = resolved_model_config(cfg, *rm.tok);
  if (rm.hf) {  // load_hf_model's config: config.json's, loaded as float32 (initial_model)
    mc = hf_model_config(cfg.model.path);
    mc.dtype = "float32";
  }
  return run_fingerprint("sft", cfg.sft, truncation_resolve(cfg.truncation, mc.max_seq_len), mc,
                         rm.tok->fingerprint(), sft_dataset_fingerprint(data), sft_extra(rm));
}

SftOutcome sft_stage(const RunConfig& cfg, const RunModel& rm, const std::vector<SftRecord>& data,
                     MetricSink& sink) {
  const double t0 = wall_seconds();
  const Tokenizer& tok = *rm.tok;
  SftOutcome out;
  if (rm.hf && data.empty()) {  // the checkpoint is the SFT model (sft_data: auto or none)
    out.model = initial_model(cfg, rm);
    out.fingerprint = rm.base_fingerprint;
    out.checkpoint = cfg.model.path;
    out.skipped = true;
    std::cerr << "sft: none: the checkpoint " << cfg.model.path << " is the SFT model and the reference\n";
    out.seconds = wall_seconds() - t0;
    return out;
  }
  out.fingerprint = sft_fingerprint(cfg, rm, data);
  const fs::path root = fs::path(cfg.cache_dir) / "sft";
  const fs::path dir = root / out.fingerprint;
  out.checkpoint = (dir / "model.pt").string();
  const std::string info_path = (dir / "sft.json").string();

  FileLock lock((root / (out.fingerprint + ".lock")).string());
  out.model = initial_model(cfg, rm);

  if (fs::exists(out.checkpoint)) {
    try {
      load_sft_model(out.checkpoint, out.model, out.fingerprint);
      out.cached = true;
      read_info(info_path, out);
      std::cerr << "sft: cached model " << out.checkpoint << " (trained in " << format_duration(out.train_seconds)
                << ", " << out.steps << " steps); skipping SFT\n";
    } catch (const UserError& e) {
      std::cerr << "sft: cached model unusable (" << e.what() << "); training again\n";
      out.model = initial_model(cfg, rm);
    }
  }
  if (!out.cached) {
    if (data.empty()) throw UserError("the SFT corpus is empty (data.n_sft = 0?): nothing to train on");
    TrainRunOptions run;
    run.extra_fingerprint = sft_extra(rm);
    std::cerr << "sft: training " << count_parameters(out.model->config()) << " parameters on "
              << data.size() << " demonstrations -> " << out.checkpoint << "\n";
    TrainResult r = train_sft(out.model, tok, data, cfg.sft, cfg.truncation, sink, run);
    if (r.fingerprint != out.fingerprint)
      throw std::runtime_error("sft: trainer fingerprint " + r.fingerprint + " differs from the cache key " +
                               out.fingerprint);
    save_sft_model(out.checkpoint, out.model, out.fingerprint);  // atomic
    out.train_seconds = r.seconds;
    out.steps = r.steps_done;
    out.last_loss = r.last_loss;
    nlohmann::json info = {{"fingerprint", out.fingerprint}, {"seconds", r.seconds},
                           {"steps", r.steps_done},         {"last_loss", r.last_loss},
                           {"tokens", r.tokens},            {"examples", data.size()}};
    write_file_atomic(info_path, info.dump(2) + "\n");
  }
  out.seconds = wall_seconds() - t0;
  return out;
}

}  // namespace swepo::pipeline
