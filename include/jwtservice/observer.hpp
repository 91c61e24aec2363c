// Observation: one Event per service call for an Observer, counters in Stats, and their
// Prometheus text form.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "jwtservice/export.hpp"
#include "jwtservice/result.hpp"

namespace jwtservice {

/// The service call an Event reports.
enum class Operation { create, validate, consume, revoke, revoke_jti };

/// `"create"`, `"validate"`, `"consume"`, `"revoke"` or `"revoke_jti"`.
[[nodiscard]] constexpr std::string_view to_string(Operation operation) noexcept {
  switch (operation) {
    case Operation::create: return "create";
    case Operation::validate: return "validate";
    case Operation::consume: return "consume";
    case Operation::revoke: return "revoke";
    case Operation::revoke_jti: return "revoke_jti";
  }
  return "unknown";
}

/// What one call did. The views are valid during the observer call only: copy what you keep.
///
/// `reason` is the result's reason for validate and consume (`store_unavailable` when
/// `consumir` threw StoreError); for create `none` (issued), `rate_limited` (RateLimitExceeded)
/// or `invalid` (any other refusal); for revoke and revoke_jti `none` (returned true),
/// `invalid` (returned false) or `store_unavailable` (threw). `action`, `sub` and `jti` are
/// empty unless the token's signature was verified (for create: the issued token's; for
/// revoke_jti, `jti` is the argument). No token, binding state or secret is ever in an Event.
struct Event {
  Operation operation = Operation::validate;  ///< the service call this event reports
  Reason reason = Reason::none;               ///< its outcome, as described above
  std::string_view action{};                  ///< the token's action name, once its signature was verified
  std::string_view sub{};                     ///< the token's sub, once its signature was verified
  std::string_view jti{};                     ///< the token's jti, once its signature was verified
  std::chrono::nanoseconds duration{};  ///< from ServiceOptions::monotonic_clock; zero without an observer
};

/// Called once per service call, on the calling thread, after the outcome is known. Must be
/// thread-safe. An exception it throws is swallowed (and logged at most once a minute): it
/// never changes an outcome.
using Observer = std::function<void(const Event&)>;

/// Counters since the service was built, as `BasicService::stats()` returns them. Counting is
/// sharded per thread, so it never makes threads contend.
struct Stats {
  std::array<std::uint64_t, reason_count> validations{};   ///< validar, by Reason (index = enum value)
  std::array<std::uint64_t, reason_count> consumptions{};  ///< consumir, by Reason
  std::uint64_t creations = 0;                             ///< tokens issued
  std::uint64_t creation_refusals = 0;                     ///< criar refused (rate limit or invalid request)
  std::uint64_t revocations = 0;                           ///< revogar / revogar_jti that returned true
};

/// The Prometheus text exposition of `stats`: `<prefix>_validations_total{reason="..."}` (validar
/// and consumir together, every reason in enum order, zeros included), then
/// `<prefix>_creations_total`, `<prefix>_creation_refusals_total` and
/// `<prefix>_revocations_total`, each with its `# HELP` and `# TYPE` lines. Throws
/// InvalidArgument when `prefix` does not match `[a-zA-Z_:][a-zA-Z0-9_:]*`.
///
/// **Example**: `response.body = jwtservice::to_prometheus(service.stats());`
[[nodiscard]] JWTSERVICE_API std::string to_prometheus(const Stats& stats,
                                                       std::string_view prefix = "jwtservice");

}  // namespace jwtservice
