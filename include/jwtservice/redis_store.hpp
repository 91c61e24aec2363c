// RedisRevocationStore: revocations in a Redis server shared by every instance of a service.
// Needs hiredis (CMake option JWTSERVICE_WITH_REDIS).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
class RedisRevocationStore {
 public:
  /// **Example**: `auto store = std::make_shared<RedisRevocationStore>("redis://127.0.0.1:6379/0");`
  /// Throws ConfigError for a malformed URL or options; connects on first use.
  explicit RedisRevocationStore(std::string_view url, const RedisOptions& options = {});

  /// The URL and prefix of `config` (JWTSERVICE_REDIS_URL, JWTSERVICE_REDIS_PREFIX; the
  /// config's prefix replaces `options.prefix`). Throws ConfigError when the URL is not set.
  explicit RedisRevocationStore(const Config& config, const RedisOptions& options = {});

  ~RedisRevocationStore();
  RedisRevocationStore(const RedisRevocationStore&) = delete;
  RedisRevocationStore& operator=(const RedisRevocationStore&) = delete;

  /// True while the key of `jti` exists (Redis drops it when its TTL passes).
  [[nodiscard]] bool is_revoked(std::string_view jti);

  /// `SET <prefix>revoked:<jti> <reason> NX EX <ttl>`: true when this call created the key,
  /// false when it existed already or ttl <= 0 (no call is made then).
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);

  /// Round-trips a PING; throws StoreError when the server does not answer. For start-up checks.
  void ping();

  /// The key that holds `jti`: `<prefix>revoked:<jti>`.
  [[nodiscard]] std::string key_for(std::string_view jti) const;

 private:
  std::string prefix_;
  std::unique_ptr<detail::RedisConnectionPool> pool_;
};

static_assert(RevocationStore<RedisRevocationStore>);

}  // namespace jwtservice
