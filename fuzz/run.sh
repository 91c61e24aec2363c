#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) in build/fuzz and runs each for SECONDS
# (default 60) from a copy of its seed corpus. Exits non-zero on any crash, leak, timeout, OOM or
# sanitizer report; the reproducer is left in build/fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]      e.g. fuzz/run.sh 600 fuzz_validate
#
# Environment: FUZZ_JOBS (targets run at once, default 1), FUZZ_BUILD_DIR (default build/fuzz),
# FUZZ_CMAKE_ARGS (extra configure arguments), FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECONDS_PER_TARGET=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(fuzz_validate fuzz_base64url fuzz_json_strict fuzz_config)
fi
BUILD=${FUZZ_BUILD_DIR:-build/fuzz}
JOBS=${FUZZ_JOBS:-1}

if ! command -v clang++ >/dev/null; then
  echo "fuzz/run.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
  exit 2
fi
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }' |
  clang++ -x c++ -fsanitize=fuzzer,address,undefined -o /dev/null - 2>/dev/null; then
  echo "fuzz/run.sh: clang++ cannot link libFuzzer (Debian: apt-get install libclang-rt-14-dev)" >&2
  exit 2
fi

mkdir -p "$BUILD"
# shellcheck disable=SC2086 # FUZZ_CMAKE_ARGS is a list of arguments
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DJWTSERVICE_BUILD_FUZZERS=ON -DJWTSERVICE_BUILD_TESTS=OFF -DJWTSERVICE_BUILD_EXAMPLES=OFF \
  -DJWTSERVICE_BUILD_CLI=OFF -DJWTSERVICE_INSTALL=OFF -DJWTSERVICE_WITH_SQLITE=OFF \
  -DJWTSERVICE_WITH_REDIS=OFF ${FUZZ_CMAKE_ARGS:-} >"$BUILD/configure.log" 2>&1 ||
  {
    cat "$BUILD/configure.log" >&2
    exit 2
  }
cmake --build "$BUILD" -j2 --target "${TARGETS[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Runs one target; its log goes to $BUILD/logs/<target>.log, its findings to artifacts/<target>/.
run_target() {
  local target=$1
  local corpus="$BUILD/corpus/$target" artifacts="$BUILD/artifacts/$target" log="$BUILD/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$BUILD/logs"
  cp -n fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "==> fuzz/run.sh: $target for ${SECONDS_PER_TARGET} s (log: $log)"
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  if "$BUILD/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=9000 -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 -dict=fuzz/token.dict \
    -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1; then
    echo "==> fuzz/run.sh: $target passed: $(grep -E '^(#[0-9]+\s+DONE|stat::number_of_executed_units)' "$log" | tail -1)"
    return 0
  fi
  echo "==> fuzz/run.sh: $target FAILED; reproducer(s):" >&2
  ls -1 "$artifacts" >&2 || true
  tail -60 "$log" >&2
  return 1
}

# Each run leaves its exit status in logs/<target>.status, so parallel runs are judged alike.
for target in "${TARGETS[@]}"; do
  rm -f "$BUILD/logs/$target.status"
  mkdir -p "$BUILD/logs"
  if [ "$JOBS" -le 1 ]; then
    rc=0
    run_target "$target" || rc=$?
    echo "$rc" >"$BUILD/logs/$target.status"
    continue
  fi
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do
    wait -n || true
  done
  (
    rc=0
    run_target "$target" || rc=$?
    echo "$rc" >"$BUILD/logs/$target.status"
  ) &
done
wait || true

failed=()
for target in "${TARGETS[@]}"; do
  [ "$(cat "$BUILD/logs/$target.status" 2>/dev/null)" = 0 ] || failed+=("$target")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "==> fuzz/run.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "==> fuzz/run.sh: all ${#TARGETS[@]} targets ran ${SECONDS_PER_TARGET} s without a finding"
