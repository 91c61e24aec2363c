// The RevocationStore concept, the type-erased handle ServiceOptions holds, and the TTL rule
// every store shares.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "jwtservice/detail/saturating.hpp"

namespace jwtservice {

/// What a store may keep next to a revoked jti.
struct RevocationMetadata {
  std::optional<std::string> reason{};  ///< why the token was revoked (`revogar`'s reason), if given
};

/// A place that remembers revoked token ids until their TTL passes. Both calls must be safe
/// from many threads and signal failure by throwing (any exception): the service then fails
/// closed. A minimal conforming store:
/// ```
/// struct MyStore {
///   bool is_revoked(std::string_view jti);            // revoked and not yet expired
///   bool revoke(std::string_view jti, std::int64_t ttl_seconds,
///               const jwtservice::RevocationMetadata& meta);  // true = inserted now;
/// };                                                   // false when present or ttl <= 0
/// ```
/// `revoke` must be one atomic insert-if-absent: `consumir` relies on exactly one caller
/// seeing true.
template <class S>
concept RevocationStore = requires(S& s, std::string_view jti, std::int64_t ttl,
                                   const RevocationMetadata& m) {
  { s.is_revoked(jti) } -> std::convertible_to<bool>;
  { s.revoke(jti, ttl, m) } -> std::convertible_to<bool>;
};

/// A shared, type-erased reference to any RevocationStore; empty means revocation is off.
/// Assign a `std::shared_ptr<S>` to it: `options.revocation_store = std::make_shared<S>();`.
class RevocationStoreHandle {
 public:
  /// An empty handle: revocation is off.
  RevocationStoreHandle() = default;

  /// Shares `store`; a null pointer makes an empty handle.
  template <RevocationStore S>
  RevocationStoreHandle(
      std::shared_ptr<S> store)  // NOLINT(google-explicit-constructor): assignable by design
      : store_(std::move(store)),
        is_revoked_(store_ ? &is_revoked_thunk<S> : nullptr),
        revoke_(store_ ? &revoke_thunk<S> : nullptr) {}

  /// True when the handle holds a store.
  [[nodiscard]] explicit operator bool() const noexcept { return store_ != nullptr; }

  /// Forwards to the store; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool is_revoked(std::string_view jti) const { return is_revoked_(store_.get(), jti); }

  /// Forwards to the store; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool revoke(std::string_view jti, std::int64_t ttl_seconds,
                            const RevocationMetadata& meta) const {
    return revoke_(store_.get(), jti, ttl_seconds, meta);
  }

 private:
  template <class S>
  static bool is_revoked_thunk(void* s, std::string_view jti) {
    return static_cast<bool>(static_cast<S*>(s)->is_revoked(jti));
  }
  template <class S>
  static bool revoke_thunk(void* s, std::string_view jti, std::int64_t ttl, const RevocationMetadata& meta) {
    return static_cast<bool>(static_cast<S*>(s)->revoke(jti, ttl, meta));
  }

  std::shared_ptr<void> store_;
  bool (*is_revoked_)(void*, std::string_view) = nullptr;
  bool (*revoke_)(void*, std::string_view, std::int64_t, const RevocationMetadata&) = nullptr;
};

/// The TTL, in seconds, of a revocation that never ends: a century.
inline constexpr std::int64_t permanent_ttl = std::int64_t{100} * 366 * 24 * 3600;

/// The TTL given to a store for a jti, in one place for every store and every call:
/// `exp - now + leeway`, capped by `ttl_max`. A token without exp gets `ttl_max`, or else
/// `permanent_ttl` (it would be valid forever otherwise). Nullopt when exp is already past
/// (nothing to revoke).
[[nodiscard]] constexpr std::optional<std::int64_t> revocation_ttl(
    std::optional<std::int64_t> exp, std::int64_t now, std::int64_t leeway,
    std::optional<std::int64_t> ttl_max) noexcept {
  std::int64_t ttl = 0;
  if (!exp) {
    ttl = ttl_max.value_or(permanent_ttl);
  } else {
    ttl = detail::sat_add(detail::sat_sub(*exp, now), leeway);
    if (ttl > permanent_ttl) ttl = permanent_ttl;
    if (ttl_max && *ttl_max < ttl) ttl = *ttl_max;
  }
  return ttl > 0 ? std::optional<std::int64_t>{ttl} : std::nullopt;
}

}  // namespace jwtservice
