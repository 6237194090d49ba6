// resolve_device: accepted forms and clear errors.
#include <gtest/gtest.h>

#include <torch/torch.h>

#include "engine/device.h"
#include "core/util/error.h"

namespace swepo {
namespace {

TEST(Device, CpuAndAuto) {
  EXPECT_TRUE(resolve_device("cpu").is_cpu());
  const c10::Device a = resolve_device("auto");
  EXPECT_EQ(a.is_cuda(), torch::cuda::is_available());
}

TEST(Device, MalformedNamesAreUserErrors) {
  EXPECT_THROW(resolve_device("gpu"), UserError);
  EXPECT_THROW(resolve_device("cuda:"), UserError);
  EXPECT_THROW(resolve_device("cuda:x"), UserError);
  EXPECT_THROW(resolve_device("CPU"), UserError);
}

TEST(Device, CudaWithoutGpuIsAUserError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device is present";
  EXPECT_THROW(resolve_device("cuda"), UserError);
  EXPECT_THROW(resolve_device("cuda:0"), UserError);
}

TEST(Device, Cuda_CUDA) {
  EXPECT_TRUE(resolve_device("cuda").is_cuda());
  EXPECT_TRUE(resolve_device("cuda:0").is_cuda());
  EXPECT_THROW(resolve_device("cuda:99"), UserError);
}

}  // namespace
}  // namespace swepo
