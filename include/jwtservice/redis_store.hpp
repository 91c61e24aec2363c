// RedisRevocationStore: revocations in a Redis server shared by every instance of a service, and
// the Redis connection settings (URL, prefix, timeouts). Needs hiredis (CMake option
// JWTSERVICE_WITH_REDIS).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "jwtservice/config.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// Where a Redis server is, from a URL `redis://[[user]:password@]host[:port][/db]`:
/// `redis://127.0.0.1:6380/2`, `redis://:s3cret@cache.internal:6379`, `redis://[::1]:6380`.
/// The port defaults to 6379 and the database to 0; the password may be percent-encoded
/// (`%40` for `@`). TLS (`rediss://`), Unix sockets and query parameters are not supported.
struct RedisUrl {
  std::string host;
  int port = 6379;
  std::optional<std::string> username{};  ///< Redis 6 ACL user; none = AUTH with the password only
  std::optional<std::string> password{};
  std::int64_t db = 0;

  /// Throws ConfigError saying what is wrong; the message never contains the password.
  [[nodiscard]] static RedisUrl parse(std::string_view url);

  /// `redis://host:port/db`, with `***` for a password: safe to log.
  [[nodiscard]] std::string redacted() const;
};

/// How the Redis store and rate limiter use their server. Every field has a default;
/// designated initializers work: `RedisOptions{.prefix = "app1:", .pool_size = 2}`.
struct RedisOptions {
  /// Starts every key, so that several applications can share one server:
  /// `<prefix>revoked:<jti>` and `<prefix>ratelimit:<operation>`.
  std::string prefix = "jwtservice:";
  /// How long opening the TCP connection to the server may take before it fails.
  std::chrono::milliseconds connect_timeout{500};
  /// How long one command (AUTH and SELECT included) may wait for its answer before it fails.
  std::chrono::milliseconds command_timeout{500};
  /// After a failed connection attempt, further calls fail at once (no new attempt) for this
  /// long, so that an unreachable server costs one connect timeout per interval, not per call.
  /// 0 = try again on every call.
  std::chrono::milliseconds reconnect_backoff{200};
  /// Connections kept open at most; each call borrows one for its single command.
  std::size_t pool_size = 4;
};

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
