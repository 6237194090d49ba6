#!/usr/bin/env bash
# Rewrites tests/golden/golden.json from the current build: run it only after a change that moves
# numbers on purpose, in the same commit that bumps kNumericsVersion (core/util/numerics.h) and
# writes the README's changelog entry.
#   bash scripts/update_golden.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=test_golden bash scripts/build.sh
SWEPO_UPDATE_GOLDEN=1 build/tests/golden/test_golden --gtest_filter=Golden.PinnedRunsMatchTheGoldenFile
git --no-pager diff --stat tests/golden/golden.json || true
