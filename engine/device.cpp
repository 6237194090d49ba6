#include "engine/device.h"

#include <torch/torch.h>

#include <cctype>

#include "core/util/error.h"

namespace swepo {

namespace {
bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}
}  // namespace

c10::Device resolve_device(const std::string& name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "auto")
    return torch::cuda::is_available() ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  int index = 0;
  if (name == "cuda") {
    index = 0;
  } else if (name.rfind("cuda:", 0) == 0 && all_digits(name.substr(5)) && name.size() <= 9) {
    index = std::stoi(name.substr(5));
  } else {
    throw UserError("device '" + name + "': expected one of auto, cpu, cuda, cuda:N");
  }
  if (!torch::cuda::is_available())
    throw UserError("device '" + name +
                    "': CUDA is not available (no CUDA build of LibTorch or no GPU); use cpu or auto");
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  if (index >= count)
    throw UserError("device '" + name + "': only " + std::to_string(count) +
                    " CUDA device(s) present");
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

}  // namespace swepo
