// The service core: token creation and the checks of API.md §3, in their documented order.
#include "jwtservice/detail/engine.hpp"

#include <openssl/crypto.h>

#include <array>
#include <cctype>
#include <utility>

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/hs256.hpp"
#include "jwtservice/detail/json_strict.hpp"
#include "jwtservice/detail/random.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/rate_limiter.hpp"

namespace jwtservice::detail {
namespace {

using json = nlohmann::json;

/// base64url of {"alg":"HS256","typ":"JWT"}: the only header jwtservice writes.
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

bool is_blank(std::string_view s) noexcept {
  for (char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// Serialises one JSON value; a string with invalid UTF-8 becomes InvalidArgument naming `field`.
void append_json(std::string& out, const json& value, std::string_view field) {
  try {
    out += value.dump();
  } catch (const json::type_error&) {
    throw InvalidArgument(std::string{field} + " must be valid UTF-8");
  }
}

/// Step 3's header rules: a JSON object whose alg is exactly the configured algorithm, without
/// crit or b64, and whose typ, if present, names a JWT.
bool header_acceptable(std::string_view header_text, std::string_view algorithm) noexcept {
  json header;
  if (!parse_json_strict(header_text, header) || !header.is_object()) return false;
  // The algorithm belongs to the key (the config), never to the token.
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != algorithm) {
    return false;
  }
  // crit and b64 (RFC 7797) ask for processing jwtservice does not do: refuse, never ignore.
  if (header.contains("crit") || header.contains("b64")) return false;
  if (const auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string()) return false;
    const auto& t = typ->get_ref<const std::string&>();
    if (!iequals(t, "JWT") && !iequals(t, "application/jwt")) return false;
  }
  return true;
}

bool is_string_or_string_array(const json& value) noexcept {
  if (value.is_string()) return true;
  if (!value.is_array()) return false;
  for (const auto& member : value) {
    if (!member.is_string()) return false;
  }
  return true;
}

/// A token that passed steps 3 to 5, with its NumericDates read.
struct Decoded {
  json claims;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> exp;
};

enum class Mode { validate, consume };

}  // namespace

struct Engine::Impl {
  Config config;
  Logger logger;
  Clock clock;
  RevocationStoreHandle store;
  std::optional<std::int64_t> revocation_ttl_max;
  MonotonicClock monotonic_clock;
  std::unique_ptr<TokenBucket> create_limit;    // null = unlimited
  std::unique_ptr<TokenBucket> validate_limit;  // null = unlimited
  Hs256Key key;

  Impl(Config validated_config, ServiceOptions options)
      : config(std::move(validated_config)),
        logger(options.logger ? std::move(options.logger) : stderr_logger()),
        clock(options.clock ? std::move(options.clock) : Clock{&system_now}),
        store(std::move(options.revocation_store)),
        revocation_ttl_max(options.revocation_ttl_max),
        monotonic_clock(options.monotonic_clock ? std::move(options.monotonic_clock)
                                                : MonotonicClock{&steady_now}),
        create_limit(bucket(config.rate_limit_create)),
        validate_limit(bucket(config.rate_limit_validate)),
        key(config.secret_key) {}

  static std::unique_ptr<TokenBucket> bucket(std::int64_t per_minute) {
    return per_minute > 0 ? std::make_unique<TokenBucket>(per_minute) : nullptr;
  }

  void log(LogLevel level, std::string_view message) const noexcept {
    try {
      logger(level, message);
    } catch (...) {
      // A failing logger must not change a verdict.
    }
  }

  /// Steps 3 to 5: structure, header, signature, payload shape.
  Reason decode(std::string_view token, Decoded& out) const;

  /// Steps 6 to 13 on a decoded token at time `now`; on success fills `v` (but its reason).
  Reason check_claims(Decoded& token, std::int64_t now, const ExpectedAudience& expected,
                      ActionNameCheck is_action, Verdict& v) const;

  /// Steps 1 to 14 and then, by mode, steps 15-16 (validate) or the atomic insert (consume).
  Verdict run(std::string_view token, const ExpectedAudience& expected, ActionNameCheck is_action,
              Mode mode) const;

  /// Calls the store, turning any exception into StoreError.
  bool store_revoke(std::string_view jti, std::int64_t ttl, std::optional<std::string_view> reason) const;
};

Engine::Engine(Config config, ServiceOptions options) {
  Config checked = validated(std::move(config));
  if (options.revocation_ttl_max && *options.revocation_ttl_max <= 0) {
    throw ConfigError("revocation_ttl_max must be a positive number of seconds");
  }
  const bool short_secret = checked.secret_key.size() < recommended_secret_bytes;
  try {
    impl_ = std::make_unique<Impl>(std::move(checked), std::move(options));
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw ConfigError(std::string{"SECRET_KEY could not be used as an HMAC-SHA-256 key: "} + e.what());
  }
  // The key now lives only inside OpenSSL's MAC state; wipe our copy.
  std::string& secret = impl_->config.secret_key;
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
  secret.shrink_to_fit();

  if (short_secret) {
    impl_->log(LogLevel::warning,
               "SECRET_KEY is shorter than 32 bytes; RFC 7518 §3.2 asks HS256 keys for at least 256 bits "
               "(set JWTSERVICE_MIN_SECRET_BYTES=32 to refuse such secrets)");
  }
  if (impl_->config.rate_limit_create == 0) {
    impl_->log(LogLevel::warning, "JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)");
  }
  if (impl_->config.rate_limit_validate == 0) {
    impl_->log(LogLevel::warning, "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)");
  }
}

Engine::~Engine() = default;

const Config& Engine::config() const noexcept { return impl_->config; }

std::string Engine::create(const CreateRequest& request) const {
  if (is_blank(request.sub)) throw InvalidArgument("sub must not be blank");
  if (request.expires_in < 0) throw InvalidArgument("expires_in must not be negative");
  if (request.jti && is_blank(*request.jti)) throw InvalidArgument("jti must not be blank");
  if (request.audience && is_blank(*request.audience)) throw InvalidArgument("audience must not be blank");
  const json* extra =
      request.extra_data != nullptr && !request.extra_data->is_null() ? request.extra_data : nullptr;
  if (extra != nullptr && !extra->is_object()) {
    throw InvalidArgument("extra_data must be a JSON object or null");
  }

  if (impl_->create_limit && !impl_->create_limit->try_acquire(impl_->monotonic_clock())) {
    throw RateLimitExceeded("token creation rate limit (JWTSERVICE_RATELIMIT_CREATE) exceeded");
  }

  const std::int64_t now = impl_->clock();
  if (request.expires_in > 0 && now > int64_max - request.expires_in) {
    throw InvalidArgument("expires_in is too large: exp would overflow");
  }

  // Claims in the order the Python package writes them.
  std::string payload = "{\"sub\":";
  append_json(payload, json(request.sub), "sub");
  payload += ",\"iat\":" + std::to_string(now);
  payload += ",\"nbf\":" + std::to_string(now);
  if (request.expires_in > 0) payload += ",\"exp\":" + std::to_string(now + request.expires_in);
  payload += ",\"iss\":";
  append_json(payload, json(impl_->config.issuer), "issuer");
  if (request.audience) {
    payload += ",\"aud\":";
    append_json(payload, json(*request.audience), "audience");
  } else if (impl_->config.audience) {
    payload += ",\"aud\":";
    append_json(payload, json(*impl_->config.audience), "JWTSERVICE_AUDIENCE");
  }
  if (request.action) {
    payload += ",\"action\":";
    append_json(payload, json(*request.action), "action");
  }
  payload += ",\"jti\":";
  append_json(payload, json(request.jti ? std::string{*request.jti} : random_uuid4()), "jti");
  if (extra != nullptr) {
    payload += ",\"extra_data\":";
    append_json(payload, *extra, "extra_data");
  }
  payload += '}';

  std::string token;
  token.reserve(kHeaderB64.size() + 2 + base64url_encoded_size(payload.size()) + 43);
  token += kHeaderB64;
  token += '.';
  base64url_encode_append(payload, token);
  Mac256 mac{};
  try {
    mac = impl_->key.sign(token);
  } catch (const std::runtime_error& e) {
    throw TokenCreationError(e.what());
  }
  token += '.';
  base64url_encode_append(std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()}, token);
  return token;
}

Verdict Engine::validate(std::string_view token, const ExpectedAudience& expected,
                         ActionNameCheck is_action) const noexcept {
  try {
    return impl_->run(token, expected, is_action, Mode::validate);
  } catch (...) {
    // Only resource exhaustion gets here; refuse the token rather than guess.
    impl_->log(LogLevel::error, "token validation failed internally (out of memory?); token refused");
    return Verdict{};
  }
}

Verdict Engine::consume(std::string_view token, const ExpectedAudience& expected,
                        ActionNameCheck is_action) const {
  if (!impl_->store) {
    throw StoreError("consumir needs a revocation store: single use cannot be enforced without one");
  }
  return impl_->run(token, expected, is_action, Mode::consume);
}

bool Engine::revoke(std::string_view token, std::optional<std::string_view> reason) const {
  if (!impl_->store) {
    impl_->log(LogLevel::warning, "revogar called without a revocation store: nothing was revoked");
    return false;
  }
  Decoded decoded;
  if (impl_->decode(token, decoded) != Reason::none) return false;
  // Only signature and expiry matter: a token of another audience or issuer can still be revoked.
  const auto jti = decoded.claims.find("jti");
  if (jti == decoded.claims.end() || !jti->is_string() || is_blank(jti->get_ref<const std::string&>())) {
    return false;
  }
  const auto ttl =
      revocation_ttl(decoded.exp, impl_->clock(), impl_->config.leeway, impl_->revocation_ttl_max);
  if (!ttl) return false;  // expired: it can no longer be used anyway
  return impl_->store_revoke(jti->get_ref<const std::string&>(), *ttl, reason);
}

bool Engine::revoke_jti(std::string_view jti, std::int64_t exp,
                        std::optional<std::string_view> reason) const {
  if (!impl_->store) {
    impl_->log(LogLevel::warning, "revogar_jti called without a revocation store: nothing was revoked");
    return false;
  }
  if (is_blank(jti)) return false;
  const auto ttl = revocation_ttl(exp, impl_->clock(), impl_->config.leeway, impl_->revocation_ttl_max);
  if (!ttl) return false;
  return impl_->store_revoke(jti, *ttl, reason);
}

bool Engine::Impl::store_revoke(std::string_view jti, std::int64_t ttl,
                                std::optional<std::string_view> reason) const {
  RevocationMetadata meta;
  if (reason) meta.reason = std::string{*reason};
  try {
    return store.revoke(jti, ttl, meta);
  } catch (const std::exception& e) {
    throw StoreError(std::string{"revocation store failed: "} + e.what());
  } catch (...) {
    throw StoreError("revocation store failed with a non-standard exception");
  }
}

Reason Engine::Impl::decode(std::string_view token, Decoded& out) const {
  // Size first, before any decoding.
  if (token.size() > config.max_token_bytes) return Reason::invalid;
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Reason::invalid;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Reason::invalid;
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);

  std::string header_text;
  std::string payload_text;
  if (!base64url_decode(header_b64, header_text) || !base64url_decode(payload_b64, payload_text) ||
      !base64url_is_canonical(signature_b64)) {
    return Reason::invalid;
  }
  if (!header_acceptable(header_text, config.algorithm)) return Reason::invalid;

  // 4. bad_signature: a MAC of the wrong length is a mismatch too. Nothing of the payload has
  //    been parsed yet.
  Mac256 signature{};
  if (signature_b64.size() != base64url_encoded_size(signature.size()) ||
      !base64url_decode(signature_b64, signature.data()) ||
      !key.verify(token.substr(0, dot2), signature.data(), signature.size())) {
    return Reason::bad_signature;
  }

  // 5. invalid: a malformed payload.
  json& claims = out.claims;
  if (!parse_json_strict(payload_text, claims) || !claims.is_object()) return Reason::invalid;
  const auto end = claims.end();
  if (const auto it = claims.find("nbf"); it != end && !(out.nbf = numeric_date(*it))) return Reason::invalid;
  if (const auto it = claims.find("exp"); it != end && !(out.exp = numeric_date(*it))) return Reason::invalid;
  if (const auto it = claims.find("iss"); it != end && !it->is_string()) return Reason::invalid;
  if (const auto it = claims.find("aud"); it != end && !is_string_or_string_array(*it))
    return Reason::invalid;
  return Reason::none;
}

Reason Engine::Impl::check_claims(Decoded& token, std::int64_t now, const ExpectedAudience& expected,
                                  ActionNameCheck is_action, Verdict& v) const {
  json& claims = token.claims;
  const auto end = claims.end();
  const std::int64_t leeway = config.leeway;

  // 6. invalid_iat
  std::optional<std::int64_t> iat;
  if (const auto it = claims.find("iat"); it != end) {
    iat = numeric_date(*it);
    if (!iat || *iat > sat_add(now, leeway)) return Reason::invalid_iat;
  }
  // 7. immature
  if (token.nbf && *token.nbf > sat_add(now, leeway)) return Reason::immature;
  // 8. expired: a token is expired AT its exp second.
  // exp - now + leeway <= 0, in a form exact even when now - leeway would underflow.
  if (token.exp && sat_add(sat_sub(*token.exp, now), leeway) <= 0) return Reason::expired;
  // 9. invalid_issuer
  const auto iss_it = claims.find("iss");
  if (iss_it == end || iss_it->get_ref<const std::string&>() != config.issuer) return Reason::invalid_issuer;
  // 10. invalid_audience: checked only when an audience is expected.
  std::optional<std::string> matched_aud;
  const bool audience_expected = !expected.use_config() || config.audience.has_value();
  auto accepted = [&](std::string_view aud) {
    return expected.use_config() ? aud == *config.audience : expected.contains(aud);
  };
  if (const auto aud_it = claims.find("aud"); aud_it != end) {
    if (aud_it->is_string()) {
      if (audience_expected && !accepted(aud_it->get_ref<const std::string&>()))
        return Reason::invalid_audience;
      matched_aud = aud_it->get<std::string>();
    } else {
      for (const auto& member : *aud_it) {
        if (!audience_expected || accepted(member.get_ref<const std::string&>())) {
          matched_aud = member.get<std::string>();
          break;
        }
      }
      if (audience_expected && !matched_aud) return Reason::invalid_audience;
    }
  } else if (audience_expected) {
    return Reason::invalid_audience;
  }
  // 11. missing_sub
  const auto sub_it = claims.find("sub");
  if (sub_it == end || !sub_it->is_string() || sub_it->get_ref<const std::string&>().empty()) {
    return Reason::missing_sub;
  }
  // 12. invalid_action
  const auto action_it = claims.find("action");
  if (action_it != end && (!action_it->is_string() || !is_action(action_it->get_ref<const std::string&>()))) {
    return Reason::invalid_action;
  }
  // 13. invalid_extra_data
  const auto extra_it = claims.find("extra_data");
  if (extra_it != end && !extra_it->is_object()) return Reason::invalid_extra_data;

  v.sub = sub_it->get<std::string>();
  if (action_it != end) v.action = action_it->get<std::string>();
  if (iat) v.age = sat_sub(now, *iat);
  if (token.exp) v.expires_in = sat_sub(*token.exp, now);
  v.aud = std::move(matched_aud);
  if (extra_it != end) v.extra_data = std::move(*extra_it);
  if (const auto jti_it = claims.find("jti"); jti_it != end && jti_it->is_string()) {
    v.jti = jti_it->get<std::string>();
  }
  return Reason::none;
}

Verdict Engine::Impl::run(std::string_view token, const ExpectedAudience& expected, ActionNameCheck is_action,
                          Mode mode) const {
  auto fail = [](Reason reason, std::optional<std::string> jti = std::nullopt) {
    Verdict f;
    f.reason = reason;
    f.jti = std::move(jti);
    return f;
  };

  // 1. missing_token
  if (is_blank(token)) return fail(Reason::missing_token);
  // 2. rate_limited
  if (validate_limit && !validate_limit->try_acquire(monotonic_clock())) return fail(Reason::rate_limited);
  // 3-5. invalid, bad_signature, invalid
  Decoded decoded;
  if (const Reason r = decode(token, decoded); r != Reason::none) return fail(r);
  // 6-13.
  const std::int64_t now = clock();
  Verdict v;
  if (const Reason r = check_claims(decoded, now, expected, is_action, v); r != Reason::none) return fail(r);
  if (!store) {
    v.reason = Reason::none;
    return v;
  }
  // 14. missing_jti: a store cannot revoke what it cannot name.
  if (!v.jti || is_blank(*v.jti)) return fail(Reason::missing_jti);
  const std::string jti = *v.jti;

  if (mode == Mode::consume) {
    // The atomic insert is the check: exactly one caller inserts, every other one is told
    // "revoked". A store that fails throws StoreError; nothing is ever consumed twice.
    const auto ttl = revocation_ttl(decoded.exp, now, config.leeway, revocation_ttl_max);
    if (!ttl || !store_revoke(jti, *ttl, "consumed")) return fail(Reason::revoked, jti);
    v.reason = Reason::none;
    return v;
  }

  // 15. store_unavailable: fail closed, a store that cannot answer never lets a token through.
  bool revoked = false;
  try {
    revoked = store.is_revoked(jti);
  } catch (const std::exception& e) {
    log(LogLevel::error, std::string{"revocation store failed: "} + e.what());
    return fail(Reason::store_unavailable);
  } catch (...) {
    log(LogLevel::error, "revocation store failed with a non-standard exception");
    return fail(Reason::store_unavailable);
  }
  // 16. revoked
  if (revoked) return fail(Reason::revoked, jti);
  v.reason = Reason::none;
  return v;
}

}  // namespace jwtservice::detail
