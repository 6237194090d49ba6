#!/usr/bin/env bash
# The README's second command: install what is missing, build, run every test with ctest, then
# the fuzzers briefly and the tensor-free tests under sanitizers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
# A throw-away PostgreSQL and a one-node Slurm cluster for the store's and the Slurm launcher's
# tests (scripts/servers.sh; those tests skip if a server cannot start), stopped however this ends.
root=$PWD
eval "$(scripts/servers.sh start)"
trap '"$root/scripts/servers.sh" stop "${SWEPO_SERVERS_DIR:-}"' EXIT
trap 'exit 130' INT TERM HUP
cd build && ctest --output-on-failure -j"$(nproc)"
# Every input parser under libFuzzer + ASan + UBSan, 10 s each (fuzz/README.md; builds build-fuzz).
cd "$root" && scripts/fuzz.sh 10
# The tensor-free unit tests again under ASan + UBSan (a leak fails them) and the store and sweep
# runner tests under TSan (scripts/sanitize.sh; builds build-asan and build-tsan).
cd "$root" && scripts/sanitize.sh
