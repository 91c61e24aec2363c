// The service core: an orchestrator whose lines are the documented steps (docs/validation.md),
// over the rooms that do them: limits, token writer, token decoder, claim checks, the store.
#include "jwtservice/detail/engine.hpp"

#include <openssl/crypto.h>

#include <utility>

#include "engine/claim_checks.hpp"
#include "engine/keyring.hpp"
#include "engine/limits.hpp"
#include "engine/metrics.hpp"
#include "engine/token_decoder.hpp"
#include "engine/token_writer.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"
#include "safe_log.hpp"

namespace jwtservice::detail {
namespace {

enum class Mode { validate, consume };

/// Wipes a secret in place and releases its memory.
void wipe(std::string& secret) noexcept {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
  secret.shrink_to_fit();
}

/// What an Event may say of a token whose signature was verified: owned copies, filled only
/// when an observer is set.
struct Seen {
  std::string action, sub, jti;

  void take(const ClaimSpans& claims) {
    auto text = [](const JsonSpan& s) {
      return s.type == JsonType::string ? string_value(s) : std::string{};
    };
    action = text(claims.action);
    sub = text(claims.sub);
    jti = text(claims.jti);
  }
};

}  // namespace

struct Engine::Impl {
  Config config;
  SafeLog log;
  Clock clock;
  RevocationStoreHandle store;  // before limits: its fused check refers to the store
  std::optional<std::int64_t> revocation_ttl_max;
  Keyring keys;
  Limits limits;
  Metrics metrics;

  Impl(Config validated_config, ServiceOptions options)
      : config(std::move(validated_config)),
        log(std::move(options.logger)),
        clock(options.clock ? std::move(options.clock) : Clock{&system_now}),
        store(std::move(options.revocation_store)),
        revocation_ttl_max(options.revocation_ttl_max),
        keys(config),
        limits(config, std::move(options.rate_limiter), store, options.monotonic_clock, log),
        metrics(std::move(options.observer), std::move(options.monotonic_clock), log) {}

  Reason run(std::string_view token, const ValidateRequest& request, Mode mode, Seen* seen,
             Verdict& out) const;
  Reason check_locally(std::string_view token, const ValidateRequest& request, std::int64_t now, Seen* seen,
                       DecodedToken& decoded, Verdict& out) const;
  static Reason refused(Verdict& out, Seen* seen);
  Reason finish(const std::string& jti, std::optional<std::int64_t> exp, std::int64_t now, Mode mode,
                std::optional<bool> revoked) const;
  bool store_revoke(std::string_view jti, std::int64_t ttl, std::optional<std::string_view> reason) const;
  void warn_about(const Config& given) const;
};

Engine::Engine(Config config, ServiceOptions options) {
  Config checked = validated(std::move(config));
  if (options.revocation_ttl_max && *options.revocation_ttl_max <= 0) {
    throw ConfigError("revocation_ttl_max must be a positive number of seconds");
  }
  try {
    impl_ = std::make_unique<Impl>(checked, std::move(options));
  } catch (const std::runtime_error& e) {
    wipe(checked.secret_key);
    for (auto& key : checked.secret_key_fallbacks)
      wipe(key);
    if (dynamic_cast<const Error*>(&e) != nullptr) throw;
    throw ConfigError(std::string{"SECRET_KEY could not be used as an HMAC-SHA-256 key: "} + e.what());
  }
  impl_->warn_about(checked);
  // The keys now live only inside OpenSSL's MAC states; wipe every copy of ours.
  for (Config* c : {&checked, &impl_->config}) {
    wipe(c->secret_key);
    for (auto& key : c->secret_key_fallbacks)
      wipe(key);
    c->secret_key_fallbacks.clear();
    c->secret_key_fallbacks.shrink_to_fit();
  }
}

void Engine::Impl::warn_about(const Config& given) const {
  if (given.secret_key.size() < recommended_secret_bytes) {
    log(LogLevel::warning,
        "SECRET_KEY is shorter than 32 bytes; RFC 7518 §3.2 asks HS256 keys for at least 256 bits "
        "(set JWTSERVICE_MIN_SECRET_BYTES=32 to refuse such secrets)");
  }
  for (std::size_t i = 0; i < given.secret_key_fallbacks.size(); ++i) {
    if (given.secret_key_fallbacks[i].size() < recommended_secret_bytes) {
      log(LogLevel::warning, "JWTSERVICE_SECRET_KEY_FALLBACKS[" + std::to_string(i) +
                                 "] is shorter than 32 bytes; rotate it away soon");
    }
  }
  if (given.rate_limit_create == 0)
    log(LogLevel::warning, "JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)");
  if (given.rate_limit_validate == 0) {
    log(LogLevel::warning, "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)");
  }
}

Engine::~Engine() = default;

const Config& Engine::config() const noexcept { return impl_->config; }

Stats Engine::stats() const noexcept { return impl_->metrics.stats(); }

std::string Engine::create(const CreateRequest& request) const {
  const auto started = impl_->metrics.start();
  Event event{.operation = Operation::create, .reason = Reason::invalid};
  try {
    // Everything validation would refuse is refused before a rate-limit token is taken.
    check_create_request(request);
    std::string drawn_jti;  // a drawn jti, copied out only for an observer
    std::string token = write_signing_input(request, impl_->clock(), impl_->config, impl_->keys,
                                            impl_->metrics.observing() ? &drawn_jti : nullptr);
    if (!impl_->limits.acquire_create()) {
      event.reason = Reason::rate_limited;
      throw RateLimitExceeded("token creation rate limit (JWTSERVICE_RATELIMIT_CREATE) exceeded");
    }
    append_signature(token, impl_->keys);
    event = {.operation = Operation::create,
             .action = request.action.value_or(""),
             .sub = request.sub,
             .jti = request.jti ? *request.jti : std::string_view{drawn_jti}};
    impl_->metrics.record(event, started);
    return token;
  } catch (...) {
    impl_->metrics.record(event, started);
    throw;
  }
}

void Engine::validate(std::string_view token, const ValidateRequest& request, Verdict& out) const noexcept {
  const auto started = impl_->metrics.start();
  Seen seen;
  try {
    out = Verdict{};  // whatever the caller's slot held, a refusal must not carry it
    out.reason =
        impl_->run(token, request, Mode::validate, impl_->metrics.observing() ? &seen : nullptr, out);
  } catch (...) {
    // Only resource exhaustion gets here; refuse the token rather than guess.
    impl_->log(LogLevel::error, "token validation failed internally (out of memory?); token refused");
    out = Verdict{};  // reason invalid, no claims
  }
  impl_->metrics.record({Operation::validate, out.reason, seen.action, seen.sub, seen.jti, {}}, started);
}

void Engine::consume(std::string_view token, const ValidateRequest& request, Verdict& out) const {
  const auto started = impl_->metrics.start();
  Seen seen;
  out = Verdict{};
  try {
    if (!impl_->store) {
      throw StoreError("consumir needs a revocation store: single use cannot be enforced without one");
    }
    out.reason = impl_->run(token, request, Mode::consume, impl_->metrics.observing() ? &seen : nullptr, out);
  } catch (const StoreError&) {
    impl_->metrics.record(
        {Operation::consume, Reason::store_unavailable, seen.action, seen.sub, seen.jti, {}}, started);
    throw;
  }
  impl_->metrics.record({Operation::consume, out.reason, seen.action, seen.sub, seen.jti, {}}, started);
}

/// The documented steps, in order (docs/validation.md): the first reason met, or Reason::none.
/// `out` is filled with the token's claims only when every claim check passed; a refusal
/// after that leaves only the jti of a revoked token.
///
/// Fused (a validation, with a store and a shared limiter that answer in one command; see
/// Limits): step 2 is taken after the local steps 3-16, with 17-18 in that one command when they
/// passed, or alone when one failed. The reason is the same as in the plain order: whenever the
/// limiter refuses, it is rate_limited.
Reason Engine::Impl::run(std::string_view token, const ValidateRequest& request, Mode mode, Seen* seen,
                         Verdict& out) const {
  if (is_blank(token)) return Reason::missing_token;                       // 1
  const bool fused = mode == Mode::validate && limits.fuses_validation();  // implies a store
  if (!fused && !limits.acquire_validate()) return Reason::rate_limited;   // 2
  const std::int64_t now = clock();
  DecodedToken decoded;
  if (const Reason r = check_locally(token, request, now, seen, decoded, out); r != Reason::none) {  // 3-16
    return fused && !limits.acquire_validate() ? refused(out, seen) : r;  // 2, fused
  }
  if (!store) return Reason::none;
  std::optional<bool> revoked;  // what the fused command learnt; empty = ask the store
  if (fused) {
    const Limits::Admission admission = limits.acquire_validate_checking(*out.jti);  // 2, fused
    if (!admission.taken) return refused(out, seen);
    revoked = admission.revoked;
  }
  if (const Reason r = finish(*out.jti, decoded.exp, now, mode, revoked); r != Reason::none) {  // 17, 18
    std::optional<std::string> jti = r == Reason::revoked ? std::move(out.jti) : std::nullopt;
    out = Verdict{};
    out.jti = std::move(jti);  // a revoked token names its jti, and nothing else
    return r;
  }
  return Reason::none;
}

/// Steps 3 to 16, those decided without asking a shared service. Fills `out` with the token's
/// claims when steps 3-15 passed.
Reason Engine::Impl::check_locally(std::string_view token, const ValidateRequest& request, std::int64_t now,
                                   Seen* seen, DecodedToken& decoded, Verdict& out) const {
  if (const Reason r = decode_token(token, config, keys, decoded); r != Reason::none) return r;  // 3-5
  if (seen != nullptr) seen->take(decoded.claims);  // verified: an observer may see who and what
  ClaimChecker check{decoded, now, request, config, keys};
  if (const Reason r = check.issued_at(); r != Reason::none) return r;        // 6
  if (const Reason r = check.not_before(); r != Reason::none) return r;       // 7
  if (const Reason r = check.expiry(); r != Reason::none) return r;           // 8
  if (const Reason r = check.issuer(); r != Reason::none) return r;           // 9
  if (const Reason r = check.audience(); r != Reason::none) return r;         // 10
  if (const Reason r = check.subject(); r != Reason::none) return r;          // 11
  if (const Reason r = check.action(); r != Reason::none) return r;           // 12
  if (const Reason r = check.expected_action(); r != Reason::none) return r;  // 13
  if (const Reason r = check.extra_data(); r != Reason::none) return r;       // 14
  if (const Reason r = check.binding(); r != Reason::none) return r;          // 15
  check.fill(out);
  if (store && (!out.jti || is_blank(*out.jti))) {  // 16
    out = Verdict{};
    return Reason::missing_jti;
  }
  return Reason::none;
}

/// A fused step 2 that refused after the local steps: the result and the observer's view are
/// those of a refusal at step 2, which comes before anything about the token is known.
Reason Engine::Impl::refused(Verdict& out, Seen* seen) {
  out = Verdict{};
  if (seen != nullptr) *seen = Seen{};
  return Reason::rate_limited;
}

/// Steps 17 and 18 for validate: ask the store, failing closed, unless the fused command already
/// answered (`revoked`). For consume, the store's atomic insert is the check: exactly one caller
/// inserts, every other one is told "revoked"; a store that fails throws StoreError, so nothing
/// is ever consumed twice.
Reason Engine::Impl::finish(const std::string& jti, std::optional<std::int64_t> exp, std::int64_t now,
                            Mode mode, std::optional<bool> revoked) const {
  if (mode == Mode::consume) {
    const auto ttl = revocation_ttl(exp, now, config.leeway, revocation_ttl_max);
    return ttl && store_revoke(jti, *ttl, "consumed") ? Reason::none : Reason::revoked;
  }
  if (!revoked) {
    try {
      revoked = store.is_revoked(jti);
    } catch (const std::exception& e) {
      log(LogLevel::error, std::string{"revocation store failed: "} + e.what());
      return Reason::store_unavailable;
    } catch (...) {
      log(LogLevel::error, "revocation store failed with a non-standard exception");
      return Reason::store_unavailable;
    }
  }
  return *revoked ? Reason::revoked : Reason::none;
}

bool Engine::revoke(std::string_view token, std::optional<std::string_view> reason) const {
  const auto started = impl_->metrics.start();
  Event event{.operation = Operation::revoke, .reason = Reason::store_unavailable};
  Seen seen;
  try {
    bool done = false;
    DecodedToken decoded;
    if (!impl_->store) {
      impl_->log(LogLevel::warning, "revogar called without a revocation store: nothing was revoked");
    } else if (decode_token(token, impl_->config, impl_->keys, decoded) == Reason::none) {
      // Only signature and expiry matter: a token of another audience or issuer can still be revoked.
      if (impl_->metrics.observing()) seen.take(decoded.claims);
      const ClaimSpans& claims = decoded.claims;
      const std::string jti = claims.jti.type == JsonType::string ? string_value(claims.jti) : std::string{};
      const auto ttl =
          revocation_ttl(decoded.exp, impl_->clock(), impl_->config.leeway, impl_->revocation_ttl_max);
      done = !is_blank(jti) && ttl && impl_->store_revoke(jti, *ttl, reason);
    }
    event = {Operation::revoke, done ? Reason::none : Reason::invalid, seen.action, seen.sub, seen.jti, {}};
    impl_->metrics.record(event, started);
    return done;
  } catch (...) {
    impl_->metrics.record({Operation::revoke, Reason::store_unavailable, seen.action, seen.sub, seen.jti, {}},
                          started);
    throw;
  }
}

bool Engine::revoke_jti(std::string_view jti, std::int64_t exp,
                        std::optional<std::string_view> reason) const {
  const auto started = impl_->metrics.start();
  try {
    bool done = false;
    if (!impl_->store) {
      impl_->log(LogLevel::warning, "revogar_jti called without a revocation store: nothing was revoked");
    } else if (!is_blank(jti)) {
      const auto ttl = revocation_ttl(exp, impl_->clock(), impl_->config.leeway, impl_->revocation_ttl_max);
      done = ttl && impl_->store_revoke(jti, *ttl, reason);
    }
    impl_->metrics.record({Operation::revoke_jti, done ? Reason::none : Reason::invalid, {}, {}, jti, {}},
                          started);
    return done;
  } catch (...) {
    impl_->metrics.record({Operation::revoke_jti, Reason::store_unavailable, {}, {}, jti, {}}, started);
    throw;
  }
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

}  // namespace jwtservice::detail
