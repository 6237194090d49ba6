// bf16 autocast on CUDA, behind one small guard whose implementation hides the LibTorch version
// differences (1.13: at::autocast::set_enabled(bool) + set_autocast_gpu_dtype; 2.4+:
// set_autocast_enabled(device_type, bool) + set_autocast_dtype(device_type, dtype)).
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace swepo {

// Whether `precision` means bf16 autocast on `device`: auto and bf16 -> autocast on CUDA, fp32
// compute on CPU; bf16_autocast -> autocast (a UserError on a CPU device); fp32 -> never.
bool use_bf16_autocast(const std::string& precision, c10::Device device);

// Whether CUDA bf16 autocast is on now (activation checkpointing recomputes under the same state).
bool autocast_active();

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
