// RedisRevocationStore: revocations in a Redis server shared by every instance of a service.
// Needs hiredis (CMake option JWTSERVICE_WITH_REDIS).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "jwtservice/export.hpp"
#include "jwtservice/logger.hpp"
#include "jwtservice/redis_options.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

struct Config;  // config.hpp; taken by reference only, so nlohmann/json stays out of this header

namespace detail {
class RedisConnectionPool;
}

/// Revoked jtis as Redis keys `<prefix>revoked:<jti>` holding the reason ("" for none), each
/// with the revocation's TTL as its Redis expiry: Redis forgets them on its own, and the store
/// takes no Clock (the server's clock decides when an entry expires).
///
/// Guarantees: `revoke` is one atomic `SET key reason NX EX ttl`, so of any number of threads
/// or processes revoking one jti exactly one sees true; `is_revoked` is one `EXISTS`.
/// Thread-safe: calls borrow a connection from a small pool (RedisOptions::pool_size).
/// Connections open lazily (constructing the store needs no server; `ping()` checks one) and
/// a connection that failed is replaced on the next call, so a restarted server is used again
/// without restarting the service. Every failure (unreachable server, timeout, error reply)
/// throws StoreError: the service then fails closed (`store_unavailable`, `StoreError`).
/// TTLs beyond `permanent_ttl` (a century) are clamped to it.
///
/// Bad days (docs/stores-and-faults.md): each command and its whole reply must finish within
/// `command_timeout` and stay under 1 MiB; a server that is slower, drips its reply or sends
/// too much is dropped and the call fails. Each new connection reads `INFO memory` and is
/// refused when the server may evict keys (`maxmemory` > 0 with a `maxmemory-policy` other
/// than `noeviction`) unless RedisOptions::allow_eviction (JWTSERVICE_REDIS_ALLOW_EVICTION=1)
/// accepts the risk; refused, or when INFO itself is refused, every call fails closed.
class JWTSERVICE_API RedisRevocationStore {
 public:
  /// **Example**: `auto store = std::make_shared<RedisRevocationStore>("redis://127.0.0.1:6379/0");`
  /// Throws ConfigError for a malformed URL or options; connects on first use. `logger`
  /// receives the eviction warning (default: stderr_logger()).
  explicit RedisRevocationStore(std::string_view url, const RedisOptions& options = {}, Logger logger = {});

  /// The URL, prefix, eviction rule and replica count of `config` (JWTSERVICE_REDIS_URL,
  /// JWTSERVICE_REDIS_PREFIX, JWTSERVICE_REDIS_ALLOW_EVICTION, JWTSERVICE_REDIS_MIN_REPLICAS).
  /// Options given in code win: a field of `options` other than its default is kept; eviction
  /// is allowed when either allows it. Throws ConfigError when the URL is not set.
  explicit RedisRevocationStore(const Config& config, const RedisOptions& options = {}, Logger logger = {});

  ~RedisRevocationStore();
  RedisRevocationStore(const RedisRevocationStore&) = delete;
  RedisRevocationStore& operator=(const RedisRevocationStore&) = delete;

  /// True while the key of `jti` exists (Redis drops it when its TTL passes).
  [[nodiscard]] bool is_revoked(std::string_view jti);

  /// `SET <prefix>revoked:<jti> <reason> NX EX <ttl>`: true when this call created the key,
  /// false when it existed already or ttl <= 0 (no call is made then). With
  /// RedisOptions::min_replicas, `WAIT` follows, and fewer acknowledging replicas throw
  /// StoreError (the key may then exist on the primary: a retry returns false).
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);

  /// For the service, which calls it once when built with this store and a limiter: when
  /// `limiter` holds a RedisRateLimiter on the same server as this store (scheme, host as
  /// written, case aside, port or the same sentinels and service, database, user and password;
  /// the prefixes may differ), a check that takes a
  /// validation's rate-limit token and looks its jti up in one script on this store's
  /// connections (docs/stores-and-faults.md, "One command per validation"); else an empty one.
  /// The check refers to both objects, which must outlive it.
  [[nodiscard]] FusedCheck fuse_with(const RateLimiterHandle& limiter);

  /// Round-trips a PING; throws StoreError when the server does not answer. For start-up checks.
  void ping();

  /// The key that holds `jti`: `<prefix>revoked:<jti>`.
  [[nodiscard]] std::string key_for(std::string_view jti) const;

 private:
  std::string prefix_;
  int min_replicas_ = 0;
  std::unique_ptr<detail::RedisConnectionPool> pool_;
};

static_assert(FusingRevocationStore<RedisRevocationStore>);

}  // namespace jwtservice
