// The RevocationStore concept, the type-erased handle ServiceOptions holds, the optional fused
// check of a store and a limiter on one server, and the TTL rule every store shares.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/rate_limiter.hpp"

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

/// What a fused check answers (FusedCheck).
enum class FusedVerdict {
  rate_limited,  ///< the limiter's bucket was empty; the jti was not looked at
  not_revoked,   ///< a token was taken and the jti is not revoked
  revoked,       ///< a token was taken and the jti is revoked
};

/// A validation's rate limit (step 2) and revocation check (steps 17-18) in one round trip, for
/// a store and a shared limiter that live in one server: takes one token from the limiter's
/// bucket `operation` holding `per_minute` tokens (per_minute > 0) and, only when one was
/// taken, looks `jti` up. Safe from many threads. It throws when it cannot answer: the service
/// then asks the limiter on its own (its local bucket if that fails too) and the store's
/// `is_revoked` (docs/stores-and-faults.md, "One command per validation").
using FusedCheck =
    std::function<FusedVerdict(std::string_view operation, std::int64_t per_minute, std::string_view jti)>;

/// A store that can answer a validation together with a limiter on its own server offers, besides
/// the RevocationStore calls, `fuse_with(limiter)`: a FusedCheck when `limiter` holds a limiter it
/// can reach in the same command, else an empty one. The check may refer to the store and the
/// limiter; the service keeps both alive while it uses the check. RedisRevocationStore fuses with
/// a RedisRateLimiter on the same server, database and user.
template <class S>
concept FusingRevocationStore = RevocationStore<S> && requires(S& s, const RateLimiterHandle& limiter) {
  { s.fuse_with(limiter) } -> std::convertible_to<FusedCheck>;
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
        revoke_(store_ ? &revoke_thunk<S> : nullptr),
        fuse_with_(store_ ? fuse_with_of<S>() : nullptr) {}

  /// True when the handle holds a store.
  [[nodiscard]] explicit operator bool() const noexcept { return store_ != nullptr; }

  /// Forwards to the store; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool is_revoked(std::string_view jti) const { return is_revoked_(store_.get(), jti); }

  /// Forwards to the store; its exceptions propagate. Requires a non-empty handle.
  [[nodiscard]] bool revoke(std::string_view jti, std::int64_t ttl_seconds,
                            const RevocationMetadata& meta) const {
    return revoke_(store_.get(), jti, ttl_seconds, meta);
  }

  /// The store's FusedCheck with `limiter`; empty when the store does not fuse (see
  /// FusingRevocationStore), when `limiter` is not on its server, or when either is empty.
  [[nodiscard]] FusedCheck fuse_with(const RateLimiterHandle& limiter) const {
    return fuse_with_ != nullptr && limiter ? fuse_with_(store_.get(), limiter) : FusedCheck{};
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
  using FuseWith = FusedCheck (*)(void*, const RateLimiterHandle&);
  template <class S>
  static FusedCheck fuse_with_thunk(void* s, const RateLimiterHandle& limiter) {
    return static_cast<S*>(s)->fuse_with(limiter);
  }
  template <class S>
  static constexpr FuseWith fuse_with_of() noexcept {
    if constexpr (FusingRevocationStore<S>) {
      return &fuse_with_thunk<S>;
    } else {
      return nullptr;
    }
  }

  std::shared_ptr<void> store_;
  bool (*is_revoked_)(void*, std::string_view) = nullptr;
  bool (*revoke_)(void*, std::string_view, std::int64_t, const RevocationMetadata&) = nullptr;
  FuseWith fuse_with_ = nullptr;
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
