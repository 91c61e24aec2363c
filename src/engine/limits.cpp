// The rate limits of a service: in-process buckets, a shared limiter (alone or fused with the
// store's revocation check), and the one fall-back between them.
#include "engine/limits.hpp"

#include <exception>
#include <string>

namespace jwtservice::detail {
namespace {

std::unique_ptr<TokenBucket> bucket(std::int64_t per_minute) {
  if (per_minute <= 0) return nullptr;
  return std::make_unique<TokenBucket>(per_minute);
}

}  // namespace

Limits::Limits(const Config& config, RateLimiterHandle shared, const RevocationStoreHandle& store,
               MonotonicClock monotonic_clock, const SafeLog& log)
    : create_per_minute_(config.rate_limit_create),
      validate_per_minute_(config.rate_limit_validate),
      create_(bucket(config.rate_limit_create)),
      validate_(bucket(config.rate_limit_validate)),
      shared_(std::move(shared)),
      fused_(validate_ && shared_ && store ? store.fuse_with(shared_) : FusedCheck{}),
      monotonic_clock_(monotonic_clock ? std::move(monotonic_clock) : MonotonicClock{&steady_now}),
      log_(log) {}

bool Limits::acquire(std::string_view operation, std::int64_t per_minute, TokenBucket* local) const {
  if (local == nullptr) return true;
  if (shared_) {
    try {
      const bool taken = shared_.try_acquire(operation, per_minute);
      shared_answered();
      return taken;
    } catch (const std::exception& e) {
      shared_failed(e.what());
    } catch (...) {
      shared_failed("a non-standard exception");
    }
  }
  return local->try_acquire(monotonic_clock_());
}

Limits::Admission Limits::acquire_validate_checking(std::string_view jti) const {
  try {
    const FusedVerdict verdict = fused_("validate", validate_per_minute_, jti);
    shared_answered();
    if (verdict == FusedVerdict::rate_limited) return {};
    return {.taken = true, .revoked = verdict == FusedVerdict::revoked};
  } catch (...) {
    // Not the limiter's failure to log: the store's connections may be the ones failing.
  }
  // The fused command could not run (server down or slow, out of memory, or only the store's
  // connections failing: its eviction check, its back-off): the limiter is asked on its own
  // connections, then the local bucket as for any limiter failure; the revocation is left to
  // the store's own lookup, which a full server still answers and a dead one fails closed.
  return {.taken = acquire("validate", validate_per_minute_, validate_.get())};
}

void Limits::shared_answered() const {
  // Only a read on the common path; the write happens once per recovery.
  if (shared_failing_.load(std::memory_order_relaxed) && shared_failing_.exchange(false)) {
    log_(LogLevel::info, "shared rate limiter answers again: the shared limits apply again");
  }
}

void Limits::shared_failed(const char* what) const noexcept {
  if (shared_failing_.load(std::memory_order_relaxed) || shared_failing_.exchange(true)) return;
  try {
    log_(LogLevel::warning,
         std::string{"shared rate limiter failed, using this process's own limits until it answers again: "} +
             what);
  } catch (...) {
    log_(LogLevel::warning, "shared rate limiter failed, using this process's own limits");
  }
}

}  // namespace jwtservice::detail
