// Step 2 and the create limit: the in-process token buckets, or a shared limiter with the
// in-process bucket as its fall-back. The one place a limiter failure is handled.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/rate_limiter.hpp"
#include "safe_log.hpp"

namespace jwtservice::detail {

/// The service's two limits. A limit of 0 is unlimited. With a shared limiter (ServiceOptions::
/// rate_limiter) the shared budget decides; when it throws, the local bucket decides for that
/// call (limits fail open to the local limit, never to "unlimited"). The first failure of an
/// outage is logged as a warning and the recovery as info, once per outage. Thread-safe.
class Limits {
 public:
  Limits(const Config& config, RateLimiterHandle shared, MonotonicClock monotonic_clock, const SafeLog& log);

  [[nodiscard]] bool acquire_create() const { return acquire("create", create_per_minute_, create_.get()); }
  [[nodiscard]] bool acquire_validate() const {
    return acquire("validate", validate_per_minute_, validate_.get());
  }

 private:
  [[nodiscard]] bool acquire(std::string_view operation, std::int64_t per_minute, TokenBucket* local) const;
  void shared_failed(const char* what) const noexcept;

  std::int64_t create_per_minute_;
  std::int64_t validate_per_minute_;
  std::unique_ptr<TokenBucket> create_;    // null = unlimited
  std::unique_ptr<TokenBucket> validate_;  // null = unlimited
  RateLimiterHandle shared_;               // empty = the buckets above decide alone
  MonotonicClock monotonic_clock_;
  const SafeLog& log_;
  mutable std::atomic<bool> shared_failing_{false};  // true from a failure until the next success
};

}  // namespace jwtservice::detail
