// The Redis scripts: the token bucket (GCRA on the server's clock) alone for the rate limiter,
// and followed by the revocation lookup for a fused validation.
#include "redis_scripts.hpp"

#include <openssl/evp.h>

#include <array>
#include <utility>
#include <vector>

#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

// GCRA (the form of a token bucket TokenBucket uses) in whole microseconds of the server's
// clock: the bucket is one number, its "theoretical arrival time". KEYS[1] is the bucket,
// ARGV[1] the limit per minute; an empty bucket returns 0 before anything is written. Numbers
// stay below 2^53, so Lua's doubles hold them exactly. The key expires when the bucket would be
// full again, so idle buckets leave nothing behind. redis.replicate_commands() lets Redis < 5
// write after reading TIME; later versions always replicate effects and ignore it.
constexpr std::string_view kTakeToken = R"LUA(
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
)LUA";

/// The SHA-1 of `text` in lower-case hex, as EVALSHA wants it.
std::string sha1_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1) {
    throw Error("Redis: cannot compute the SHA-1 of a script");
  }
  std::string hex;
  hex.reserve(std::size_t{size} * 2);
  for (unsigned int i = 0; i < size; ++i) {
    hex += hex_digits[digest[i] >> 4];
    hex += hex_digits[digest[i] & 0xFU];
  }
  return hex;
}

}  // namespace

RedisScript::RedisScript(std::string text) : text_(std::move(text)), sha1_(sha1_hex(text_)) {}

RedisReply RedisScript::run(RedisConnectionPool& pool, std::initializer_list<std::string_view> keys,
                            std::initializer_list<std::string_view> args) const {
  const std::string key_count = std::to_string(keys.size());
  std::vector<std::string_view> command{"EVALSHA", sha1_, key_count};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  RedisReply reply = pool.command(command);
  if (reply.type == RedisReply::Type::error && reply.text.rfind("NOSCRIPT", 0) == 0) {
    command[0] = "EVAL";
    command[1] = text_;
    reply = pool.command(command);
  }
  return reply;
}

const RedisScript& bucket_script() {
  static const RedisScript script{std::string{kTakeToken} + "return 1\n"};
  return script;
}

const RedisScript& fused_validation_script() {
  // The lookup runs only once a token was taken: a refused call answers rate_limited, as step 2
  // comes before every other step.
  static const RedisScript script{std::string{kTakeToken} +
                                  "if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end\nreturn 1\n"};
  return script;
}

}  // namespace jwtservice::detail
