// The logging window shared by the SFT and preference trainers: sums kept as device tensors and
// read on the host only at logging steps (no host synchronisation per step), plus the clock and
// token count behind tokens/s.
//
// Windows are aligned to the global step: the record at step s (a multiple of log_every, or the
// last step) covers steps (s - log_every, s]. After a resume from a checkpoint at step r the
// boundaries stay where they were, so the first window runs from r + 1 to the next multiple of
// log_every and averages only the steps this process ran (the steps of that window before r were
// run by the interrupted process, whose unclosed window was not recorded). Every record says how
// many steps it averages: window_steps (log_every, fewer in that first window and the last one).
// E.g. log_every 10, resumed at step 21: the first record is at step 30 with window_steps 9, its
// loss and grad_norm the means over steps 22..30.
#pragma once
#include <cstdint>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include "engine/metrics_sink.h"
#include "engine/train_common.h"

namespace swepo {

class LogWindow {
 public:
  explicit LogWindow(const c10::Device& device);

  at::Tensor loss_sum;      // 0-d float32 on the device: Σ loss numerators over the window
  at::Tensor gnorm_sum;     // 0-d float32 on the device: Σ pre-clip grad norms
  int64_t steps = 0;        // optimizer steps in the window
  int64_t fwd_tokens = 0;   // non-padding tokens forwarded in the window

  // Adds the common metrics to `m` — loss (loss_sum / loss_denom, 0 when loss_denom is 0),
  // grad_norm (mean over steps), lr, tokens_per_s, epoch, truncated_responses, window_steps (=
  // steps) — updates res.last_loss and res.tokens, and starts a new window.
  void close(MetricMap& m, double loss_denom, double lr, double epoch, TrainResult& res);

 private:
  double t0_;
};

}  // namespace swepo
