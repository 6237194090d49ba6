#include "engine/schedule.h"

#include <algorithm>
#include <cmath>

#include "engine/train_config.h"
#include "core/util/error.h"

namespace swepo {

LrSchedule::LrSchedule(double peak_lr, int64_t warmup_steps, int64_t total_steps,
                       std::string decay, double min_lr_ratio)
    : peak_(peak_lr),
      warmup_(warmup_steps),
      total_(total_steps),
      decay_(std::move(decay)),
      min_ratio_(min_lr_ratio) {
  if (decay_ != "cosine" && decay_ != "linear" && decay_ != "constant")
    throw UserError("lr schedule: unknown decay '" + decay_ + "'; valid: cosine, linear, constant");
  if (total_ <= 0) throw UserError("lr schedule: total steps must be > 0");
}

LrSchedule::LrSchedule(const TrainerConfig& cfg, int64_t total_steps)
    : LrSchedule(cfg.lr, cfg.warmup_steps, total_steps, cfg.decay, cfg.min_lr_ratio) {}

double LrSchedule::lr_at(int64_t step) const {
  if (step < warmup_) return peak_ * double(step + 1) / double(warmup_);
  if (decay_ == "constant") return peak_;
  const double span = double(std::max<int64_t>(1, total_ - 1 - warmup_));
  const double t = std::clamp(double(step - warmup_) / span, 0.0, 1.0);
  const double shape = decay_ == "cosine" ? 0.5 * (1.0 + std::cos(M_PI * t)) : 1.0 - t;
  return peak_ * (min_ratio_ + (1.0 - min_ratio_) * shape);
}

}  // namespace swepo
