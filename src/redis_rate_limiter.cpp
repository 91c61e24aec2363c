// RedisRateLimiter: the token bucket as one Lua script on the server's clock. When Redis does
// not answer it throws; the service's limits fall back to their local bucket (src/engine/limits.cpp).
#include "jwtservice/redis_rate_limiter.hpp"

#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <string>
#include <utility>

#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice {
namespace {

// GCRA (the form of a token bucket TokenBucket uses) in whole microseconds of the server's
// clock: the bucket is one number, its "theoretical arrival time". KEYS[1] is the bucket,
// ARGV[1] the limit per minute; returns 1 when a token was taken, else 0. Numbers stay below
// 2^53, so Lua's doubles hold them exactly. The key expires when the bucket would be full
// again, so idle buckets leave nothing behind. redis.replicate_commands() lets Redis < 5 write
// after reading TIME; later versions always replicate effects and ignore it.
constexpr std::string_view kScript = R"LUA(
if redis.replicate_commands then redis.replicate_commands() end
local per_minute = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = math.max(1, math.floor(60000000 / per_minute))
local burst = interval * per_minute
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat or tat < now then tat = now end
local next_tat = tat + interval
if next_tat - now > burst then return 0 end
redis.call('SET', KEYS[1], string.format('%.0f', next_tat), 'PX',
           string.format('%.0f', math.ceil((next_tat - now) / 1000)))
return 1
)LUA";

/// The SHA-1 of the script in lower-case hex, as EVALSHA wants it.
std::string script_sha1() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(kScript.data(), kScript.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1) {
    throw Error("RedisRateLimiter: cannot compute the SHA-1 of its script");
  }
  std::string hex;
  hex.reserve(std::size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += detail::hex_digits[digest[i] >> 4];
    hex += detail::hex_digits[digest[i] & 0xFU];
  }
  return hex;
}

}  // namespace

struct RedisRateLimiter::Impl {
  std::string prefix;
  detail::RedisConnectionPool pool;
  std::string sha1 = script_sha1();
  std::atomic<bool> degraded{false};

  Impl(RedisUrl url, const RedisOptions& options) : prefix(options.prefix), pool(std::move(url), options) {}

  /// The shared verdict; throws when Redis does not give one.
  bool shared(std::string_view key, std::string_view per_minute) {
    auto reply = pool.command({"EVALSHA", sha1, "1", key, per_minute});
    if (reply.type == detail::RedisReply::Type::error && reply.text.rfind("NOSCRIPT", 0) == 0) {
      reply = pool.command({"EVAL", kScript, "1", key, per_minute});  // loads it for next time
    }
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
    : RedisRateLimiter(detail::redis_url_of(config), detail::with_prefix_of(config, options)) {}

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

bool RedisRateLimiter::try_acquire(std::string_view operation, std::int64_t per_minute) {
  if (per_minute <= 0) return true;
  try {
    const bool taken = impl_->shared(key_for(operation), std::to_string(per_minute));
    if (impl_->degraded.load(std::memory_order_relaxed))
      impl_->degraded.store(false, std::memory_order_relaxed);
    return taken;
  } catch (...) {
    impl_->degraded.store(true, std::memory_order_relaxed);
    throw;
  }
}

}  // namespace jwtservice
