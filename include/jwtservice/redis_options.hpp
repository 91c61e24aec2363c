// Where the Redis server is (RedisUrl) and how the Redis store and rate limiter use it
// (RedisOptions). Only useful with the library built with JWTSERVICE_WITH_REDIS (hiredis).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/export.hpp"

namespace jwtservice {

/// A host and port.
struct RedisEndpoint {
  std::string host;  ///< a name or an address; an IPv6 address without its brackets
  int port = 26379;  ///< the TCP port

  /// Same host (as written) and port.
  friend bool operator==(const RedisEndpoint&, const RedisEndpoint&) = default;
};

/// Where a Redis server is, from a URL `redis://[[user]:password@]host[:port][/db]`:
/// `redis://127.0.0.1:6380/2`, `redis://:s3cret@cache.internal:6379`, `redis://[::1]:6380`,
/// or `rediss://...` for TLS; or where the sentinels that know it are, from
/// `redis+sentinel://[[user]:password@]host1[:port1][,host2[:port2]...]/SERVICE[/db]`
/// (`rediss+sentinel://` for TLS to the sentinels and the primary; docs/redis-in-production.md).
/// The port defaults to 6379 (26379 for a sentinel) and the database to 0; the password may be
/// percent-encoded (`%40` for `@`) and authenticates to the primary. Unix sockets and query
/// parameters are not supported.
struct JWTSERVICE_API RedisUrl {
  bool tls = false;  ///< `rediss://`: TLS 1.2+ with the server verified
  /// `redis+sentinel://`: the sentinels to ask for SERVICE's primary, in the URL's order
  /// (`host` and `port` are then unused); empty for a plain URL.
  std::vector<RedisEndpoint> sentinels{};
  std::string service{};                  ///< the sentinels' name of the primary (SERVICE)
  std::string host;                       ///< a name or an address; an IPv6 address without its brackets
  int port = 6379;                        ///< the TCP port
  std::optional<std::string> username{};  ///< Redis 6 ACL user; none = AUTH with the password only
  std::optional<std::string> password{};  ///< decoded; never printed (see `redacted`)
  std::int64_t db = 0;                    ///< the database number (SELECT)

  /// Throws ConfigError saying what is wrong; the message never contains the password.
  [[nodiscard]] static RedisUrl parse(std::string_view url);

  /// `redis://host:port/db` (`rediss://` for TLS; `redis+sentinel://h1:p1,h2:p2/SERVICE/db`),
  /// with `***` for a password: safe to log.
  [[nodiscard]] std::string redacted() const;
};

/// The most sentinels a `redis+sentinel://` URL may name.
inline constexpr std::size_t max_sentinels = 16;

/// How the Redis store and rate limiter use their server. Every field has a default;
/// designated initializers work: `RedisOptions{.prefix = "app1:", .pool_size = 2}`.
struct RedisOptions {
  /// Starts every key, so that several applications can share one server:
  /// `<prefix>revoked:<jti>` and `<prefix>ratelimit:<operation>`.
  std::string prefix = "jwtservice:";
  /// How long opening the TCP connection to the server may take before it fails.
  std::chrono::milliseconds connect_timeout{500};
  /// How long one command (AUTH, SELECT and INFO included) may take, from sending it to the
  /// last byte of its reply, before it fails; a reply also fails past 1 MiB.
  std::chrono::milliseconds command_timeout{500};
  /// After a failed connection attempt, further calls fail at once (no new attempt) for this
  /// long, so that an unreachable server costs one connect timeout per interval, not per call.
  /// 0 = try again on every call.
  std::chrono::milliseconds reconnect_backoff{200};
  /// Connections kept open at most; each call borrows one for its single command.
  std::size_t pool_size = 4;
  /// The revocation store refuses (fails closed on) a server that may evict keys: `maxmemory`
  /// set with a `maxmemory-policy` other than `noeviction`, which would silently drop
  /// revocations when memory fills. True accepts that risk (a warning is logged once per
  /// connection); JWTSERVICE_REDIS_ALLOW_EVICTION=1 does the same from a Config. The rate
  /// limiter ignores it.
  bool allow_eviction = false;
  /// Replicas that must acknowledge a revocation (and so a consumption) before it counts:
  /// after the write the store sends `WAIT min_replicas <command_timeout>` on the same
  /// connection, and fewer acknowledgements is a StoreError. The key may then exist on the
  /// primary (the safe direction): a retried revoke returns false, a retried consume answers
  /// `revoked`. 0 (the default) sends no WAIT; the rate limiter never waits. 0 to 64.
  /// JWTSERVICE_REDIS_MIN_REPLICAS does the same from a Config (a non-zero value here wins).
  int min_replicas = 0;

  // TLS (`rediss://` URLs; ignored for `redis://`). The server's certificate is always verified
  // and its name checked: there is no switch that turns verification off. A file that cannot
  // be read or a key that does not match its certificate is a ConfigError when the store or
  // limiter is built. Each field, when empty, takes the config's value.

  /// PEM file of the CAs that may sign the server's certificate; when set it replaces the
  /// system's CAs. JWTSERVICE_REDIS_CA_FILE.
  std::string ca_file{};
  /// PEM client certificate (chain) and its private key, for servers that require one
  /// (`tls-auth-clients yes`); both or neither. JWTSERVICE_REDIS_CERT_FILE, JWTSERVICE_REDIS_KEY_FILE.
  std::string cert_file{};
  std::string key_file{};  ///< never printed, nor anything read from it
  /// The name to check the certificate against and to send as SNI, when it is not the URL's
  /// host (an address, or a name behind a tunnel). JWTSERVICE_REDIS_TLS_SERVER_NAME.
  std::string tls_server_name{};
  /// The password the sentinels of a `redis+sentinel://` URL require (`requirepass` in
  /// sentinel.conf); empty = none. The URL's credentials are the primary's.
  /// JWTSERVICE_REDIS_SENTINEL_PASSWORD.
  std::string sentinel_password{};
};

}  // namespace jwtservice
