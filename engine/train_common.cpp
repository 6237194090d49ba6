#include "engine/train_common.h"

#include "engine/model_config.h"
#include "engine/rng.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/numerics.h"

namespace swepo {

DataSchedule::DataSchedule(int64_t n_examples, const TrainerConfig& cfg)
    : n_(n_examples), batch_size_(cfg.batch_size), seed_(cfg.order_seed()) {
  if (n_ < batch_size_)
    throw UserError("trainer.batch_size (" + std::to_string(batch_size_) +
                    ") is larger than the dataset (" + std::to_string(n_) + " examples)");
  steps_per_epoch_ = n_ / batch_size_;
  total_steps_ = cfg.max_steps > 0 ? cfg.max_steps : cfg.epochs * steps_per_epoch_;
}

std::vector<int64_t> DataSchedule::batch(int64_t step) {
  const int64_t e = epoch_of(step);
  if (e != cached_epoch_) {
    perm_ = epoch_permutation(n_, seed_, e);
    cached_epoch_ = e;
  }
  const int64_t off = offset_of(step);
  return std::vector<int64_t>(perm_.begin() + off, perm_.begin() + off + batch_size_);
}

namespace {
template <class C>
std::string dump_fields(C c, const std::vector<std::string>& skip) {
  OptionDocs d;
  c.visit(d);
  std::string s;
  for (const auto& o : d.docs) {
    bool skipped = false;
    for (const auto& k : skip) skipped |= (k == o.key);
    if (!skipped) s += o.key + "=" + o.default_value + "\n";
  }
  return s;
}
}  // namespace

std::string run_fingerprint(const std::string& phase, const TrainerConfig& cfg,
                            const TruncationConfig& truncation, const ModelConfig& model,
                            const std::string& tokenizer_fp, const std::string& dataset_fp,
                            const std::string& extra) {
  std::string s = "run-v1\nnumerics=" + std::to_string(kNumericsVersion) + "\nphase=" + phase + "\n";
  s += dump_fields(cfg, {"log_every", "checkpoint_every", "device", "ref_cache_dir", "ref_batch_size"});
  // Separate streams only when set, so checkpoints from before these existed still match.
  if (cfg.data_seed >= 0) s += "data_seed=" + std::to_string(cfg.data_seed) + "\n";
  if (cfg.pair_seed >= 0) s += "pair_seed=" + std::to_string(cfg.pair_seed) + "\n";
  s += dump_fields(truncation, {});
  s += dump_fields(model, {});
  s += "tokenizer=" + tokenizer_fp + "\ndataset=" + dataset_fp + "\nextra=" + extra + "\n";
  return sha256_hex(s);
}

double wall_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace swepo
