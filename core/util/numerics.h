// The numerics version: one number that says "results computed by this build are comparable with
// results computed by another build of the same version". It enters every cache key (the SFT
// model, the reference log-probs, the SynthFeedback data, the training checkpoints' fingerprint)
// and every recorded run's params (`numerics`), so a build whose numbers moved neither reuses an
// older build's caches nor pools with its runs unnoticed.
//
// Bump it in the same commit as any change that alters a result on purpose (a stream's seeding,
// an initialisation, a data generator, a kernel's order of summation, a default), regenerate the
// golden file (scripts/update_golden.sh; tests/golden/ fails until then) and write the change and
// its measured effect in the README's changelog. A change that moves numbers without a bump is a
// bug the golden tests exist to catch.
//
// History (README "Changelog"):
//   1  2026-12-07  first versioned numerics: the engine as of the derive_seed streams (f033cdb)
#pragma once

namespace swepo {

inline constexpr int kNumericsVersion = 1;

}  // namespace swepo
