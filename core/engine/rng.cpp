#include "core/engine/rng.h"

#include <random>

#include <torch/torch.h>

#include "core/util/hash.h"

namespace swepo {

uint64_t derive_seed(int64_t seed, const std::string& stream) {
  const std::string h = sha256_hex("swepo-rng:" + std::to_string(seed) + ":" + stream);
  return std::stoull(h.substr(0, 15), nullptr, 16);  // 60 bits: positive as int64 too
}

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

RunRngs::RunRngs(int64_t seed)
    : loss(make_cpu_generator(derive_seed(seed, "loss"))),
      sample(make_cpu_generator(derive_seed(seed, "sample"))) {}

}  // namespace swepo
