#include "engine/schedule.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <set>

#include <fmt/format.h>

#include "engine/train_config.h"
#include "core/util/error.h"

namespace swepo {

std::string lr_warmup_warning(int64_t warmup_steps, int64_t total_steps, double lr, const std::string& warmup_key,
                              const std::string& steps_what) {
  if (total_steps <= 0 || warmup_steps < total_steps) return "";
  const double last = lr * double(total_steps) / double(warmup_steps);  // lr_at(total_steps - 1)
  const std::string rise = warmup_steps == total_steps
                               ? fmt::format("reaches the peak lr {:g} only at the last step", lr)
                               : fmt::format("rises to {:g} at the last step, never to the peak lr {:g}", last, lr);
  return fmt::format("{} ({}) >= {}: every step is a warmup step, so the learning rate {} and never decays; "
                     "lower {}",
                     warmup_key, warmup_steps, steps_what, rise, warmup_key);
}

void warn_once(const std::string& msg) {
  if (msg.empty()) return;
  static std::mutex mu;
  static std::set<std::string> said;
  std::lock_guard<std::mutex> lock(mu);
  if (!said.insert(msg).second) return;
  std::fprintf(stderr, "warning: %s\n", msg.c_str());
  std::fflush(stderr);
}

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
