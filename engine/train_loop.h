// What the SFT and preference loops (train_sft.cpp, train_pref.cpp) set up, save, resume and step
// the same way. Each loop stays explicit top to bottom; these are its shared parts:
//
//   TrainLoop loop = train_loop_begin(model, tok, cfg, truncation, total);  // device, optimizer, ...
//   TrainState st = train_loop_resume(loop, run, model, phase, fingerprint); // when resuming
//   train_loop_step(loop, step, win);                                       // clip, lr, update
//   train_loop_save(loop, run, model, train_loop_state(...), res);          // last.pt, atomic
//
// Private to the engine's trainers: include it from their .cpp files only.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "engine/checkpoint.h"
#include "engine/collate.h"
#include "engine/log_window.h"
#include "engine/metrics_sink.h"
#include "engine/model.h"
#include "engine/optim.h"
#include "engine/schedule.h"
#include "engine/tokenizer.h"
#include "engine/train_common.h"
#include "engine/train_config.h"

namespace swepo {

struct TrainLoop {
  const TrainerConfig& cfg;
  c10::Device device;
  bool bf16 = false;                              // bf16 autocast in the forward passes
  TruncationConfig trunc;                         // resolved against the model's max_seq_len
  SpecialIds ids;
  std::unique_ptr<torch::optim::Optimizer> opt;   // AdamW (optim.h)
  LrSchedule lr;
  std::vector<at::Tensor> params;
  at::Generator global_cpu;                       // saved and restored with every checkpoint
};

// Moves `model` to cfg.device and builds the optimizer and the schedule over `total_steps`. With
// max_steps 0 (the step count from epochs), warns on stderr when warmup_steps >= total_steps
// (engine/schedule.h; a set max_steps was checked when the config was read).
TrainLoop train_loop_begin(Transformer& model, const Tokenizer& tok, const TrainerConfig& cfg,
                           const TruncationConfig& truncation, int64_t total_steps);

// Loads run.resume_from into the model and optimizer (UserError when the phase or fingerprint
// differs) and restores the global CPU generator; the caller restores its own streams from st.rng.
TrainState train_loop_resume(TrainLoop& loop, const TrainRunOptions& run, Transformer& model,
                             const std::string& phase, const std::string& fingerprint);

// Clips the gradient (its pre-clip norm goes into the window), sets the step's learning rate and
// applies the update.
void train_loop_step(TrainLoop& loop, int64_t step, LogWindow& win);

// The state every checkpoint carries: phase, fingerprint, step, data position, global CPU RNG.
TrainState train_loop_state(const TrainLoop& loop, const std::string& phase, const std::string& fingerprint,
                            int64_t step, const DataSchedule& sched);

// Writes <run.checkpoint_dir>/last.pt atomically (nothing without a checkpoint_dir) and records
// its path in res. Flushes `sink` first: a resume from the checkpoint redoes only steps after it, so
// the metrics of the steps before it must already be recorded.
void train_loop_save(const TrainLoop& loop, const TrainRunOptions& run, const Transformer& model,
                     const TrainState& st, TrainResult& res, MetricSink& sink);

// True at the steps that write a checkpoint: every checkpoint_every steps and the last one.
inline bool train_loop_checkpoint_due(const TrainerConfig& cfg, int64_t step, int64_t end) {
  return (cfg.checkpoint_every > 0 && step % cfg.checkpoint_every == 0) || step == end;
}

}  // namespace swepo
