// Device selection from config: "auto" (CUDA if available, else CPU), "cpu", "cuda", "cuda:N".
#pragma once
#include <string>

#include <c10/core/Device.h>

namespace swepo {

// UserError when the string is not one of the forms above, or names a CUDA device that is not
// available (no CUDA build/device, or N >= device count).
c10::Device resolve_device(const std::string& name);

}  // namespace swepo
