// The Redis connection pool the Redis store and rate limiter share: hiredis contexts with
// connect and command timeouts, AUTH and SELECT, replaced after any failure. hiredis itself
// stays in src/redis_connection.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

/// At most `options.pool_size` blocking connections to one server, opened on demand. A call
/// borrows an idle connection (or opens one, or waits for one to come back), runs one command
/// and returns it. A connection that fails in any way is closed, never reused; a command that
/// fails on a connection which had worked before is retried once on a fresh connection, so the
/// first call after a server restart succeeds. Thread-safe.
class RedisConnectionPool {
 public:
  /// No connection is made here. `options` must have been checked (positive timeouts, a pool
  /// of at least one).
  RedisConnectionPool(RedisUrl url, const RedisOptions& options);
  ~RedisConnectionPool();
  RedisConnectionPool(const RedisConnectionPool&) = delete;
  RedisConnectionPool& operator=(const RedisConnectionPool&) = delete;

  /// Runs one command (binary-safe arguments). An error reply is returned as such; a failure
  /// to connect, send or receive (timeouts included) throws StoreError naming the server
  /// (never the password).
  RedisReply command(std::initializer_list<std::string_view> args);
  RedisReply command(const std::vector<std::string_view>& args);

  /// `redis://host:port/db` for messages.
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `config.redis_url`, or a ConfigError naming JWTSERVICE_REDIS_URL when it is not set.
[[nodiscard]] std::string redis_url_of(const Config& config);

/// `options` with the prefix of `config` (JWTSERVICE_REDIS_PREFIX).
[[nodiscard]] RedisOptions with_prefix_of(const Config& config, const RedisOptions& options);

/// Checks what every Redis user checks: positive timeouts, a pool of 1 to 1024 connections.
/// Throws ConfigError naming the field.
void check_redis_options(const RedisOptions& options);

}  // namespace jwtservice::detail
