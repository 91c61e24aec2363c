// BasicService: creates purpose-tagged tokens and validates them in the documented order.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jwtservice/action.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/detail/engine.hpp"
#include "jwtservice/errors.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/result.hpp"

namespace jwtservice {

/// The arguments of `criar`, in the contract's order; every field but `sub` is optional.
template <class Action = JWTAction>
struct BasicCreateOptions {
  std::optional<Action> action{};         ///< written as its NAME in the `action` claim
  std::string sub{};                      ///< required, not blank
  std::int64_t expires_in = 600;          ///< seconds; 0 = no exp claim; negative is an error
  std::optional<std::string> audience{};  ///< else the config audience; not blank
  std::optional<std::string> jti{};       ///< else a random UUID v4; not blank
  nlohmann::json extra_data = nullptr;    ///< null = absent, else a JSON object
};

using CreateOptions = BasicCreateOptions<JWTAction>;

/// Creates and validates HS256 tokens tagged with an action of `Action`.
///
/// Guarantees: the algorithm is fixed by the config, never read from the token; the signature
/// is verified (in constant time) before the payload is parsed; `validar` never throws for
/// anything a token, the load or a store outage can cause. Every member may be called
/// concurrently from many threads on one object.
///
/// **Example**:
/// ```
/// jwtservice::Service service{jwtservice::load_token_config_from_env()};
/// auto token = service.criar({.action = jwtservice::JWTAction::VALIDAR_EMAIL, .sub = "ana@example.com"});
/// if (auto r = service.validar(token); r.valid) { /* r.sub, r.action, ... */ }
/// ```
template <class Action = JWTAction>
class BasicService {
  static_assert(ActionEnum<Action>,
                "specialise jwtservice::action_traits<YourEnum> with a `names` array of "
                "(enumerator, name) pairs to use it as an action");
  static_assert(detail::action_names_well_formed<Action>(),
                "action_traits names must be non-empty and unique, each enumerator listed once");

 public:
  using action_type = Action;
  using CreateOptions = BasicCreateOptions<Action>;
  using Result = BasicVerificationResult<Action>;

  /// Validates `config` (throws ConfigError naming the key) and prepares the key once.
  BasicService(Config config,
               ServiceOptions options = {})  // NOLINT(google-explicit-constructor): the contract's form
      : engine_(std::make_unique<detail::Engine>(std::move(config), std::move(options))) {}

  /// Creates a signed token. Throws InvalidArgument for a blank sub, jti or audience, a
  /// negative expires_in or a non-object extra_data; RateLimitExceeded when the create limit
  /// is spent; TokenCreationError when randomness or the MAC fails.
  ///
  /// **Example**: `service.criar({.sub = "ana@example.com", .expires_in = 900});`
  [[nodiscard]] std::string criar(const CreateOptions& options) const {
    std::optional<std::string_view> action;
    if (options.action) {
      action = action_name(*options.action);
      if (!action) throw InvalidArgument("action is not listed in action_traits");
    }
    return engine_->create({.action = action,
                            .sub = options.sub,
                            .expires_in = options.expires_in,
                            .audience = view(options.audience),
                            .jti = view(options.jti),
                            .extra_data = &options.extra_data});
  }

  /// Validates against the config audience, if any.
  [[nodiscard]] Result validar(std::string_view token) const {
    return run(token, detail::ExpectedAudience::from_config());
  }
  /// Validates expecting exactly this audience (instead of the config's).
  [[nodiscard]] Result validar(std::string_view token, std::string_view audience) const {
    return run(token, detail::ExpectedAudience{std::span<const std::string_view>{&audience, 1}});
  }
  /// Validates expecting any of these audiences: `service.validar(t, {"web-app", "mobile-app"})`.
  /// An empty list accepts no audience at all.
  [[nodiscard]] Result validar(std::string_view token,
                               std::initializer_list<std::string_view> audiences) const {
    return run(token, detail::ExpectedAudience{
                          std::span<const std::string_view>{audiences.begin(), audiences.size()}});
  }
  /// Validates expecting any of these audiences. An empty list accepts no audience at all.
  [[nodiscard]] Result validar(std::string_view token, const std::vector<std::string>& audiences) const {
    return run(token, detail::ExpectedAudience{std::span<const std::string>{audiences}});
  }

  /// Revokes `token` until its exp (+ leeway, capped by revocation_ttl_max; a token without
  /// exp for revocation_ttl_max, else permanently). Only signature and expiry are checked, not
  /// iss/aud/nbf/iat. Returns true when revoked now; false when it already was, without a store
  /// (logged), for an invalid or expired token, or one without jti. Throws StoreError when the
  /// store fails.
  ///
  /// **Example**: `service.revogar(token, "logout");`
  bool revogar(std::string_view token, std::optional<std::string_view> reason = std::nullopt) const {
    return engine_->revoke(token, reason);
  }

  /// Revokes a jti until `exp` (+ leeway). False for a blank jti, an exp already past, or
  /// without a store; throws StoreError when the store fails.
  bool revogar_jti(std::string_view jti, std::int64_t exp,
                   std::optional<std::string_view> reason = std::nullopt) const {
    return engine_->revoke_jti(jti, exp, reason);
  }

  /// Validates, then revokes the jti in one atomic insert: of any number of concurrent callers
  /// (threads, or processes sharing the store) exactly one gets `valid`, the others `revoked`.
  /// Takes the audience forms of `validar`. Throws StoreError without a store or when it fails.
  ///
  /// **Example**: `if (service.consumir(reset_token, "reset-api").valid) { /* change password */ }`
  [[nodiscard]] Result consumir(std::string_view token) const {
    return consume_with(token, detail::ExpectedAudience::from_config());
  }
  [[nodiscard]] Result consumir(std::string_view token, std::string_view audience) const {
    return consume_with(token, detail::ExpectedAudience{std::span<const std::string_view>{&audience, 1}});
  }
  [[nodiscard]] Result consumir(std::string_view token,
                                std::initializer_list<std::string_view> audiences) const {
    return consume_with(token, detail::ExpectedAudience{
                                   std::span<const std::string_view>{audiences.begin(), audiences.size()}});
  }
  [[nodiscard]] Result consumir(std::string_view token, const std::vector<std::string>& audiences) const {
    return consume_with(token, detail::ExpectedAudience{std::span<const std::string>{audiences}});
  }

  /// English names; identical behaviour.
  bool revoke(std::string_view token, std::optional<std::string_view> reason = std::nullopt) const {
    return revogar(token, reason);
  }
  bool revoke_jti(std::string_view jti, std::int64_t exp,
                  std::optional<std::string_view> reason = std::nullopt) const {
    return revogar_jti(jti, exp, reason);
  }
  [[nodiscard]] Result consume(std::string_view token) const { return consumir(token); }
  [[nodiscard]] Result consume(std::string_view token, std::string_view audience) const {
    return consumir(token, audience);
  }
  [[nodiscard]] Result consume(std::string_view token,
                               std::initializer_list<std::string_view> audiences) const {
    return consumir(token, audiences);
  }
  [[nodiscard]] Result consume(std::string_view token, const std::vector<std::string>& audiences) const {
    return consumir(token, audiences);
  }
  [[nodiscard]] std::string create(const CreateOptions& options) const { return criar(options); }
  [[nodiscard]] Result validate(std::string_view token) const { return validar(token); }
  [[nodiscard]] Result validate(std::string_view token, std::string_view audience) const {
    return validar(token, audience);
  }
  [[nodiscard]] Result validate(std::string_view token,
                                std::initializer_list<std::string_view> audiences) const {
    return validar(token, audiences);
  }
  [[nodiscard]] Result validate(std::string_view token, const std::vector<std::string>& audiences) const {
    return validar(token, audiences);
  }

  /// The validated config, with `secret_key` wiped (the key lives only inside the MAC state).
  [[nodiscard]] const Config& config() const noexcept { return engine_->config(); }

 private:
  static std::optional<std::string_view> view(const std::optional<std::string>& s) noexcept {
    return s ? std::optional<std::string_view>{*s} : std::nullopt;
  }

  static int action_index(std::string_view name) noexcept {
    const auto& names = action_traits<Action>::names;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (names[i].second == name) return static_cast<int>(i);
    }
    return -1;
  }

  Result run(std::string_view token, const detail::ExpectedAudience& audience) const {
    return to_result(engine_->validate(token, audience, &action_index));
  }

  Result consume_with(std::string_view token, const detail::ExpectedAudience& audience) const {
    return to_result(engine_->consume(token, audience, &action_index));
  }

  static Result to_result(detail::Verdict v) {
    Result r;
    r.reason = v.reason;
    r.status = status_for(v.reason);
    r.valid = v.reason == Reason::none;
    r.jti = std::move(v.jti);
    if (!r.valid) return r;
    r.sub = std::move(v.sub);
    if (v.action) r.action = action_traits<Action>::names[*v.action].first;
    r.age = v.age;
    r.expires_in = v.expires_in;
    r.aud = std::move(v.aud);
    r.extra_data = std::move(v.extra_data);
    return r;
  }

  std::unique_ptr<detail::Engine> engine_;
};

using Service = BasicService<JWTAction>;

}  // namespace jwtservice
