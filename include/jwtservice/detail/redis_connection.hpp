// The Redis connection pool the Redis store and rate limiter share: hiredis contexts with
// connect and command timeouts, AUTH and SELECT, replaced after any failure. hiredis itself
// stays in src/redis_connection.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/export.hpp"
#include "jwtservice/redis_options.hpp"

namespace jwtservice {
struct Config;
}

namespace jwtservice::detail {

/// One Redis reply, copied out of hiredis.
struct RedisReply {
  enum class Type { nil, status, string, integer, array, error };
  Type type = Type::nil;
  std::string text{};  ///< status, string and error replies
  std::int64_t integer = 0;
  std::vector<RedisReply> elements{};

  [[nodiscard]] bool is_status(std::string_view s) const { return type == Type::status && text == s; }
};

/// The largest reply a command may receive (1 MiB, all bytes of the reply together): larger is
/// a failure and the connection is dropped, so a broken or hostile server cannot make the
/// process grow. Revocation, rate-limit and INFO replies are a few hundred bytes.
inline constexpr std::size_t max_reply_bytes = std::size_t{1} << 20;

/// The most array elements one reply may declare, all arrays together, checked before they
/// are allocated.
inline constexpr long long max_reply_elements = 1 << 16;

/// Runs one command on a connection being opened: the reply (an error reply too), or a
/// StoreError when it could not be sent or received.
using RedisCommandFn = std::function<RedisReply(const std::vector<std::string_view>&)>;

class RedisConnectionPool;

/// Looks at a connection just opened (after AUTH and SELECT), before any caller uses it; a
/// StoreError it throws (`pool.fail(...)`) refuses the connection (the call fails, and so does
/// every call until a later connection passes).
using RedisConnectCheck = std::function<void(const RedisCommandFn& command, const RedisConnectionPool& pool)>;

/// At most `options.pool_size` blocking connections to one server, opened on demand. A call
/// borrows an idle connection (or opens one, or waits for one to come back), runs one command
/// and returns it. A connection that fails in any way is closed, never reused; a command that
/// fails on a connection which had worked before is retried once on a fresh connection, so the
/// first call after a server restart succeeds. Each command, sending and receiving, must finish
/// within `options.command_timeout` and its reply stay within the caps above. Thread-safe.
class RedisConnectionPool {
 public:
  /// No connection is made here. `options` must have been checked (positive timeouts, a pool
  /// of at least one). `on_open`, when set, checks every new connection.
  RedisConnectionPool(RedisUrl url, const RedisOptions& options, RedisConnectCheck on_open = {});
  ~RedisConnectionPool();
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

  /// Runs one command (binary-safe arguments). An error reply is returned as such; a failure
  /// to connect, send or receive (timeouts included) throws StoreError naming the server
  /// (never the password).
  RedisReply command(std::initializer_list<std::string_view> args);
  RedisReply command(const std::vector<std::string_view>& args);

  /// A write followed by `WAIT replicas <command_timeout>` on the same connection, both sent
  /// at once: the write's reply, or a StoreError when fewer than `replicas` replicas
  /// acknowledged it in time (the write may then be on the primary: the safe direction for a
  /// revocation). `replicas <= 0` is `command(args)`. An error or nil reply to the write (it
  /// wrote nothing: `SET NX` found the key) is returned as such, WAIT's answer unread.
  RedisReply command_then_wait(const std::vector<std::string_view>& args, int replicas);

  /// `redis://host:port/db` for messages.
  [[nodiscard]] const std::string& name() const noexcept;

  /// Where the connections go (password included: never print it; `name()` is for messages).
  [[nodiscard]] const RedisUrl& url() const noexcept;

  /// Throws StoreError("Redis at NAME: what[: detail]"), the form of every Redis failure.
  [[noreturn]] void fail(std::string_view what, std::string_view detail = {}) const;

  /// Throws the StoreError for a reply `command` should not have had: an error reply, or
  /// another type than the one expected.
  [[noreturn]] void unexpected_reply(std::string_view command, const RedisReply& reply) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `host:port`, an IPv6 address in brackets: for messages (RedisUrl::redacted and the pool's).
[[nodiscard]] JWTSERVICE_API std::string endpoint_name(const std::string& host, int port);

/// `config.redis_url`, or a ConfigError naming JWTSERVICE_REDIS_URL when it is not set.
[[nodiscard]] std::string redis_url_of(const Config& config);

/// `options` completed from `config`: the fields still at their defaults take the config's
/// values (JWTSERVICE_REDIS_PREFIX, JWTSERVICE_REDIS_MIN_REPLICAS); eviction is allowed when
/// either allows it (JWTSERVICE_REDIS_ALLOW_EVICTION). Options given in code win.
[[nodiscard]] RedisOptions with_config(const Config& config, const RedisOptions& options);

/// The largest RedisOptions::min_replicas (config.hpp's max_redis_min_replicas).
inline constexpr int max_min_replicas = 64;

/// Checks what every Redis user checks: positive timeouts, a pool of 1 to 1024 connections.
/// Throws ConfigError naming the field.
void check_redis_options(const RedisOptions& options);

}  // namespace jwtservice::detail
