// Config loaders and validation: every mistake fails at start-up with a message naming the key.
#include "jwtservice/config.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/detail/text.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "jwtservice/errors.hpp"

namespace jwtservice {
namespace {

constexpr std::string_view kSecretKey = "SECRET_KEY";
constexpr std::string_view kSecretKeyFallbacks = "JWTSERVICE_SECRET_KEY_FALLBACKS";
constexpr std::string_view kAlgorithm = "JWTSERVICE_ALGORITHM";
constexpr std::string_view kIssuer = "JWTSERVICE_ISSUER";
constexpr std::string_view kAudience = "JWTSERVICE_AUDIENCE";
constexpr std::string_view kLeeway = "JWTSERVICE_LEEWAY";
constexpr std::string_view kRateLimit = "JWTSERVICE_RATELIMIT";
constexpr std::string_view kRateLimitCreate = "JWTSERVICE_RATELIMIT_CREATE";
constexpr std::string_view kRateLimitValidate = "JWTSERVICE_RATELIMIT_VALIDATE";
constexpr std::string_view kMaxTokenBytes = "JWTSERVICE_MAX_TOKEN_BYTES";
constexpr std::string_view kMinSecretBytes = "JWTSERVICE_MIN_SECRET_BYTES";
constexpr std::string_view kRedisUrl = "JWTSERVICE_REDIS_URL";
constexpr std::string_view kRedisPrefix = "JWTSERVICE_REDIS_PREFIX";
constexpr std::string_view kRedisAllowEviction = "JWTSERVICE_REDIS_ALLOW_EVICTION";
constexpr std::string_view kRedisMinReplicas = "JWTSERVICE_REDIS_MIN_REPLICAS";
constexpr std::string_view kRedisCaFile = "JWTSERVICE_REDIS_CA_FILE";
constexpr std::string_view kRedisCertFile = "JWTSERVICE_REDIS_CERT_FILE";
constexpr std::string_view kRedisKeyFile = "JWTSERVICE_REDIS_KEY_FILE";
constexpr std::string_view kRedisTlsServerName = "JWTSERVICE_REDIS_TLS_SERVER_NAME";
constexpr std::string_view kRedisSentinelPassword = "JWTSERVICE_REDIS_SENTINEL_PASSWORD";

// The one list of keys; cmake/jwtserviceConfigKeys.cmake repeats it for the build, and
// test_config fails when the two differ.
constexpr std::string_view kAllKeys[] = {kSecretKey,          kSecretKeyFallbacks,
                                         kAlgorithm,          kIssuer,
                                         kAudience,           kLeeway,
                                         kRateLimit,          kRateLimitCreate,
                                         kRateLimitValidate,  kMaxTokenBytes,
                                         kMinSecretBytes,     kRedisUrl,
                                         kRedisPrefix,        kRedisAllowEviction,
                                         kRedisMinReplicas,   kRedisCaFile,
                                         kRedisCertFile,      kRedisKeyFile,
                                         kRedisTlsServerName, kRedisSentinelPassword};

/// The optional text keys: an empty value means not set, a blank one is a mistake.
constexpr std::pair<std::string_view, std::optional<std::string> Config::*> kOptionalTexts[] = {
    {kRedisCaFile, &Config::redis_ca_file},
    {kRedisCertFile, &Config::redis_cert_file},
    {kRedisKeyFile, &Config::redis_key_file},
    {kRedisTlsServerName, &Config::redis_tls_server_name},
    {kRedisSentinelPassword, &Config::redis_sentinel_password}};

/// The largest JWTSERVICE_MIN_SECRET_BYTES: a requirement no sane secret exceeds.
constexpr std::int64_t kMaxMinSecretBytes = 4096;

/// The largest per-minute rate limit: keeps the token-bucket arithmetic far from overflow.
constexpr std::int64_t kMaxRateLimit = 1'000'000'000;

using detail::iequals;
using detail::is_blank;

[[noreturn]] void fail(std::string_view key, std::string_view what) {
  std::string message{key};
  message += ' ';
  message += what;
  throw ConfigError(message);
}

/// An integer from a JSON number or a numeric string (surrounding whitespace allowed, as
/// Python's int() does); nullopt for anything else.
std::optional<std::int64_t> to_integer(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    const auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_number_float()) {
    const double d = value.get<double>();
    if (std::trunc(d) != d || d < -detail::two_pow_63 || d >= detail::two_pow_63) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  if (!value.is_string()) return std::nullopt;
  std::string_view s = value.get_ref<const std::string&>();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::int64_t out = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return out;
}

std::int64_t read_integer(const nlohmann::json& value, std::string_view key, std::int64_t min,
                          std::int64_t max, std::string_view what) {
  const auto n = to_integer(value);
  if (!n || *n < min) fail(key, what);
  if (*n > max) fail(key, std::string{what} + " of at most " + std::to_string(max));
  return *n;
}

std::string read_string(const nlohmann::json& value, std::string_view key) {
  if (!value.is_string()) fail(key, "must be a string");
  return value.get<std::string>();
}

/// JWTSERVICE_SECRET_KEY_FALLBACKS: an array of strings, or that array as JSON text (the form
/// the string loaders and the environment give); an empty text means none.
std::vector<std::string> read_fallbacks(const nlohmann::json& value) {
  nlohmann::json list = value;
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text.empty()) return {};  // empty means none; blank is a mistake, refused below
    list = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  }
  if (!list.is_array()) fail(kSecretKeyFallbacks, "must be a JSON array of strings");
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      fail(std::string{kSecretKeyFallbacks} + "[" + std::to_string(i) + "]", "must be a string");
    }
    keys.push_back(list[i].get<std::string>());
  }
  return keys;
}

/// Each fallback key: not blank, distinct from SECRET_KEY and from the others; at most 16.
/// Messages name the index, never the key.
void check_fallbacks(const Config& config) {
  const auto& keys = config.secret_key_fallbacks;
  if (keys.size() > max_secret_key_fallbacks) {
    fail(kSecretKeyFallbacks, "may hold at most " + std::to_string(max_secret_key_fallbacks) + " keys");
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const std::string key = std::string{kSecretKeyFallbacks} + "[" + std::to_string(i) + "]";
    if (is_blank(keys[i])) fail(key, "must not be blank");
    if (keys[i] == config.secret_key) fail(key, "repeats SECRET_KEY");
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[i] == keys[j])
        fail(key, "repeats " + std::string{kSecretKeyFallbacks} + "[" + std::to_string(j) + "]");
    }
  }
}

/// A looked-up setting, or nullptr when absent (a JSON null counts as absent).
using Lookup = const nlohmann::json* (*)(const void* source, std::string_view key);

Config load(const void* source, Lookup lookup) {
  Config config;
  auto get = [&](std::string_view key) { return lookup(source, key); };
  if (const auto* v = get(kSecretKey)) config.secret_key = read_string(*v, kSecretKey);
  if (const auto* v = get(kSecretKeyFallbacks)) config.secret_key_fallbacks = read_fallbacks(*v);
  if (const auto* v = get(kAlgorithm)) config.algorithm = read_string(*v, kAlgorithm);
  if (const auto* v = get(kIssuer)) config.issuer = read_string(*v, kIssuer);
  if (const auto* v = get(kAudience)) config.audience = read_string(*v, kAudience);
  if (const auto* v = get(kLeeway)) {
    config.leeway = read_integer(*v, kLeeway, 0, max_leeway_seconds, "must be a non-negative integer");
  }
  if (const auto* v = get(kRateLimit)) {  // legacy: the default of both specific limits
    config.rate_limit_create = config.rate_limit_validate =
        read_integer(*v, kRateLimit, 0, kMaxRateLimit, "must be a non-negative integer");
  }
  if (const auto* v = get(kRateLimitCreate)) {
    config.rate_limit_create =
        read_integer(*v, kRateLimitCreate, 0, kMaxRateLimit, "must be a non-negative integer");
  }
  if (const auto* v = get(kRateLimitValidate)) {
    config.rate_limit_validate =
        read_integer(*v, kRateLimitValidate, 0, kMaxRateLimit, "must be a non-negative integer");
  }
  if (const auto* v = get(kMaxTokenBytes)) {
    config.max_token_bytes = static_cast<std::size_t>(
        read_integer(*v, kMaxTokenBytes, 1, static_cast<std::int64_t>(max_token_bytes_limit),
                     "must be a positive integer"));
  }
  if (const auto* v = get(kMinSecretBytes)) {
    config.min_secret_bytes = static_cast<std::size_t>(
        read_integer(*v, kMinSecretBytes, 0, kMaxMinSecretBytes, "must be a non-negative integer"));
  }
  if (const auto* v = get(kRedisUrl)) config.redis_url = read_string(*v, kRedisUrl);
  if (const auto* v = get(kRedisPrefix)) config.redis_prefix = read_string(*v, kRedisPrefix);
  if (const auto* v = get(kRedisAllowEviction)) {
    const auto n = to_integer(*v);
    if (!n || (*n != 0 && *n != 1)) fail(kRedisAllowEviction, "must be 0 or 1");
    config.redis_allow_eviction = *n == 1;
  }
  for (const auto& [key, field] : kOptionalTexts) {
    if (const auto* v = get(key)) {
      std::string text = read_string(*v, key);
      if (!text.empty()) config.*field = std::move(text);  // empty = not set
    }
  }
  if (const auto* v = get(kRedisMinReplicas)) {
    config.redis_min_replicas =
        read_integer(*v, kRedisMinReplicas, 0, max_redis_min_replicas, "must be a non-negative integer");
  }
  return validated(std::move(config));
}

}  // namespace

std::span<const std::string_view> config_keys() noexcept { return kAllKeys; }

Config validated(Config config) {
  if (is_blank(config.secret_key)) fail(kSecretKey, "must be provided");
  if (config.min_secret_bytes > static_cast<std::size_t>(kMaxMinSecretBytes)) {
    fail(kMinSecretBytes, "must be a non-negative integer of at most " + std::to_string(kMaxMinSecretBytes));
  }
  if (config.secret_key.size() < config.min_secret_bytes) {
    // The length of the secret is not printed: a message must say nothing about the secret.
    fail(kSecretKey, "is shorter than JWTSERVICE_MIN_SECRET_BYTES (" +
                         std::to_string(config.min_secret_bytes) + " bytes) requires");
  }
  check_fallbacks(config);
  if (!iequals(config.algorithm, "HS256")) fail(kAlgorithm, "must be HS256 (the only algorithm supported)");
  config.algorithm = "HS256";
  if (is_blank(config.issuer)) fail(kIssuer, "must not be blank");
  if (config.audience && config.audience->empty()) config.audience.reset();
  if (config.audience && is_blank(*config.audience)) {
    fail(kAudience, "must not be blank (leave it empty for no audience)");
  }
  if (config.leeway < 0) fail(kLeeway, "must be a non-negative integer");
  if (config.leeway > max_leeway_seconds) {
    fail(kLeeway, "must be a non-negative integer of at most " + std::to_string(max_leeway_seconds));
  }
  if (config.rate_limit_create < 0 || config.rate_limit_create > kMaxRateLimit) {
    fail(kRateLimitCreate, "must be a non-negative integer of at most " + std::to_string(kMaxRateLimit));
  }
  if (config.rate_limit_validate < 0 || config.rate_limit_validate > kMaxRateLimit) {
    fail(kRateLimitValidate, "must be a non-negative integer of at most " + std::to_string(kMaxRateLimit));
  }
  if (config.max_token_bytes == 0 || config.max_token_bytes > max_token_bytes_limit) {
    fail(kMaxTokenBytes, "must be a positive integer of at most " + std::to_string(max_token_bytes_limit));
  }
  // The URL may hold a password: messages describe it, never quote it.
  if (config.redis_url && is_blank(*config.redis_url)) fail(kRedisUrl, "must not be blank");
  if (config.redis_url && detail::redis_scheme_of(*config.redis_url) == nullptr) {
    fail(kRedisUrl,
         "must start with redis://, rediss://, redis+sentinel:// or rediss+sentinel:// "
         "(redis[s]://[[user]:password@]host[:port][/db])");
  }
  for (const auto& [key, field] : kOptionalTexts) {
    auto& value = config.*field;
    if (value && value->empty()) value.reset();
    if (value && is_blank(*value)) fail(key, "must not be blank (leave it empty for none)");
  }
  if (config.redis_cert_file.has_value() != config.redis_key_file.has_value()) {
    fail(config.redis_cert_file ? kRedisKeyFile : kRedisCertFile,
         std::string{"must be set too: a client certificate needs both "} + std::string{kRedisCertFile} +
             " and " + std::string{kRedisKeyFile});
  }
  if (is_blank(config.redis_prefix)) fail(kRedisPrefix, "must not be blank");
  if (config.redis_min_replicas < 0 || config.redis_min_replicas > max_redis_min_replicas) {
    fail(kRedisMinReplicas,
         "must be a non-negative integer of at most " + std::to_string(max_redis_min_replicas));
  }
  return config;
}

Config load_token_config_from_dict(const nlohmann::json& settings) {
  if (!settings.is_object()) throw ConfigError("settings must be a JSON object");
  return load(&settings, [](const void* source, std::string_view key) -> const nlohmann::json* {
    const auto& object = *static_cast<const nlohmann::json*>(source);
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
  });
}

Config load_token_config_from_dict(const std::map<std::string, std::string>& settings) {
  nlohmann::json object = nlohmann::json::object();
  for (auto key : kAllKeys) {
    if (const auto it = settings.find(std::string{key}); it != settings.end()) {
      object[std::string{key}] = it->second;
    }
  }
  return load_token_config_from_dict(object);
}

Config load_token_config_from_dict(
    std::initializer_list<std::pair<const std::string, std::string>> settings) {
  return load_token_config_from_dict(std::map<std::string, std::string>{settings});
}

Config load_token_config_from_env() {
  nlohmann::json object = nlohmann::json::object();
  for (auto key : kAllKeys) {
    // getenv is safe here as long as nobody calls setenv concurrently, which POSIX forbids anyway.
    if (const char* value = std::getenv(std::string{key}.c_str()))
      object[std::string{key}] = value;  // NOLINT(concurrency-mt-unsafe)
  }
  return load_token_config_from_dict(object);
}

}  // namespace jwtservice
