#!/usr/bin/env bash
# The layout rule, checked (ctest runs this as `layout_floors`): a folder includes only itself and
# the floors below it, and the tensor-free floors never link LibTorch.
#
#   core/ -> {losses, analysis, sweeps} -> {engine, synth} -> experiments -> apps (bench beside apps)
#
# Usage: scripts/check_layout.sh [SOURCE_DIR]     exit 0 when the tree follows the rule, else 1.
set -uo pipefail
cd "${1:-$(dirname "$0")/..}"

# folder -> the top-level folders its #include "..." lines may name (besides system headers).
declare -A allowed=(
  [core]="core"
  [losses]="core losses"
  [analysis]="core analysis"
  [sweeps]="core sweeps"
  [engine]="core losses engine"
  [synth]="core analysis synth"
  [experiments]="core losses analysis engine synth experiments"
  [apps]="core losses analysis sweeps engine synth experiments apps"
  [bench]="core losses analysis sweeps engine synth experiments bench"
)
generated="swepo_git_commit.h"  # build/generated, written by cmake/git_commit.cmake
bad=0
for folder in "${!allowed[@]}"; do
  [[ -d $folder ]] || continue
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${hit#*:}")
    [[ $inc == "$generated" ]] && continue
    top=${inc%%/*}
    if [[ $inc != */* ]]; then top=""; fi
    ok=0
    for a in ${allowed[$folder]}; do [[ $top == "$a" ]] && ok=1; done
    if [[ $ok == 0 ]]; then
      echo "layout: $file includes \"$inc\": $folder/ may include only: ${allowed[$folder]}"
      bad=1
    fi
  done < <(grep -rHn --include='*.h' --include='*.cpp' '^#include "' "$folder" | sed -E 's/^([^:]+):[0-9]+:/\1:/')
done
# The tensor-free floors: no LibTorch in their CMake targets, no torch header in their sources.
for folder in core analysis sweeps synth; do
  links=$(grep -rn 'swepo_use_torch\|[^_]torch\b' --include=CMakeLists.txt "$folder" | grep -Ev '^[^:]+:[0-9]+:\s*#')
  if [[ -n $links ]]; then
    echo "layout: $folder/ is tensor-free but a CMakeLists.txt there links LibTorch:"
    echo "$links"
    bad=1
  fi
  if grep -rln --include='*.h' --include='*.cpp' '#include <\(torch\|ATen\|c10\)/' "$folder" >/dev/null 2>&1; then
    echo "layout: $folder/ is tensor-free but includes a LibTorch header:"
    grep -rn --include='*.h' --include='*.cpp' '#include <\(torch\|ATen\|c10\)/' "$folder"
    bad=1
  fi
done
# Headers stay light: torch/torch.h only in .cpp files (the precompiled header).
if grep -rn --include='*.h' '#include <torch/torch.h>' core losses analysis sweeps engine synth experiments apps; then
  echo "layout: the headers above include <torch/torch.h>; include it in .cpp files only"
  bad=1
fi
[[ $bad == 0 ]] && echo "layout: every include follows the floors"
exit $bad
