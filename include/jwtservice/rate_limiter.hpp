// TokenBucket, the in-process limiter that threads share without contending, and the RateLimiter seam for
// shared ones.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "jwtservice/export.hpp"

namespace jwtservice {

namespace detail {
struct BucketCore;
}  // namespace detail

/// A token bucket holding `per_minute` tokens, refilled continuously at per_minute/60 per
/// second, safe from any number of threads. Of N threads racing for the last k tokens, exactly
/// k win.
///
/// Threads do not contend on every call: each thread borrows a small batch of tokens from the
/// global bucket and spends it from a cache of its own (one atomic on a cache line no other
/// thread writes), so the shared state is touched once per batch. The rules that keep it exact
/// (proved in src/rate_limiter.cpp, documented in docs/rate-limits.md):
/// - never more successes than the bucket allows: tokens lent to caches count as still in the
///   bucket, so the global refill stops at capacity minus what is lent;
/// - a refusal only when the global bucket and every thread's cache are empty: a thread that
///   finds the global bucket empty reclaims every cache before it refuses;
/// - small buckets (under 128 per minute) lend one token at a time, which is the plain GCRA.
/// A thread that exits gives its cache back; a bucket destroyed while threads hold caches
/// simply drops them.
class JWTSERVICE_API TokenBucket {
 public:
  /// `per_minute` must be positive (0 = "off" is handled by the owner, which keeps no bucket).
  explicit TokenBucket(std::int64_t per_minute);
  ~TokenBucket();

  TokenBucket(const TokenBucket&) = delete;
  TokenBucket& operator=(const TokenBucket&) = delete;
  TokenBucket(TokenBucket&&) = delete;
  TokenBucket& operator=(TokenBucket&&) = delete;

  /// Takes one token at monotonic time `now`; false when the bucket is empty.
  [[nodiscard]] bool try_acquire(std::chrono::nanoseconds now) noexcept;

  /// Tokens per minute this bucket was built with (rounded to the nanosecond interval).
  [[nodiscard]] std::int64_t per_minute() const noexcept;

  /// Tokens a thread borrows from the global bucket at once (at most; fewer when it runs low).
  [[nodiscard]] std::int64_t batch() const noexcept;

 private:
  [[nodiscard]] bool acquire_slow(std::chrono::nanoseconds now) noexcept;

  std::shared_ptr<detail::BucketCore> core_;  // shared with the threads' caches, for thread exit
  std::uint64_t id_;                          // unique for the process's lifetime: keys the caches
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
  /// An empty handle: in-process buckets only.
  RateLimiterHandle() = default;

  /// Shares `limiter`; a null pointer makes an empty handle.
  template <RateLimiter L>
  RateLimiterHandle(std::shared_ptr<L> limiter)  // NOLINT(google-explicit-constructor): assignable by design
      : limiter_(std::move(limiter)),
        try_acquire_(limiter_ ? &try_acquire_thunk<L> : nullptr),
        type_(limiter_ ? &typeid(L) : nullptr) {}

  /// True when the handle holds a limiter.
  [[nodiscard]] explicit operator bool() const noexcept { return limiter_ != nullptr; }

  /// Forwards to the limiter; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool try_acquire(std::string_view operation, std::int64_t per_minute) const {
    return try_acquire_(limiter_.get(), operation, per_minute);
  }

  /// The limiter when it is exactly a `T`, else null (as `std::function::target`): how a store
  /// recognises a limiter on its own server (RevocationStoreHandle::fuse_with).
  template <class T>
  [[nodiscard]] T* target() const noexcept {
    return type_ != nullptr && *type_ == typeid(T) ? static_cast<T*>(limiter_.get()) : nullptr;
  }

 private:
  template <class L>
  static bool try_acquire_thunk(void* l, std::string_view operation, std::int64_t per_minute) {
    return static_cast<bool>(static_cast<L*>(l)->try_acquire(operation, per_minute));
  }

  std::shared_ptr<void> limiter_;
  bool (*try_acquire_)(void*, std::string_view, std::int64_t) = nullptr;
  const std::type_info* type_ = nullptr;
};

}  // namespace jwtservice
