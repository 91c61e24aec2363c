// ServiceOptions: the collaborators a service is built with (logger, store, clocks, limiter, observer).
#pragma once

#include <cstdint>
#include <optional>

#include "jwtservice/clock.hpp"
#include "jwtservice/logger.hpp"
#include "jwtservice/observer.hpp"
#include "jwtservice/rate_limiter.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// Every field is optional; designated initializers work:
/// `ServiceOptions{.revocation_store = store, .clock = [] { return 1710000000; }}`.
struct ServiceOptions {
  Logger logger{};                                   ///< default: warnings and errors to stderr
  RevocationStoreHandle revocation_store{};          ///< from std::shared_ptr<S>; empty = revocation off
  std::optional<std::int64_t> revocation_ttl_max{};  ///< > 0; caps every revocation TTL
  Clock clock{};                                     ///< Unix seconds; default: the system clock
  MonotonicClock monotonic_clock{};                  ///< drives the rate limiters; default: steady_clock
  RateLimiterHandle rate_limiter{};  ///< shared by every instance (e.g. Redis); empty = in-process buckets
  Observer observer{};               ///< one Event per call (metrics, audit logs); empty = off
};

}  // namespace jwtservice
