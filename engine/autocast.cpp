#include "engine/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/torch.h>
#include <torch/version.h>

#include "core/util/error.h"

// LibTorch >= 2.4 takes the device type explicitly; older releases have CUDA-only setters.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define SWEPO_AUTOCAST_DEVICE_API 1
#else
#define SWEPO_AUTOCAST_DEVICE_API 0
#endif

namespace swepo {
namespace {

bool cuda_autocast_enabled() {
#if SWEPO_AUTOCAST_DEVICE_API
  return at::autocast::is_autocast_enabled(at::kCUDA);
#else
  return at::autocast::is_enabled();
#endif
}

void set_cuda_autocast(bool enabled) {
#if SWEPO_AUTOCAST_DEVICE_API
  at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
  at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
  at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  at::autocast::set_enabled(enabled);
#endif
}

}  // namespace

bool use_bf16_autocast(const std::string& precision, c10::Device device) {
  if (precision == "fp32") return false;
  if (precision == "auto") return device.is_cuda();
  if (precision == "bf16") return device.is_cuda();  // CPU: bf16 storage, fp32 compute
  if (precision == "bf16_autocast") {
    if (!device.is_cuda())
      throw UserError("trainer.precision 'bf16_autocast' needs a CUDA device (device is " + device.str() +
                      "); use 'auto', 'fp32' or 'bf16' (bf16 storage of frozen weights)");
    return true;
  }
  throw UserError("trainer.precision: unknown value '" + precision + "'; valid: auto, fp32, bf16_autocast, bf16");
}

bool autocast_active() { return cuda_autocast_enabled(); }

AutocastGuard::AutocastGuard(bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  prev_enabled_ = cuda_autocast_enabled();
  set_cuda_autocast(true);
}

AutocastGuard::~AutocastGuard() {
  if (!enabled_) return;
  set_cuda_autocast(prev_enabled_);
  at::autocast::clear_cache();
}

}  // namespace swepo
