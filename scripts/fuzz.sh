#!/usr/bin/env bash
# Fuzzes every input parser with libFuzzer under ASan + UBSan (fuzz/README.md): builds build-fuzz
# when needed, then runs each target for SECONDS on a writable copy of its seed corpus
# (fuzz/corpus/<target>/ is never grown), one target at a time, and prints per target: seconds,
# executions, exec/s, coverage (cov: edges, ft: features, from libFuzzer's final line) and findings.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     default 10 s, every target (build-fuzz/fuzz_targets.txt)
#
# Exit status 1 when any target found something (a crash, a sanitizer report, a leak, a timeout,
# an out-of-memory): its input is in build-fuzz/artifacts/<target>/, its log in
# build-fuzz/logs/<target>.log; reproduce with build-fuzz/<target> <artifact>.
# Environment: SWEPO_FUZZ_JOBS (build parallelism, default nproc), SWEPO_FUZZ_TORCH=OFF (configure
# without the LibTorch targets fuzz_loss and fuzz_checkpoint), SWEPO_FUZZ_NICE (default 10).
# Needs clang and libclang-rt-14-dev (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
[ $# -gt 0 ] && shift
case "$secs" in '' | *[!0-9]*) echo "fuzz: SECONDS must be a whole number, got '$secs'" >&2; exit 2 ;; esac
bd=build-fuzz
nice_n=${SWEPO_FUZZ_NICE:-10}

if [ ! -f "$bd/CMakeCache.txt" ]; then
  mkdir -p "$bd"
  cmake -S fuzz -B "$bd" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DSWEPO_FUZZ_TORCH="${SWEPO_FUZZ_TORCH:-ON}" > "$bd/configure.log" 2>&1 ||
    { cat "$bd/configure.log" >&2; exit 1; }
fi
if [ $# -gt 0 ]; then targets=("$@"); else
  cmake -S fuzz -B "$bd" > /dev/null  # refreshes fuzz_targets.txt
  mapfile -t targets < <(grep -v '^$' "$bd/fuzz_targets.txt")
fi
start=$(date +%s)
nice -n "$nice_n" cmake --build "$bd" -j"${SWEPO_FUZZ_JOBS:-$(nproc)}" --target "${targets[@]}" > "$bd/build.log" 2>&1 ||
  { tail -50 "$bd/build.log" >&2; echo "fuzz: build failed (build-fuzz/build.log)" >&2; exit 1; }
echo "fuzz: built ${#targets[@]} target(s) in $(( $(date +%s) - start )) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0}
mkdir -p "$bd/logs" "$bd/run"
found=0
printf '%-20s %6s %10s %8s %6s %7s %s\n' target seconds execs exec/s cov ft findings
for t in "${targets[@]}"; do
  exe="$bd/$t"
  [ -x "$exe" ] || { echo "fuzz: no target $t (see fuzz/CMakeLists.txt)" >&2; found=1; continue; }
  work="$bd/run/$t"
  art="$bd/artifacts/$t"
  rm -rf "$work"
  mkdir -p "$work" "$art"
  [ -d "fuzz/corpus/$t" ] && cp -r "fuzz/corpus/$t/." "$work/"
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=(-dict="fuzz/dict/$t.dict")
  stamp="$bd/run/$t.stamp"
  touch "$stamp"
  log="$bd/logs/$t.log"
  : > "$log"
  t0=$(date +%s)
  # A known finding (a dependency's crash, fuzz/known_crashes.txt) does not end the target's time:
  # libFuzzer stops at it, so the target restarts on its grown corpus for the time left, and the
  # known hits are counted. Any other finding ends the target.
  known_hits=0
  cov=""
  ft=""
  execs=0
  what=0
  while :; do
    left=$(( secs - ($(date +%s) - t0) ))
    [ "$left" -lt 1 ] && left=1
    part="$bd/logs/$t.part.log"
    rc=0
    nice -n "$nice_n" "$exe" -max_total_time="$left" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$art/" "${dict[@]}" "$work" > "$part" 2>&1 &
    pid=$!
    wait "$pid" || rc=$?
    rm -rf "/dev/shm/swepo_fuzz_$pid"  # the target's scratch directory (fuzz/fuzz_common.h), left by a crash
    cat "$part" >> "$log"
    stat() { sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$part" | tail -1; }
    n=$(stat number_of_executed_units)
    execs=$(( execs + ${n:-0} ))
    last=$(grep -E '(cov|ft): [0-9]+' "$part" | tail -1 || true)
    [ -n "$last" ] && cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<< "$last") &&
      ft=$(sed -n 's/.*ft: \([0-9]*\).*/\1/p' <<< "$last")
    findings=$(find "$art" -maxdepth 1 -type f -newer "$stamp" \( -name 'crash-*' -o -name 'leak-*' -o \
      -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' \) | wc -l)
    [ "$rc" -eq 0 ] && [ "$findings" -eq 0 ] && break
    known=""
    while read -r kt ksig; do  # fuzz/known_crashes.txt: TARGET SIGNATURE (a dependency's bug)
      [ "$kt" = "$t" ] && grep -aqF -- "$ksig" "$part" && known=$ksig
    done < <(grep -v '^#' fuzz/known_crashes.txt 2>/dev/null || true)
    if [ -z "$known" ]; then
      what="$findings (exit $rc; $(grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|fuzz: property)' "$part" || echo 'see log'))"
      found=1
      break
    fi
    known_hits=$(( known_hits + 1 ))
    find "$art" -maxdepth 1 -type f -newer "$stamp" -delete  # the known input (fuzz/known/ has one)
    touch "$stamp"
    [ $(( $(date +%s) - t0 )) -ge "$secs" ] && break
  done
  rm -f "$part"
  took=$(( $(date +%s) - t0 ))
  rate=$(( execs / (took > 0 ? took : 1) ))
  [ "$known_hits" -gt 0 ] && what="$what (known: ${known_hits}x fuzz/known_crashes.txt)"
  printf '%-20s %6s %10s %8s %6s %7s %s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$what"
done
if [ "$found" -ne 0 ]; then
  echo "fuzz: FINDINGS: inputs in $bd/artifacts/<target>/, logs in $bd/logs/" >&2
  exit 1
fi
echo "fuzz: no findings"
