// RedisRevocationStore: one SET NX EX per revocation, one EXISTS per check (or one script that also
// takes the rate-limit token, fused with a RedisRateLimiter on the same server), expiry left to
// Redis, and no server that could evict revocations behind its back.
#include "jwtservice/redis_store.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "jwtservice/config.hpp"
#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/redis_rate_limiter.hpp"
#include "redis_scripts.hpp"
#include "safe_log.hpp"

namespace jwtservice {
namespace {

/// The value of `field` in an INFO reply ("field:value" lines), if present.
std::optional<std::string_view> info_field(std::string_view info, std::string_view field) {
  std::size_t begin = 0;
  while (begin < info.size()) {
    std::size_t end = info.find('\n', begin);
    if (end == std::string_view::npos) end = info.size();
    std::string_view line = info.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > field.size() && line.substr(0, field.size()) == field && line[field.size()] == ':') {
      return line.substr(field.size() + 1);
    }
    begin = end + 1;
  }
  return std::nullopt;
}

/// The check every new connection of the store passes: a server that may evict keys would drop
/// revocations silently when its memory fills, un-revoking tokens, so it is refused unless
/// the risk was accepted. Read once per connection: a policy changed later is seen by the next
/// connection (after a failure or a failover).
detail::RedisConnectCheck eviction_check(bool allow_eviction, Logger logger) {
  return [allow_eviction, log = detail::SafeLog{std::move(logger)}](const detail::RedisCommandFn& command,
                                                                    const detail::RedisConnectionPool& pool) {
    const auto reply = command({"INFO", "memory"});
    if (reply.type == detail::RedisReply::Type::error) {
      pool.fail("INFO memory was refused (" + reply.text +
                "): the revocation store reads it to make sure the server cannot evict revocations; "
                "allow INFO for this user (ACL: +info)");
    }
    const std::optional<std::string_view> maxmemory =
        reply.type == detail::RedisReply::Type::string ? info_field(reply.text, "maxmemory") : std::nullopt;
    const std::optional<std::string_view> policy = reply.type == detail::RedisReply::Type::string
                                                       ? info_field(reply.text, "maxmemory_policy")
                                                       : std::nullopt;
    std::uint64_t bytes = 0;
    if (!maxmemory || !policy ||
        std::from_chars(maxmemory->data(), maxmemory->data() + maxmemory->size(), bytes).ec != std::errc{}) {
      pool.fail("INFO memory did not report maxmemory and maxmemory_policy");
    }
    if (bytes == 0 || *policy == "noeviction") return;
    const std::string risk = "maxmemory is " + std::string{*maxmemory} + " with maxmemory-policy " +
                             std::string{*policy} +
                             ": when memory fills, Redis may evict revocations and so un-revoke tokens";
    if (!allow_eviction) {
      pool.fail(risk,
                "set `maxmemory-policy noeviction` on the server (CONFIG SET and redis.conf), or accept "
                "the risk with JWTSERVICE_REDIS_ALLOW_EVICTION=1 (RedisOptions::allow_eviction)");
    }
    log(LogLevel::warning,
        "Redis at " + pool.name() + ": " + risk + " (allowed by JWTSERVICE_REDIS_ALLOW_EVICTION=1)");
  };
}

/// One server, database and identity: what a command on one pool sees is what it would see on
/// the other. Host names are compared as written (case aside): `localhost` and `127.0.0.1` are
/// not recognised as one server, which only costs the fusion, never correctness.
bool same_server(const RedisUrl& a, const RedisUrl& b) {
  // Sentinel URLs: the same sentinels (in the same order) and service name one primary.
  const bool same_place = a.sentinels.empty()
                              ? b.sentinels.empty() && detail::iequals(a.host, b.host) && a.port == b.port
                              : a.sentinels == b.sentinels && a.service == b.service;
  return same_place && a.tls == b.tls && a.db == b.db && a.username == b.username && a.password == b.password;
}

}  // namespace

RedisRevocationStore::RedisRevocationStore(std::string_view url, const RedisOptions& options, Logger logger)
    : prefix_(options.prefix), min_replicas_(options.min_replicas) {
  detail::check_redis_options(options);
  pool_ = std::make_unique<detail::RedisConnectionPool>(
      RedisUrl::parse(url), options, eviction_check(options.allow_eviction, std::move(logger)));
}

RedisRevocationStore::RedisRevocationStore(const Config& config, const RedisOptions& options, Logger logger)
    : RedisRevocationStore(detail::redis_url_of(config), detail::with_config(config, options),
                           std::move(logger)) {}

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
  if (reply.type != detail::RedisReply::Type::integer) pool_->unexpected_reply("EXISTS", reply);
  return reply.integer > 0;
}

bool RedisRevocationStore::revoke(std::string_view jti, std::int64_t ttl_seconds,
                                  const RevocationMetadata& meta) {
  if (ttl_seconds <= 0) return false;
  // Redis refuses an EX whose expiry time overflows; a century is "for ever" for a token.
  const std::string ttl = std::to_string(std::min(ttl_seconds, permanent_ttl));
  const std::string_view reason = meta.reason ? std::string_view{*meta.reason} : std::string_view{};
  // With min_replicas, WAIT follows on the same connection (docs/redis-in-production.md).
  const auto reply = pool_->command_then_wait({"SET", key_for(jti), reason, "NX", "EX", ttl}, min_replicas_);
  if (reply.is_status("OK")) return true;
  if (reply.type == detail::RedisReply::Type::nil) return false;  // NX: the key was there
  pool_->unexpected_reply("SET", reply);
}

FusedCheck RedisRevocationStore::fuse_with(const RateLimiterHandle& limiter) {
  auto* const peer = limiter.target<RedisRateLimiter>();
  if (peer == nullptr || !same_server(pool_->url(), peer->url())) return {};
  // On this store's connections, which passed the eviction check: the revocation read must not
  // come from a server that may have evicted it.
  return [this, peer](std::string_view operation, std::int64_t per_minute, std::string_view jti) {
    // A failure is not marked on the limiter: the service then asks it on its own connections.
    const std::string limit = std::to_string(per_minute);
    const auto reply =
        detail::fused_validation_script().run(*pool_, {peer->key_for(operation), key_for(jti)}, {limit});
    if (reply.type != detail::RedisReply::Type::integer || reply.integer < 0 || reply.integer > 2) {
      pool_->unexpected_reply("the validation script", reply);
    }
    peer->answered(true);
    if (reply.integer == 0) return FusedVerdict::rate_limited;
    return reply.integer == 2 ? FusedVerdict::revoked : FusedVerdict::not_revoked;
  };
}

void RedisRevocationStore::ping() {
  const auto reply = pool_->command({"PING"});
  if (!reply.is_status("PONG")) pool_->unexpected_reply("PING", reply);
}

}  // namespace jwtservice
