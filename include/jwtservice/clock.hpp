// Time seams: the wall clock for claims and the monotonic clock for rate limiters, both injectable.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

namespace jwtservice {

/// Unix time in whole seconds. Inject a fake one in tests instead of sleeping.
using Clock = std::function<std::int64_t()>;

/// A monotonic time point as a duration since an arbitrary epoch; drives the rate limiters.
using MonotonicClock = std::function<std::chrono::nanoseconds()>;

/// The default Clock: std::chrono::system_clock truncated to seconds.
[[nodiscard]] inline std::int64_t system_now() noexcept {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The default MonotonicClock: std::chrono::steady_clock.
[[nodiscard]] inline std::chrono::nanoseconds steady_now() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
}

}  // namespace jwtservice
