// Pieces shared by the SFT and preference trainers: run options, the result record, the data
// schedule (which examples each step reads), the run fingerprint and the logging-window clock.
// The training loops themselves live in train_sft.cpp and train_pref.cpp.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/collate.h"
#include "engine/model_config.h"
#include "engine/train_config.h"

namespace swepo {

class Distributed;  // engine/distributed.h

// How this invocation runs (not part of the run's identity).
struct TrainRunOptions {
  std::string checkpoint_dir;    // "" = no checkpoints; else <dir>/last.pt every checkpoint_every
                                 // steps and at the end (atomic overwrite)
  std::string resume_from;       // "" = fresh start; else a checkpoint written by the same run
  std::string owner;             // this run's identity written into its checkpoints and checked
                                 // on resume ("<store uid>/run<ID>"; "" = unrecorded, unchecked)
  int64_t stop_after_step = -1;  // >= 0: stop (and checkpoint) after this many updates, as if
                                 // interrupted; the schedule still spans the full run
  std::string extra_fingerprint; // caller's identity of what the trainer cannot see (e.g. the
                                 // resolved loss config); mixed into the checkpoint fingerprint
  std::function<void(int64_t)> on_resume;  // called with the step a resume starts from (e.g. to
                                           // drop the store's metrics the run will redo)
  Distributed* dist = nullptr;   // data-parallel ranks (engine/distributed.h); null = one process.
                                 // Rank 0 alone writes checkpoints; every rank gets the metrics.
};

struct TrainResult {
  int64_t steps_done = 0;         // optimizer updates completed (including resumed ones)
  int64_t total_steps = 0;        // updates the full run makes
  double last_loss = 0;           // loss of the last logging window
  double seconds = 0;             // wall time of this invocation
  int64_t tokens = 0;             // non-padding tokens forwarded by this invocation
  int64_t truncated_responses = 0;
  std::string checkpoint_path;    // last checkpoint written ("" when none)
  std::string fingerprint;        // run fingerprint (checkpoint identity)
  // Preference training only.
  bool reference_used = false;        // the loss needs a reference
  bool reference_from_cache = false;  // reference log-probs came from the disk cache or checkpoint
  int64_t reference_rows = 0;         // rows forwarded through the reference model
  std::string reference_fingerprint;
};

// Which examples step s reads: epoch e = s / steps_per_epoch takes the permutation of (seed, e)
// (rng.h), and step s reads its batch_size consecutive entries (drop_last). Pure function of s.
class DataSchedule {
 public:
  DataSchedule(int64_t n_examples, const TrainerConfig& cfg);
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  int64_t total_steps() const { return total_steps_; }
  int64_t epoch_of(int64_t step) const { return step / steps_per_epoch_; }
  int64_t offset_of(int64_t step) const { return (step % steps_per_epoch_) * batch_size_; }
  std::vector<int64_t> batch(int64_t step);  // [batch_size] example indices

 private:
  int64_t n_, batch_size_, seed_, steps_per_epoch_, total_steps_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> perm_;
};

// SHA-256 of everything that determines a run's trajectory: phase, trainer config (minus
// log_every, checkpoint_every, device, ref_cache_dir, ref_batch_size), resolved truncation, model
// config, tokenizer fingerprint, dataset fingerprint and `extra`.
std::string run_fingerprint(const std::string& phase, const TrainerConfig& cfg,
                            const TruncationConfig& truncation, const ModelConfig& model,
                            const std::string& tokenizer_fp, const std::string& dataset_fp,
                            const std::string& extra);

// Wall clock in seconds (steady).
double wall_seconds();

}  // namespace swepo
