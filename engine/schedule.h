// Learning-rate schedule: linear warmup from 0 to the peak, then cosine, linear or constant decay
// to peak * min_lr_ratio at the last step. Tensor-free.
//
//   step s (0-based, the update being made), W warmup steps, N total steps, r = min_lr_ratio:
//   s < W:        lr * (s + 1) / W
//   otherwise:    t = (s - W) / max(1, N - 1 - W) in [0, 1]
//     cosine:     lr * (r + (1 - r) * 0.5 * (1 + cos(pi * t)))
//     linear:     lr * (r + (1 - r) * (1 - t))
//     constant:   lr
// warmup_steps >= N is allowed but warned about (lr_warmup_warning): at config time when max_steps
// is set (TrainerConfig::from_yaml), when the trainer starts when N is derived from epochs.
#pragma once
#include <cstdint>
#include <string>

namespace swepo {

struct TrainerConfig;

// "" or a warning when the warmup covers every step (warmup_steps >= total_steps > 0): the learning
// rate then only rises, to lr * total_steps / warmup_steps at the last step, and never decays.
// `warmup_key` and `steps_what` name the settings in the message ("trainer.warmup_steps",
// "trainer.max_steps (3)").
std::string lr_warmup_warning(int64_t warmup_steps, int64_t total_steps, double lr, const std::string& warmup_key,
                              const std::string& steps_what);

// Writes "warning: MSG" to stderr, each distinct message once per process (a sweep resolves the same
// config for many jobs); nothing for "".
void warn_once(const std::string& msg);

class LrSchedule {
 public:
  LrSchedule(double peak_lr, int64_t warmup_steps, int64_t total_steps, std::string decay,
             double min_lr_ratio);
  LrSchedule(const TrainerConfig& cfg, int64_t total_steps);

  double lr_at(int64_t step) const;  // learning rate of update `step` (0-based)
  int64_t total_steps() const { return total_; }

 private:
  double peak_;
  int64_t warmup_;
  int64_t total_;
  std::string decay_;
  double min_ratio_;
};

}  // namespace swepo
