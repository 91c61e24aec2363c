// Step 2 and the create limit: the in-process token buckets, or a shared limiter with the
// in-process bucket as its fall-back, or the shared limiter fused with the store's revocation
// check. The one place a limiter failure is handled.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/rate_limiter.hpp"
#include "jwtservice/revocation.hpp"
#include "safe_log.hpp"

namespace jwtservice::detail {

/// The service's two limits. A limit of 0 is unlimited. With a shared limiter (ServiceOptions::
/// rate_limiter) the shared budget decides; when it throws, the local bucket decides for that
/// call (limits fail open to the local limit, never to "unlimited"). The first failure of an
/// outage is logged as a warning and the recovery as info, once per outage. Thread-safe.
///
/// Fused: when the store fuses with the shared limiter (RevocationStoreHandle::fuse_with, e.g.
/// both on one Redis) and the validate limit is on, a validation whose local checks passed takes
/// its token in the store's one command (acquire_validate_checking). When that command fails, the
/// shared limiter is asked on its own (the failure may be the store's connections alone), with
/// the local bucket behind it as for any limiter failure, and the store is asked on its own.
class Limits {
 public:
  /// What a fused validation learnt: whether a token was taken and, when the fused command ran,
  /// whether the jti is revoked (empty: ask the store).
  struct Admission {
    bool taken = false;
    std::optional<bool> revoked{};
  };

  /// `store` is asked once for its FusedCheck with `shared`; the check refers to the store, which
  /// must outlive this object (Engine::Impl declares its store before its limits).
  Limits(const Config& config, RateLimiterHandle shared, const RevocationStoreHandle& store,
         MonotonicClock monotonic_clock, const SafeLog& log);

  [[nodiscard]] bool acquire_create() const { return acquire("create", create_per_minute_, create_.get()); }
  [[nodiscard]] bool acquire_validate() const {
    return acquire("validate", validate_per_minute_, validate_.get());
  }

  /// True when validations take their token with acquire_validate_checking, after the local checks.
  [[nodiscard]] bool fuses_validation() const noexcept { return static_cast<bool>(fused_); }

  /// Step 2 and steps 17-18 in one command (requires fuses_validation()); see the class comment.
  [[nodiscard]] Admission acquire_validate_checking(std::string_view jti) const;

 private:
  [[nodiscard]] bool acquire(std::string_view operation, std::int64_t per_minute, TokenBucket* local) const;
  void shared_answered() const;
  void shared_failed(const char* what) const noexcept;

  std::int64_t create_per_minute_;
  std::int64_t validate_per_minute_;
  std::unique_ptr<TokenBucket> create_;    // null = unlimited
  std::unique_ptr<TokenBucket> validate_;  // null = unlimited
  RateLimiterHandle shared_;               // empty = the buckets above decide alone
  FusedCheck fused_;                       // empty = validations take their token at step 2
  MonotonicClock monotonic_clock_;
  const SafeLog& log_;
  mutable std::atomic<bool> shared_failing_{false};  // true from a failure until the next success
};

}  // namespace jwtservice::detail
