#!/usr/bin/env bash
# The unit tests under sanitizers (issue 15 §4); scripts/test.sh (CI) runs it after ctest and fuzz.sh.
#   bash scripts/sanitize.sh [asan|tsan|all]      # default: all
# asan: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer: leaks fail the run) on
#       every tensor-free test executable: config, text, data, hf, store, metrics, report,
#       benchmarks, plot, synth, sweeps and the sweep CLI (build-asan/).
# tsan: ThreadSanitizer on the store and the sweep runner, the multi-threaded / multi-process parts
#       (build-tsan/).
# What is left out, and why: the LibTorch tests (engine, losses, pipeline, the `swepo` binary).
# Building the engine a third time and running its tests instrumented would roughly double CI's
# time on 2 cores, and Debian's libtorch is not instrumented (ASan would see only swepo's side of
# every tensor call). swepo's LibTorch-facing parsers are under ASan + UBSan in the fuzzers
# instead (fuzz_loss, fuzz_checkpoint).
# handle_segv=0 (both): a test job dies of a real SIGSEGV on purpose and the runner must see the
# signal, which a sanitizer's handler would turn into exit code 1.
# The PostgreSQL variants of the store tests run when scripts/servers.sh has started a server
# (SWEPO_TEST_PG_URL); otherwise they skip, as in the plain suite.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
jobs=${JOBS:-$(nproc)}

asan_targets=(test_util test_config test_hf_tokenizer test_chat_template test_hf test_data test_store
              test_metrics test_report test_benchmarks test_plot test_synth test_sweeps test_cmd_sweep)
tsan_targets=(test_store test_sweeps test_cmd_sweep)

# run_tests DIR TARGET...: runs each test executable found under DIR; fails if any fails.
run_tests() {
  local dir=$1; shift
  local failed=()
  for t in "$@"; do
    local exe
    exe=$(find "$dir/tests" -type f -name "$t" -perm -u+x | head -1)
    if [[ -z "$exe" ]]; then echo "sanitize: $t was not built" >&2; failed+=("$t"); continue; fi
    echo "== $dir: $t"
    if ! "$exe" --gtest_brief=1; then failed+=("$t"); fi
  done
  if ((${#failed[@]})); then echo "sanitize: FAILED in $dir: ${failed[*]}" >&2; return 1; fi
}

# The sweep tests run helper executables (sweep_test_job, sweep_test_cli) built with the same flags.
helpers=(sweep_test_job sweep_test_cli)

if [[ $what == asan || $what == all ]]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWEPO_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
  t0=$SECONDS
  cmake --build build-asan -j"$jobs" --target "${asan_targets[@]}" "${helpers[@]}"
  echo "sanitize: built build-asan in $((SECONDS - t0)) s"
  t0=$SECONDS
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:handle_segv=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_tests build-asan "${asan_targets[@]}"
  echo "sanitize: asan tests passed in $((SECONDS - t0)) s"
fi
if [[ $what == tsan || $what == all ]]; then
  cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWEPO_BUILD_BENCH=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=thread -fno-omit-frame-pointer" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=thread" >/dev/null
  t0=$SECONDS
  cmake --build build-tsan -j"$jobs" --target "${tsan_targets[@]}" "${helpers[@]}"
  echo "sanitize: built build-tsan in $((SECONDS - t0)) s"
  t0=$SECONDS
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:handle_segv=0 run_tests build-tsan "${tsan_targets[@]}"
  echo "sanitize: tsan tests passed in $((SECONDS - t0)) s"
fi
echo "sanitize: every test passed under $what"
