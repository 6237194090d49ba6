// Seeded random streams of a run. One user seed fans out into independent named streams
// (derive_seed, core/util/seeding.h), so that changing how one stream is consumed (e.g. DPO's
// random pairing) never shifts another (data order):
//
//   init   - model initialisation (the global torch RNG, seeded right before construction)
//   data   - data order: one Fisher-Yates permutation per epoch, from (seed, epoch) alone, so the
//            data position is a pure function of the step (exact resume without stored state)
//   loss   - the generator passed to Loss::compute (DPO's random rejected response)
//   eval/* - generation in evaluation (experiments/pipeline/run_eval.h: one stream per decoding)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <ATen/core/Generator.h>

#include "core/util/seeding.h"  // derive_seed: every stream's seed

namespace swepo {

// A fresh CPU generator (mt19937) seeded with `seed`.
at::Generator make_cpu_generator(uint64_t seed);

// Seeds the global torch RNG (CPU and, when present, CUDA) for stream "init"; call right before
// constructing a model (TransformerImpl draws its initial weights from the global RNG).
void seed_model_init(int64_t seed);

// Permutation of [0, n) for `epoch` (std::mt19937_64 + Fisher-Yates; tensor-free, version-stable).
std::vector<int64_t> epoch_permutation(int64_t n, int64_t seed, int64_t epoch);

}  // namespace swepo
