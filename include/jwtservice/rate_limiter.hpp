// TokenBucket: a lock-free token bucket driven by an injected monotonic clock.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>

namespace jwtservice {

/// A token bucket holding `per_minute` tokens, refilled continuously at per_minute/60 per
/// second. Implemented as GCRA (the "theoretical arrival time" form of a token bucket): the
/// whole state is one atomic 64-bit time, so `try_acquire` is a load and one compare-and-swap,
/// lock-free and safe from any number of threads. Of N threads racing for the last k tokens,
/// exactly k win.
class TokenBucket {
 public:
  /// `per_minute` must be positive (0 = "off" is handled by the owner, which keeps no bucket).
  explicit TokenBucket(std::int64_t per_minute) noexcept
      : interval_ns_(
            std::max<std::int64_t>(1, std::int64_t{60'000'000'000} / std::max<std::int64_t>(1, per_minute))),
        burst_ns_(interval_ns_ * std::max<std::int64_t>(1, per_minute)) {}

  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;

  /// Takes one token at monotonic time `now`; false when the bucket is empty.
  [[nodiscard]] bool try_acquire(std::chrono::nanoseconds now) noexcept {
    const std::int64_t t = now.count();
    std::int64_t tat = tat_.load(std::memory_order_relaxed);
    for (;;) {
      // A bucket that has been idle is full: the arrival time never lags behind now.
      const std::int64_t next = (tat > t ? tat : t) + interval_ns_;
      if (next - t > burst_ns_) return false;
      if (tat_.compare_exchange_weak(tat, next, std::memory_order_relaxed)) return true;
    }
  }

  /// Tokens per minute this bucket was built with (rounded to the nanosecond interval).
  [[nodiscard]] std::int64_t per_minute() const noexcept { return burst_ns_ / interval_ns_; }

 private:
  const std::int64_t interval_ns_;  // time that refills one token
  const std::int64_t burst_ns_;     // capacity, as time: per_minute intervals
  std::atomic<std::int64_t> tat_{std::numeric_limits<std::int64_t>::min() / 2};
};

}  // namespace jwtservice
