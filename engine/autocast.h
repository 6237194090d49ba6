// bf16 autocast on CUDA, behind one small guard whose implementation hides the LibTorch version
// differences (1.13: at::autocast::set_enabled(bool) + set_autocast_gpu_dtype; 2.4+:
// set_autocast_enabled(device_type, bool) + set_autocast_dtype(device_type, dtype)).
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace swepo {

// Whether `precision` ("auto" | "fp32" | "bf16") means bf16 autocast on `device`: auto -> bf16 on
// CUDA, fp32 on CPU; "bf16" on a CPU device is a UserError.
bool use_bf16_autocast(const std::string& precision, c10::Device device);

// Enables CUDA bf16 autocast for its lifetime when `enabled` (no-op otherwise); restores the
// previous state and clears the autocast weight cache on destruction. Use one per forward pass and
// run backward outside it.
class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool enabled_;
  bool prev_enabled_ = false;
};

}  // namespace swepo
