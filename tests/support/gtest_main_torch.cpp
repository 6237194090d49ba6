// GoogleTest main for LibTorch test binaries: tests named *_CUDA run only when a CUDA device is
// present; elsewhere they are filtered out (and reported as such), so CPU CI stays green.
#include <torch/torch.h>

#include <gtest/gtest.h>

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (!torch::cuda::is_available()) {
    std::string filter = ::testing::GTEST_FLAG(filter);
    if (filter.find('-') == std::string::npos)
      filter += "-*_CUDA:*/*_CUDA*";
    else
      filter += ":*_CUDA:*/*_CUDA*";
    ::testing::GTEST_FLAG(filter) = filter;
  }
  torch::set_num_threads(1);  // ctest runs tests in parallel on 2 cores
  return RUN_ALL_TESTS();
}
