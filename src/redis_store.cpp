// RedisRevocationStore: one SET NX EX per revocation, one EXISTS per check, expiry left to Redis.
#include "jwtservice/redis_store.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice {
namespace {

[[noreturn]] void unexpected(const detail::RedisConnectionPool& pool, std::string_view command,
                             const detail::RedisReply& reply) {
  std::string message = "Redis at " + pool.name() + ": " + std::string{command};
  if (reply.type == detail::RedisReply::Type::error) {
    message += " failed: " + reply.text;
  } else {
    message += " gave an unexpected reply";
  }
  throw StoreError(message);
}

}  // namespace

RedisRevocationStore::RedisRevocationStore(std::string_view url, const RedisOptions& options)
    : prefix_(options.prefix) {
  detail::check_redis_options(options);
  pool_ = std::make_unique<detail::RedisConnectionPool>(RedisUrl::parse(url), options);
}

RedisRevocationStore::RedisRevocationStore(const Config& config, const RedisOptions& options)
    : RedisRevocationStore(detail::redis_url_of(config), detail::with_prefix_of(config, options)) {}

RedisRevocationStore::~RedisRevocationStore() = default;

std::string RedisRevocationStore::key_for(std::string_view jti) const {
  std::string key;
  key.reserve(prefix_.size() + 8 + jti.size());
  key += prefix_;
  key += "revoked:";
  key += jti;
  return key;
}

bool RedisRevocationStore::is_revoked(std::string_view jti) {
  const auto reply = pool_->command({"EXISTS", key_for(jti)});
  if (reply.type != detail::RedisReply::Type::integer) unexpected(*pool_, "EXISTS", reply);
  return reply.integer > 0;
}

bool RedisRevocationStore::revoke(std::string_view jti, std::int64_t ttl_seconds,
                                  const RevocationMetadata& meta) {
  if (ttl_seconds <= 0) return false;
  // Redis refuses an EX whose expiry time overflows; a century is "for ever" for a token.
  const std::string ttl = std::to_string(std::min(ttl_seconds, permanent_ttl));
  const std::string_view reason = meta.reason ? std::string_view{*meta.reason} : std::string_view{};
  const auto reply = pool_->command({"SET", key_for(jti), reason, "NX", "EX", ttl});
  if (reply.is_status("OK")) return true;
  if (reply.type == detail::RedisReply::Type::nil) return false;  // NX: the key was there
  unexpected(*pool_, "SET", reply);
}

void RedisRevocationStore::ping() {
  const auto reply = pool_->command({"PING"});
  if (!reply.is_status("PONG")) unexpected(*pool_, "PING", reply);
}

}  // namespace jwtservice
