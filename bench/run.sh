#!/usr/bin/env bash
# `make bench`: installs what the benchmark needs (Debian packages), builds jwtservice_bench in
# build/bench (Release), runs it with JSON output to build/bench/results.json, then
# bench/report.py writes bench/results.md, the table in bench/README.md and bench/results.png.
#
# Environment: REPS (repetitions, 15), MIN_TIME (seconds per repetition, 0.1), JOBS (build jobs, 2).
# Many short repetitions in random interleaving: on a shared machine their medians are steadier.
# Extra arguments go to the benchmark binary, e.g. `bench/run.sh --benchmark_filter=validate`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
build="$root/build/bench"
# The CMake source tree: the project itself (its top-level CMakeLists adds bench/ when
# JWTSERVICE_BUILD_BENCHMARKS is ON). Overridable to try the bench against a scratch top level.
src="${JWTSERVICE_BENCH_SOURCE_DIR:-$root}"

# ---- 1. Debian packages -------------------------------------------------------------------------
packages=(cmake g++ make pkg-config python3 libssl-dev nlohmann-json3-dev libsqlite3-dev
          libbenchmark-dev libcpp-jwt-dev libjwt-dev gnuplot-nox
          libhiredis-dev redis-server openssl)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null | grep -qx installed || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bench: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# ---- 2. Configure and build (Release) -------------------------------------------------------------
if [ "$src" = "$root" ] && ! grep -q 'JWTSERVICE_BUILD_BENCHMARKS' "$root/CMakeLists.txt"; then
  echo "bench: CMakeLists.txt has no JWTSERVICE_BUILD_BENCHMARKS option adding bench/ (see bench/README.md)" >&2
  exit 2
fi
# A cache configured from another source tree cannot be reused.
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -Fqx "CMAKE_HOME_DIRECTORY:INTERNAL=$src" "$build/CMakeCache.txt"; then
  rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
fi
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release \
  -DJWTSERVICE_BUILD_BENCHMARKS=ON -DJWTSERVICE_BUILD_TESTS=OFF -DJWTSERVICE_BUILD_EXAMPLES=OFF
cmake --build "$build" --target jwtservice_bench -j "${JOBS:-2}"
bin="$(find "$build" -type f -name jwtservice_bench -perm -u+x | head -n 1)"
[ -n "$bin" ] || { echo "bench: jwtservice_bench was not built" >&2; exit 1; }

# ---- 3. Run -------------------------------------------------------------------------------------
git_rev="$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
echo "bench: running $bin (medians of ${REPS:-15} repetitions, random interleaving; a few minutes)"
"$bin" \
  --benchmark_repetitions="${REPS:-15}" \
  --benchmark_report_aggregates_only=true \
  --benchmark_enable_random_interleaving=true \
  --benchmark_min_time="${MIN_TIME:-0.1}" \
  --benchmark_out="$build/results.json" \
  --benchmark_out_format=json \
  --benchmark_context=git="$git_rev" \
  "$@"

# ---- 4. Report: bench/results.md, the table in bench/README.md, bench/results.png ---------------
python3 "$root/bench/report.py" "$build/results.json" --work "$build"
