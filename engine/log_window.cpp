#include "engine/log_window.h"

#include <torch/torch.h>

namespace swepo {

LogWindow::LogWindow(const c10::Device& device) : t0_(wall_seconds()) {
  const auto fopts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  loss_sum = torch::zeros({}, fopts);
  gnorm_sum = torch::zeros({}, fopts);
}

void LogWindow::close(MetricMap& m, double loss_denom, double lr, double epoch, TrainResult& res) {
  at::Tensor host = torch::stack({loss_sum, gnorm_sum}).to(torch::kCPU, torch::kDouble);  // [2]: the sync
  const double elapsed = wall_seconds() - t0_;
  m["loss"] = loss_denom > 0 ? host[0].item<double>() / loss_denom : 0.0;
  m["grad_norm"] = steps > 0 ? host[1].item<double>() / double(steps) : 0.0;
  m["lr"] = lr;
  m["tokens_per_s"] = elapsed > 0 ? double(fwd_tokens) / elapsed : 0.0;
  m["epoch"] = epoch;
  m["truncated_responses"] = double(res.truncated_responses);
  m["window_steps"] = double(steps);
  res.last_loss = m["loss"];
  res.tokens += fwd_tokens;
  loss_sum.zero_();
  gnorm_sum.zero_();
  steps = 0;
  fwd_tokens = 0;
  t0_ = wall_seconds();
}

}  // namespace swepo
