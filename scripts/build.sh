#!/usr/bin/env bash
# Configure and build (Release by default) into build/.
#   scripts/build.sh [extra cmake configure args]       # everything: library, CLI, tests, benchmarks
#   TARGET=swepo scripts/build.sh                        # only the CLI (what scripts/quickstart.sh needs)
# JOBS (default: all cores) and BUILD_TYPE (default: Release) come from the environment.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-$(nproc)}
cmake -S . -B build -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-Release} "$@" >/dev/null
if [[ -n "${TARGET:-}" ]]; then
  cmake --build build -j"$jobs" --target "$TARGET"
else
  cmake --build build -j"$jobs"
fi
