// RedisRateLimiter: the token bucket as one Lua script on the server's clock (src/redis_scripts.cpp).
// When Redis does not answer it throws; the service's limits fall back to their local bucket
// (src/engine/limits.cpp).
#include "jwtservice/redis_rate_limiter.hpp"

#include <atomic>
#include <string>
#include <utility>

#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/errors.hpp"
#include "redis_scripts.hpp"

namespace jwtservice {

struct RedisRateLimiter::Impl {
  std::string prefix;
  detail::RedisConnectionPool pool;
  std::atomic<bool> degraded{false};

  Impl(RedisUrl url, const RedisOptions& options) : prefix(options.prefix), pool(std::move(url), options) {}

  /// The shared verdict; throws when Redis does not give one.
  bool shared(std::string_view key, std::string_view per_minute) {
    const auto reply = detail::bucket_script().run(pool, {key}, {per_minute});
    if (reply.type != detail::RedisReply::Type::integer) {
      pool.unexpected_reply("the rate-limit script", reply);
    }
    return reply.integer == 1;
  }
};

RedisRateLimiter::RedisRateLimiter(std::string_view url, const RedisOptions& options) {
  detail::check_redis_options(options);
  impl_ = std::make_unique<Impl>(RedisUrl::parse(url), options);
}

RedisRateLimiter::RedisRateLimiter(const Config& config, const RedisOptions& options)
    : RedisRateLimiter(detail::redis_url_of(config), detail::with_config(config, options)) {}

RedisRateLimiter::~RedisRateLimiter() = default;

std::string RedisRateLimiter::key_for(std::string_view operation) const {
  std::string key;
  key.reserve(impl_->prefix.size() + 10 + operation.size());
  key += impl_->prefix;
  key += "ratelimit:";
  key += operation;
  return key;
}

bool RedisRateLimiter::degraded() const noexcept { return impl_->degraded.load(); }

const RedisUrl& RedisRateLimiter::url() const noexcept { return impl_->pool.url(); }

void RedisRateLimiter::answered(bool by_redis) noexcept {
  // Only a read on the common path: the flag is written when it changes.
  if (impl_->degraded.load(std::memory_order_relaxed) == by_redis) {
    impl_->degraded.store(!by_redis, std::memory_order_relaxed);
  }
}

bool RedisRateLimiter::try_acquire(std::string_view operation, std::int64_t per_minute) {
  if (per_minute <= 0) return true;
  try {
    const bool taken = impl_->shared(key_for(operation), std::to_string(per_minute));
    answered(true);
    return taken;
  } catch (...) {
    answered(false);
    throw;
  }
}

}  // namespace jwtservice
