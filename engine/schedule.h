// Learning-rate schedule: linear warmup from 0 to the peak, then cosine, linear or constant decay
// to peak * min_lr_ratio at the last step. Tensor-free.
//
//   step s (0-based, the update being made), W warmup steps, N total steps, r = min_lr_ratio:
//   s < W:        lr * (s + 1) / W
//   otherwise:    t = (s - W) / max(1, N - 1 - W) in [0, 1]
//     cosine:     lr * (r + (1 - r) * 0.5 * (1 + cos(pi * t)))
//     linear:     lr * (r + (1 - r) * (1 - t))
//     constant:   lr
#pragma once
#include <cstdint>
#include <string>

namespace swepo {

struct TrainerConfig;

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
