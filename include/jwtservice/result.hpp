// What validation answers: Reason, Status and BasicVerificationResult.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "jwtservice/action.hpp"

namespace jwtservice {

/// The overall verdict. `expired` and `revoked` are split out of `invalid` for callers that
/// show different pages for them.
enum class Status { valid, invalid, expired, revoked };

/// Why a token was refused; the first failing check of the documented order wins.
enum class Reason {
  none,
  missing_token,
  invalid,
  bad_signature,
  invalid_iat,
  immature,
  expired,
  invalid_issuer,
  invalid_audience,
  missing_sub,
  invalid_action,
  invalid_extra_data,
  missing_jti,
  revoked,
  rate_limited,
  store_unavailable,
  action_mismatch,  ///< step 13: the token serves another purpose than the one expected
  binding_mismatch  ///< step 15: the token's binding does not match the caller's state
};

/// The number of Reason values: the size of the per-reason counters in Stats.
inline constexpr std::size_t reason_count = static_cast<std::size_t>(Reason::binding_mismatch) + 1;

/// Exactly the enumerator's name: `to_string(Reason::bad_signature) == "bad_signature"`.
[[nodiscard]] constexpr std::string_view to_string(Reason reason) noexcept {
  switch (reason) {
    case Reason::none: return "none";
    case Reason::missing_token: return "missing_token";
    case Reason::invalid: return "invalid";
    case Reason::bad_signature: return "bad_signature";
    case Reason::invalid_iat: return "invalid_iat";
    case Reason::immature: return "immature";
    case Reason::expired: return "expired";
    case Reason::invalid_issuer: return "invalid_issuer";
    case Reason::invalid_audience: return "invalid_audience";
    case Reason::missing_sub: return "missing_sub";
    case Reason::invalid_action: return "invalid_action";
    case Reason::invalid_extra_data: return "invalid_extra_data";
    case Reason::missing_jti: return "missing_jti";
    case Reason::revoked: return "revoked";
    case Reason::rate_limited: return "rate_limited";
    case Reason::store_unavailable: return "store_unavailable";
    case Reason::action_mismatch: return "action_mismatch";
    case Reason::binding_mismatch: return "binding_mismatch";
  }
  return "unknown";
}

/// `"valid"`, `"invalid"`, `"expired"` or `"revoked"`.
[[nodiscard]] constexpr std::string_view to_string(Status status) noexcept {
  switch (status) {
    case Status::valid: return "valid";
    case Status::invalid: return "invalid";
    case Status::expired: return "expired";
    case Status::revoked: return "revoked";
  }
  return "unknown";
}

/// The status a failing reason maps to: expired and revoked have their own, all else is invalid.
[[nodiscard]] constexpr Status status_for(Reason reason) noexcept {
  switch (reason) {
    case Reason::none: return Status::valid;
    case Reason::expired: return Status::expired;
    case Reason::revoked: return Status::revoked;
    default: return Status::invalid;
  }
}

/// Writes `to_string(reason)`, so that a Reason prints as its stable name (`expired`).
inline std::ostream& operator<<(std::ostream& os, Reason reason) { return os << to_string(reason); }
/// Writes `to_string(status)`.
inline std::ostream& operator<<(std::ostream& os, Status status) { return os << to_string(status); }

/// The outcome of `validar`. On success every present claim is filled in; on failure only
/// `valid`, `status` and `reason` are set (and `jti` when the token is revoked). A
/// default-constructed result is a consistent refusal (`invalid`, never "valid").
template <class Action>
struct BasicVerificationResult {
  bool valid = false;                        ///< true exactly when `reason` is `Reason::none`
  Status status = Status::invalid;           ///< the coarse outcome: valid, expired, revoked or invalid
  std::optional<std::string> sub{};          ///< the `sub` claim
  std::optional<Action> action{};            ///< the `action` claim, as an enumerator of `Action`
  std::optional<std::int64_t> age{};         ///< now - iat; nullopt without iat
  std::optional<std::int64_t> expires_in{};  ///< exp - now; nullopt when the token has no exp
  std::optional<std::string> aud{};          ///< a list aud reports the member that matched (else the first)
  std::optional<nlohmann::json> extra_data{};  ///< the `extra_data` object; nullopt when absent
  Reason reason = Reason::invalid;             ///< why the token was refused; `Reason::none` when valid
  std::optional<std::string> jti{};            ///< the `jti` claim (also set when the token is revoked)

  /// True exactly when the token is valid: `if (auto r = service.validar(t)) ...`.
  explicit operator bool() const noexcept { return valid; }
};

/// The result of `Service::validar`, for the built-in JWTAction.
using VerificationResult = BasicVerificationResult<JWTAction>;

}  // namespace jwtservice
