// RedisRateLimiter: one token bucket per operation in Redis, shared by every instance of a
// service. Needs hiredis (CMake option JWTSERVICE_WITH_REDIS).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "jwtservice/export.hpp"
#include "jwtservice/rate_limiter.hpp"
#include "jwtservice/redis_options.hpp"

namespace jwtservice {

struct Config;  // config.hpp; taken by reference only, so nlohmann/json stays out of this header

/// A RateLimiter whose buckets live in Redis (key `<prefix>ratelimit:<operation>`), so that
/// every instance of a service draws on one budget per operation. Plug it into the service:
/// ```
/// auto limiter = std::make_shared<jwtservice::RedisRateLimiter>(config);
/// jwtservice::Service service{config, {.rate_limiter = limiter}};
/// ```
///
/// Guarantees: each `try_acquire` is one Lua script (EVALSHA, EVAL when the server does not
/// know it yet) that runs atomically on the server and reads the server's `TIME`, so instances
/// whose clocks disagree still share one exact bucket: capacity `per_minute`, refilled at
/// per_minute/60 per second (GCRA, like TokenBucket, in whole microseconds: limits above
/// 60 000 000 per minute act as 60 000 000). Idle buckets expire from Redis once full again.
///
/// Failures: when Redis does not answer, `try_acquire` throws StoreError. The service then
/// takes that call's token from its own in-process bucket of the same limit (rate limits fail
/// open to the local limit, where revocation fails closed) and logs the outage once and the
/// recovery once: that fall-back lives in the service, for every RateLimiter, not here.
/// Thread-safe.
///
/// With a RedisRevocationStore on the same server, a service takes each validation's token in
/// the store's one fused command instead (RedisRevocationStore::fuse_with); when that command
/// fails, the service asks this limiter on its own connections, which `degraded()` reports.
class JWTSERVICE_API RedisRateLimiter {
 public:
  /// Throws ConfigError for a malformed URL or options; connects on first use.
  explicit RedisRateLimiter(std::string_view url, const RedisOptions& options = {});

  /// The URL and prefix of `config` (JWTSERVICE_REDIS_URL, JWTSERVICE_REDIS_PREFIX; a prefix
  /// given in `options` wins). Throws ConfigError when the URL is not set.
  explicit RedisRateLimiter(const Config& config, const RedisOptions& options = {});

  ~RedisRateLimiter();
  RedisRateLimiter(const RedisRateLimiter&) = delete;
  RedisRateLimiter& operator=(const RedisRateLimiter&) = delete;

  /// Takes one token from the bucket `operation` holding `per_minute` tokens; true when one was
  /// taken. per_minute <= 0 means unlimited (true, no call). Throws StoreError when Redis does
  /// not give a verdict (unreachable, too slow, an error reply).
  [[nodiscard]] bool try_acquire(std::string_view operation, std::int64_t per_minute);

  /// True from a call that could not reach Redis until the next one that did.
  [[nodiscard]] bool degraded() const noexcept;

  /// The key that holds the bucket of `operation`: `<prefix>ratelimit:<operation>`.
  [[nodiscard]] std::string key_for(std::string_view operation) const;

 private:
  friend class RedisRevocationStore;  // the fused check takes this limiter's tokens

  /// Where this limiter's connections go (password included: never print it).
  [[nodiscard]] const RedisUrl& url() const noexcept;

  /// Records whether Redis gave the last verdict, for degraded().
  void answered(bool by_redis) noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(RateLimiter<RedisRateLimiter>);

}  // namespace jwtservice
