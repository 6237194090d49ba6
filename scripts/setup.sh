#!/usr/bin/env bash
# Idempotent: installs (apt-get) only the Debian packages that are missing.
# Usage: scripts/setup.sh        (run as root, or with sudo available)
set -euo pipefail
pkgs=(
  build-essential cmake pkg-config
  libtorch-dev
  libopenblas0-pthread   # mandatory: without it LibTorch falls back to reference BLAS (~50x slower)
  libyaml-cpp-dev libsqlite3-dev sqlite3 libfmt-dev libboost-program-options-dev
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev
  gnuplot-nox
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#pkgs[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
