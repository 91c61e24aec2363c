// TokenBucket, the lock-free in-process limiter, and the RateLimiter seam for shared ones.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>

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

/// A limiter shared beyond this process (all instances of a service drawing on one budget).
/// `try_acquire(operation, per_minute)` takes one token from the bucket named `operation`
/// ("create" or "validate") holding `per_minute` tokens and refilled at per_minute/60 per
/// second; true when one was taken. It may throw: the service then falls back to its own
/// in-process bucket for that call and logs the first failure (rate limits fail open to the
/// local limit; revocation, by contrast, fails closed). A minimal conforming limiter:
/// ```
/// struct MyLimiter {
///   bool try_acquire(std::string_view operation, std::int64_t per_minute);
/// };
/// ```
template <class L>
concept RateLimiter = requires(L& l, std::string_view operation, std::int64_t per_minute) {
  { l.try_acquire(operation, per_minute) } -> std::convertible_to<bool>;
};

/// A shared, type-erased reference to any RateLimiter; empty means in-process buckets only.
class RateLimiterHandle {
 public:
  RateLimiterHandle() = default;

  template <RateLimiter L>
  RateLimiterHandle(std::shared_ptr<L> limiter)  // NOLINT(google-explicit-constructor): assignable by design
      : limiter_(std::move(limiter)), try_acquire_(limiter_ ? &try_acquire_thunk<L> : nullptr) {}

  [[nodiscard]] explicit operator bool() const noexcept { return limiter_ != nullptr; }

  /// Forwards to the limiter; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool try_acquire(std::string_view operation, std::int64_t per_minute) const {
    return try_acquire_(limiter_.get(), operation, per_minute);
  }

 private:
  template <class L>
  static bool try_acquire_thunk(void* l, std::string_view operation, std::int64_t per_minute) {
    return static_cast<bool>(static_cast<L*>(l)->try_acquire(operation, per_minute));
  }

  std::shared_ptr<void> limiter_;
  bool (*try_acquire_)(void*, std::string_view, std::int64_t) = nullptr;
};

}  // namespace jwtservice
