// The service core: token creation and the checks of API.md §3, in their documented order.
#include "jwtservice/detail/engine.hpp"
#include "jwtservice/detail/text.hpp"

#include <openssl/crypto.h>

#include <array>
#include <atomic>
#include <cctype>
#include <charconv>
#include <utility>

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/claims.hpp"
#include "jwtservice/detail/hs256.hpp"
#include "jwtservice/detail/random.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/rate_limiter.hpp"

namespace jwtservice::detail {
namespace {

using json = nlohmann::json;

/// The only header jwtservice writes, and its base64url.
constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

/// Appends `s` as a JSON string (UTF-8 kept as is, control characters escaped); invalid UTF-8
/// becomes InvalidArgument naming `field`.
void append_json_string(std::string& out, std::string_view s, std::string_view field) {
  constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(s.substr(i));
      if (n == 0) throw InvalidArgument(std::string{field} + " must be valid UTF-8");
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 0x0F];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), end);
}

/// Step 3's header rules: a JSON object whose alg is exactly the configured algorithm, without
/// crit or b64, and whose typ, if present, names a JWT.
bool header_acceptable(std::string_view header_text, std::string_view algorithm) noexcept {
  HeaderSpans header;
  if (!read_header(header_text, header)) return false;
  // The algorithm belongs to the key (the config), never to the token.
  if (!string_equals(header.alg, algorithm)) return false;
  // crit and b64 (RFC 7797) ask for processing jwtservice does not do: refuse, never ignore.
  if (header.crit.present() || header.b64.present()) return false;
  if (!header.typ.present()) return true;
  if (header.typ.type != JsonType::string) return false;
  const std::string typ = string_value(header.typ);  // only headers not written by us get here
  return iequals(typ, "JWT") || iequals(typ, "application/jwt");
}

/// Room for a decoded segment: on the stack for every token of the default size limit (8192
/// bytes decode to at most 6144), on the heap only for larger configured limits.
class SegmentBuffer {
 public:
  char* reserve(std::size_t n) {
    if (n <= inline_.size()) return inline_.data();
    heap_.resize(n);
    return heap_.data();
  }

 private:
  std::array<char, 6144> inline_;
  std::string heap_;
};

/// Decodes one canonical base64url segment into `buffer`; nullopt when not canonical.
std::optional<std::string_view> decode_segment(std::string_view segment, SegmentBuffer& buffer) {
  const auto size = base64url_decoded_size(segment.size());
  if (!size) return std::nullopt;
  char* out = buffer.reserve(*size);
  if (!base64url_decode(segment, reinterpret_cast<unsigned char*>(out))) return std::nullopt;
  return std::string_view{out, *size};
}

/// A token that passed steps 3 to 5: where its claims are, and its NumericDates.
struct Decoded {
  ClaimSpans claims;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> exp;
  SegmentBuffer payload;  // the claims point into it
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
  RateLimiterHandle shared_limit;               // empty = the buckets above decide alone
  mutable std::atomic<bool> shared_limit_failure_logged{false};
  Hs256Key key;

  Impl(Config validated_config, ServiceOptions options)
      : config(std::move(validated_config)),
        logger(options.logger ? std::move(options.logger) : stderr_logger()),
        clock(options.clock ? std::move(options.clock) : Clock{&system_now}),
        store(std::move(options.revocation_store)),
        revocation_ttl_max(options.revocation_ttl_max),
        monotonic_clock(options.monotonic_clock ? std::move(options.monotonic_clock)
                                                : MonotonicClock{&steady_now}),
        // The analyzer misses that built members are destroyed when a later one throws.
        create_limit(bucket(config.rate_limit_create)),  // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks)
        validate_limit(
            bucket(config.rate_limit_validate)),  // NOLINT(clang-analyzer-cplusplus.NewDeleteLeaks)
        shared_limit(std::move(options.rate_limiter)),
        key(config.secret_key) {}

  static std::unique_ptr<TokenBucket> bucket(std::int64_t per_minute) {
    return per_minute > 0 ? std::make_unique<TokenBucket>(per_minute) : nullptr;
  }

  /// One token for `operation`: from the shared limiter when there is one, else (or when it
  /// fails) from the local bucket. A limit of 0 is unlimited either way.
  bool acquire(std::string_view operation, std::int64_t per_minute, TokenBucket* local) const {
    if (local == nullptr) return true;
    if (shared_limit) {
      try {
        return shared_limit.try_acquire(operation, per_minute);
      } catch (const std::exception& e) {
        if (!shared_limit_failure_logged.exchange(true)) {
          log(LogLevel::warning,
              std::string{"shared rate limiter failed, using the local limit: "} + e.what());
        }
      } catch (...) {
        if (!shared_limit_failure_logged.exchange(true)) {
          log(LogLevel::warning, "shared rate limiter failed, using the local limit");
        }
      }
    }
    return local->try_acquire(monotonic_clock());
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
  Reason check_claims(const Decoded& token, std::int64_t now, const ExpectedAudience& expected,
                      ActionIndex action_index, Verdict& v) const;

  /// Steps 1 to 14 and then, by mode, steps 15-16 (validate) or the atomic insert (consume).
  Verdict run(std::string_view token, const ExpectedAudience& expected, ActionIndex action_index,
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

  if (!impl_->acquire("create", impl_->config.rate_limit_create, impl_->create_limit.get())) {
    throw RateLimitExceeded("token creation rate limit (JWTSERVICE_RATELIMIT_CREATE) exceeded");
  }

  const std::int64_t now = impl_->clock();
  if (request.expires_in > 0 && now > int64_max - request.expires_in) {
    throw InvalidArgument("expires_in is too large: exp would overflow");
  }

  // Claims in the order the Python package writes them.
  std::string payload;
  payload.reserve(160 + request.sub.size() + impl_->config.issuer.size());
  payload += "{\"sub\":";
  append_json_string(payload, request.sub, "sub");
  payload += ",\"iat\":";
  append_int(payload, now);
  payload += ",\"nbf\":";
  append_int(payload, now);
  if (request.expires_in > 0) {
    payload += ",\"exp\":";
    append_int(payload, now + request.expires_in);
  }
  payload += ",\"iss\":";
  append_json_string(payload, impl_->config.issuer, "JWTSERVICE_ISSUER");
  if (request.audience) {
    payload += ",\"aud\":";
    append_json_string(payload, *request.audience, "audience");
  } else if (impl_->config.audience) {
    payload += ",\"aud\":";
    append_json_string(payload, *impl_->config.audience, "JWTSERVICE_AUDIENCE");
  }
  if (request.action) {
    payload += ",\"action\":";
    append_json_string(payload, *request.action, "action");
  }
  payload += ",\"jti\":";
  if (request.jti) {
    append_json_string(payload, *request.jti, "jti");
  } else {
    payload += '"';
    append_uuid4(payload);
    payload += '"';
  }
  if (extra != nullptr) {
    payload += ",\"extra_data\":";
    try {
      payload += extra->dump();
    } catch (const json::type_error&) {
      throw InvalidArgument("extra_data must be valid UTF-8");
    }
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
                         ActionIndex action_index) const noexcept {
  try {
    return impl_->run(token, expected, action_index, Mode::validate);
  } catch (...) {
    // Only resource exhaustion gets here; refuse the token rather than guess.
    impl_->log(LogLevel::error, "token validation failed internally (out of memory?); token refused");
    return Verdict{};
  }
}

Verdict Engine::consume(std::string_view token, const ExpectedAudience& expected,
                        ActionIndex action_index) const {
  if (!impl_->store) {
    throw StoreError("consumir needs a revocation store: single use cannot be enforced without one");
  }
  return impl_->run(token, expected, action_index, Mode::consume);
}

bool Engine::revoke(std::string_view token, std::optional<std::string_view> reason) const {
  if (!impl_->store) {
    impl_->log(LogLevel::warning, "revogar called without a revocation store: nothing was revoked");
    return false;
  }
  Decoded decoded;
  if (impl_->decode(token, decoded) != Reason::none) return false;
  // Only signature and expiry matter: a token of another audience or issuer can still be revoked.
  if (decoded.claims.jti.type != JsonType::string) return false;
  const std::string jti = string_value(decoded.claims.jti);
  if (is_blank(jti)) return false;
  const auto ttl =
      revocation_ttl(decoded.exp, impl_->clock(), impl_->config.leeway, impl_->revocation_ttl_max);
  if (!ttl) return false;  // expired: it can no longer be used anyway
  return impl_->store_revoke(jti, *ttl, reason);
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

  const auto payload_text = decode_segment(payload_b64, out.payload);
  if (!payload_text || !base64url_is_canonical(signature_b64)) return Reason::invalid;
  // The header jwtservice writes is accepted by its exact bytes; any other is decoded and read.
  if (header_b64 != kHeaderB64) {
    SegmentBuffer header_buffer;
    const auto header_text = decode_segment(header_b64, header_buffer);
    if (!header_text || !header_acceptable(*header_text, config.algorithm)) return Reason::invalid;
  }

  // 4. bad_signature: a MAC of the wrong length is a mismatch too. Nothing of the payload has
  //    been parsed yet.
  Mac256 signature{};
  if (signature_b64.size() != base64url_encoded_size(signature.size()) ||
      !base64url_decode(signature_b64, signature.data()) ||
      !key.verify(token.substr(0, dot2), signature.data(), signature.size())) {
    return Reason::bad_signature;
  }

  // 5. invalid: a malformed payload.
  ClaimSpans& claims = out.claims;
  if (!read_claims(*payload_text, claims)) return Reason::invalid;
  if (claims.nbf.present() && !(out.nbf = numeric_date(claims.nbf))) return Reason::invalid;
  if (claims.exp.present() && !(out.exp = numeric_date(claims.exp))) return Reason::invalid;
  if (claims.iss.present() && claims.iss.type != JsonType::string) return Reason::invalid;
  if (claims.aud.present() && claims.aud.type != JsonType::string && !is_string_array(claims.aud)) {
    return Reason::invalid;
  }
  return Reason::none;
}

Reason Engine::Impl::check_claims(const Decoded& token, std::int64_t now, const ExpectedAudience& expected,
                                  ActionIndex action_index, Verdict& v) const {
  const ClaimSpans& claims = token.claims;
  const std::int64_t leeway = config.leeway;

  // 6. invalid_iat
  std::optional<std::int64_t> iat;
  if (claims.iat.present()) {
    iat = numeric_date(claims.iat);
    if (!iat || *iat > sat_add(now, leeway)) return Reason::invalid_iat;
  }
  // 7. immature
  if (token.nbf && *token.nbf > sat_add(now, leeway)) return Reason::immature;
  // 8. expired: a token is expired AT its exp second; exp - now + leeway <= 0, computed in a
  //    form that stays exact where now - leeway would underflow.
  if (token.exp && sat_add(sat_sub(*token.exp, now), leeway) <= 0) return Reason::expired;
  // 9. invalid_issuer
  if (!string_equals(claims.iss, config.issuer)) return Reason::invalid_issuer;
  // 10. invalid_audience: checked only when an audience is expected.
  const bool audience_expected = !expected.use_config() || config.audience.has_value();
  auto accepted = [&](const JsonSpan& aud) {
    if (expected.use_config()) return string_equals(aud, *config.audience);
    return aud.escaped ? expected.contains(string_value(aud)) : expected.contains(aud.raw);
  };
  const JsonSpan* matched = nullptr;
  JsonSpan member;
  if (claims.aud.type == JsonType::string) {
    if (audience_expected && !accepted(claims.aud)) return Reason::invalid_audience;
    matched = &claims.aud;
  } else if (claims.aud.present()) {
    // A list reports the member that matched, or its first member when nothing was expected.
    if (find_string(claims.aud, [&](const JsonSpan& m) {
          member = m;
          return !audience_expected || accepted(m);
        })) {
      matched = &member;
    } else if (audience_expected) {
      return Reason::invalid_audience;
    }
  } else if (audience_expected) {
    return Reason::invalid_audience;
  }
  // 11. missing_sub (an escape always decodes to at least one character)
  if (claims.sub.type != JsonType::string || claims.sub.raw.empty()) return Reason::missing_sub;
  // 12. invalid_action
  int action = -1;
  if (claims.action.present()) {
    if (claims.action.type != JsonType::string) return Reason::invalid_action;
    action =
        claims.action.escaped ? action_index(string_value(claims.action)) : action_index(claims.action.raw);
    if (action < 0) return Reason::invalid_action;
  }
  // 13. invalid_extra_data
  if (claims.extra_data.present() && claims.extra_data.type != JsonType::object)
    return Reason::invalid_extra_data;

  v.sub = string_value(claims.sub);
  if (action >= 0) v.action = static_cast<std::size_t>(action);
  if (iat) v.age = sat_sub(now, *iat);
  if (token.exp) v.expires_in = sat_sub(*token.exp, now);
  if (matched != nullptr) v.aud = string_value(*matched);
  // The reader has already held the object to every strict rule; it is only built here.
  if (claims.extra_data.present()) v.extra_data = json_value(claims.extra_data);
  if (claims.jti.type == JsonType::string) v.jti = string_value(claims.jti);
  return Reason::none;
}

Verdict Engine::Impl::run(std::string_view token, const ExpectedAudience& expected, ActionIndex action_index,
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
  if (!acquire("validate", config.rate_limit_validate, validate_limit.get()))
    return fail(Reason::rate_limited);
  // 3-5. invalid, bad_signature, invalid
  Decoded decoded;
  if (const Reason r = decode(token, decoded); r != Reason::none) return fail(r);
  // 6-13.
  const std::int64_t now = clock();
  Verdict v;
  if (const Reason r = check_claims(decoded, now, expected, action_index, v); r != Reason::none)
    return fail(r);
  if (!store) {
    v.reason = Reason::none;
    return v;
  }
  // 14. missing_jti: a store cannot revoke what it cannot name.
  if (!v.jti || is_blank(*v.jti)) return fail(Reason::missing_jti);
  const std::string& jti = *v.jti;

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
