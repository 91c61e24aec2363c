// The Lua scripts of the Redis rate limiter and of the fused validation check, in one place so
// that both take a token from a bucket by the same arithmetic, and the EVALSHA/EVAL dance that
// runs them.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include "jwtservice/detail/redis_connection.hpp"

namespace jwtservice::detail {

/// A script and the SHA-1 EVALSHA names it by.
class RedisScript {
 public:
  explicit RedisScript(std::string text);

  /// Runs the script with `keys` and `args`: EVALSHA, then EVAL once when the server does not
  /// know it yet (NOSCRIPT), which also loads it for next time. Returns the reply, an error
  /// reply too; throws StoreError when the server could not be reached.
  [[nodiscard]] RedisReply run(RedisConnectionPool& pool, std::initializer_list<std::string_view> keys,
                               std::initializer_list<std::string_view> args) const;

 private:
  std::string text_;
  std::string sha1_;
};

/// The rate limiter's script: KEYS[1] the bucket, ARGV[1] the limit per minute; returns 1 when a
/// token was taken, else 0.
[[nodiscard]] const RedisScript& bucket_script();

/// Step 2 and steps 17-18 of a validation in one command: KEYS[1] the bucket, KEYS[2] the
/// revocation key of the jti, ARGV[1] the limit per minute. Returns 0 when the bucket is empty
/// (the revocation key is not looked at), 1 when a token was taken and the jti is not revoked,
/// 2 when a token was taken and the jti is revoked.
[[nodiscard]] const RedisScript& fused_validation_script();

}  // namespace jwtservice::detail
