// Config and its three loaders (mapping, JSON object, process environment).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jwtservice/export.hpp"

namespace jwtservice {

/// Everything a service needs to know. The comments name the key each loader reads.
struct Config {
  std::string secret_key{};  ///< SECRET_KEY, required, not blank
  /// JWTSERVICE_SECRET_KEY_FALLBACKS: older keys that still verify tokens (never sign), at most
  /// 16, each not blank and distinct from SECRET_KEY and each other. Loaders read a JSON array
  /// of strings; an empty value or `[]` means none. Wiped once the service is keyed.
  std::vector<std::string> secret_key_fallbacks{};
  std::string algorithm = "HS256";          ///< JWTSERVICE_ALGORITHM, case-insensitive; HS256 only
  std::string issuer = "JWTService";        ///< JWTSERVICE_ISSUER, not blank
  std::optional<std::string> audience{};    ///< JWTSERVICE_AUDIENCE; empty = none
  std::int64_t leeway = 0;                  ///< JWTSERVICE_LEEWAY, seconds, >= 0
  std::int64_t rate_limit_create = 6000;    ///< JWTSERVICE_RATELIMIT_CREATE, per minute, 0 = off
  std::int64_t rate_limit_validate = 6000;  ///< JWTSERVICE_RATELIMIT_VALIDATE, per minute, 0 = off
  std::size_t max_token_bytes = 8192;       ///< JWTSERVICE_MAX_TOKEN_BYTES, larger tokens are invalid
  /// JWTSERVICE_MIN_SECRET_BYTES: a shorter SECRET_KEY is a ConfigError. 0 (the default) only
  /// warns below recommended_secret_bytes.
  std::size_t min_secret_bytes = 0;
  /// JWTSERVICE_REDIS_URL: `redis[s]://[[user]:password@]host[:port][/db]` or
  /// `redis[s]+sentinel://[[user]:password@]host[:port][,...]/SERVICE[/db]`, not blank. The service
  /// does not open Redis by itself: build a RedisRevocationStore / RedisRateLimiter from it.
  std::optional<std::string> redis_url{};
  std::string redis_prefix = "jwtservice:";  ///< JWTSERVICE_REDIS_PREFIX, starts every Redis key; not blank
  /// JWTSERVICE_REDIS_ALLOW_EVICTION (0 or 1): 1 lets the Redis revocation store use a server
  /// that may evict keys (maxmemory with a policy other than noeviction), with a warning;
  /// 0 (the default) makes it fail closed there (docs/stores-and-faults.md).
  bool redis_allow_eviction = false;
  /// JWTSERVICE_REDIS_MIN_REPLICAS (0 to 64, default 0): replicas that must acknowledge each
  /// revocation and consumption of the Redis store (`WAIT`); fewer is a StoreError.
  std::int64_t redis_min_replicas = 0;
  // TLS for `rediss://` (docs/redis-in-production.md); empty = not set, blank is an error.
  std::optional<std::string> redis_ca_file{};  ///< JWTSERVICE_REDIS_CA_FILE: PEM CAs, replacing the system's
  std::optional<std::string> redis_cert_file{};  ///< JWTSERVICE_REDIS_CERT_FILE: client certificate (PEM)
  std::optional<std::string>
      redis_key_file{};  ///< JWTSERVICE_REDIS_KEY_FILE: its private key (PEM); both or neither
  /// JWTSERVICE_REDIS_TLS_SERVER_NAME: the name to check the server's certificate against and
  /// send as SNI, when it is not the URL's host.
  std::optional<std::string> redis_tls_server_name{};
  /// JWTSERVICE_REDIS_SENTINEL_PASSWORD: what the sentinels of a `redis+sentinel://` URL require;
  /// never printed.
  std::optional<std::string> redis_sentinel_password{};
};

/// The largest JWTSERVICE_REDIS_MIN_REPLICAS.
inline constexpr std::int64_t max_redis_min_replicas = 64;

/// RFC 7518 §3.2: an HS256 key should have at least as many bits as the hash output (256).
inline constexpr std::size_t recommended_secret_bytes = 32;

/// The largest accepted `max_token_bytes` (1 MiB): the bound on everything validation allocates.
inline constexpr std::size_t max_token_bytes_limit = std::size_t{1} << 20;

/// The most JWTSERVICE_SECRET_KEY_FALLBACKS accepted: bounds the MACs a forged token costs.
inline constexpr std::size_t max_secret_key_fallbacks = 16;

/// The largest accepted leeway (one year): keeps every `now ± leeway` far from overflow.
inline constexpr std::int64_t max_leeway_seconds = std::int64_t{366} * 24 * 3600;

/// Every key the loaders read, each once: `SECRET_KEY` and the `JWTSERVICE_*` keys of the
/// table in docs/configuration.md, including the legacy `JWTSERVICE_RATELIMIT`. For tools that gather the
/// settings themselves, such as the command line's overlay of a file, the environment and flags.
///
/// **Example**: `for (std::string_view key : jwtservice::config_keys()) std::cout << key << '\n';`
[[nodiscard]] JWTSERVICE_API std::span<const std::string_view> config_keys() noexcept;

/// Loads a Config from string settings; unknown keys are ignored, so a whole application
/// config may be passed. Throws ConfigError naming the key of any invalid value.
///
/// **Example**: `auto cfg = load_token_config_from_dict({{"SECRET_KEY", secret}});`
[[nodiscard]] JWTSERVICE_API Config
load_token_config_from_dict(const std::map<std::string, std::string>& settings);

/// The same from a JSON object; numeric keys take numbers or numeric strings, null = absent.
[[nodiscard]] JWTSERVICE_API Config load_token_config_from_dict(const nlohmann::json& settings);

/// Picks the string form for a braced list of string pairs, which would otherwise be ambiguous
/// between the two overloads above.
[[nodiscard]] JWTSERVICE_API Config
load_token_config_from_dict(std::initializer_list<std::pair<const std::string, std::string>> settings);

/// The same keys, read from the process environment.
[[nodiscard]] JWTSERVICE_API Config load_token_config_from_env();

/// Checks a hand-built Config the way the loaders do and returns it normalised (algorithm
/// upper-cased, an empty audience turned into none). Throws ConfigError naming the key.
[[nodiscard]] JWTSERVICE_API Config validated(Config config);

}  // namespace jwtservice
