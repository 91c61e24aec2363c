// Paired comparisons: every contender of one operation runs in the same loop, in rotating order,
// each call timed on its own with steady_clock; the counters are the medians per call. Separate
// benchmarks on a shared machine each catch different disturbances, so their ratios wander; here
// a disturbance inflates single calls, which the median drops, and all contenders share the same
// moments, caches and clock. This is what report.py checks the ratio targets with.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench_common.hpp"

namespace bench {

std::vector<Contender>& contenders(const std::string& op) {
  static std::map<std::string, std::vector<Contender>> all;
  return all[op];
}

namespace {

using clock = std::chrono::steady_clock;

std::int64_t median(std::vector<std::int64_t>& v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

/// What two back-to-back clock reads cost: subtracted from every sample.
std::int64_t clock_overhead() {
  std::vector<std::int64_t> d(10'000);
  for (auto& x : d) {
    const auto t0 = clock::now();
    const auto t1 = clock::now();
    x = std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count();
  }
  return median(d);
}

void BM_paired(benchmark::State& state, const std::string& op) {
  const auto& list = contenders(op);
  const std::size_t n = list.size();
  std::vector<std::vector<std::int64_t>> samples(n);
  const auto expected =
      static_cast<std::size_t>(std::min<benchmark::IterationCount>(state.max_iterations, 1 << 20));
  for (auto& s : samples)
    s.reserve(expected);
  const std::int64_t overhead = clock_overhead();
  std::size_t rotation = 0;
  for (auto _ : state) {
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t i = (k + rotation) % n;
      const auto t0 = clock::now();
      const bool ok = list[i].run();
      const auto t1 = clock::now();
      if (!ok) [[unlikely]] {
        fail(state, "a contender gave the wrong verdict");
        return;
      }
      samples[i].push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0).count() - overhead);
    }
    rotation = (rotation + 1) % n;  // nobody always runs first, or always after the same one
  }
  for (std::size_t i = 0; i < n; ++i)
    state.counters[list[i].name + "_ns"] = static_cast<double>(median(samples[i]));
  state.counters["clock_overhead_ns"] = static_cast<double>(overhead);
}

const bool registered = [] {
  for (const char* op : {"validate", "create", "lifecycle"}) {
    with_min(benchmark::RegisterBenchmark((std::string{"paired/"} + op).c_str(), [op](benchmark::State& s) {
               BM_paired(s, op);
             })->UseRealTime());
  }
  return true;
}();

}  // namespace
}  // namespace bench
