#include "engine/rng.h"

#include <random>

#include <torch/torch.h>


namespace swepo {

at::Generator make_cpu_generator(uint64_t seed) {
  at::Generator g = at::detail::createCPUGenerator(seed);
  return g;
}

void seed_model_init(int64_t seed) { torch::manual_seed(derive_seed(seed, "init")); }

std::vector<int64_t> epoch_permutation(int64_t n, int64_t seed, int64_t epoch) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[i] = i;
  std::mt19937_64 rng(derive_seed(seed, "data:" + std::to_string(epoch)));
  for (int64_t i = n - 1; i > 0; --i) {
    // Unbiased draw in [0, i] by rejection (std::uniform_int_distribution is implementation-defined).
    const uint64_t range = uint64_t(i) + 1;
    const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % range;
    uint64_t r;
    do r = rng(); while (r >= limit);
    std::swap(p[i], p[r % range]);
  }
  return p;
}

}  // namespace swepo
