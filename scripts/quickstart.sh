#!/usr/bin/env bash
# The README's first command: install what is missing, build, run the quickstart sweep (a reduced
# Table 1 on the built-in SynthFeedback benchmark) and print its table.
#   bash scripts/quickstart.sh [--jobs N]
# Results: outputs/quickstart.db (query it with `build/apps/swepo runs --db outputs/quickstart.db` or
# sqlite3), run folders under outputs/, caches under cache/. Rerunning resumes: finished jobs are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=2
if [[ "${1:-}" == "--jobs" && -n "${2:-}" ]]; then JOBS=$2; fi

bash scripts/setup.sh
TARGET=swepo bash scripts/build.sh   # the CLI only; scripts/test.sh builds the rest
SWEPO=build/apps/swepo
mkdir -p outputs
"$SWEPO" sweep sweeps/quickstart.yaml --db outputs/quickstart.db --jobs "$JOBS"
"$SWEPO" report --db outputs/quickstart.db quickstart
