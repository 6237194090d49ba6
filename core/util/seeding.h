// Seeding, the one place it is defined: derive_seed() turns (base seed, stream tag, index) into an
// independent seed, for the engine's torch generators and the tensor-free code alike. Portable
// deterministic random numbers (same stream on every platform and library version): splitmix64 to
// seed and derive sub-streams, xoshiro256** to draw. std::*_distribution is avoided
// on purpose: its output differs between standard libraries. Header-only, tensor-free.
#pragma once
#include <cmath>
#include <cstdint>
#include <string_view>

namespace swepo {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a of a tag, so streams can be named ("sft", "alpaca", ...).
inline uint64_t tag_hash(std::string_view tag) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : tag) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// A seed for sub-stream (tag, index) of `base`: independent streams per item without sharing state.
inline uint64_t derive_seed(uint64_t base, std::string_view tag, uint64_t index = 0) {
  uint64_t s = base ^ tag_hash(tag);
  splitmix64(s);
  s ^= index * 0xD1B54A32D192ED03ULL;
  return splitmix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0) {
    uint64_t s = seed;
    for (auto& w : s_) w = splitmix64(s);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (inclusive); Lemire-free simple rejection for exactness.
  int64_t uniform_int(int64_t lo, int64_t hi) {
    const uint64_t range = static_cast<uint64_t>(hi - lo) + 1;
    const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t x;
    do x = next(); while (x >= limit);
    return lo + static_cast<int64_t>(x % range);
  }
  bool bernoulli(double p) { return uniform() < p; }
  // Standard normal by Box-Muller (one value per call; the pair's second value is discarded).
  double normal() {
    double u1 = uniform();
    const double u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace swepo
