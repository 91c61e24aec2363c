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
#include "jwtservice/observer.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/result.hpp"
#include "jwtservice/validate_options.hpp"

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
  /// The user's current state (e.g. the password hash): the token then carries `bnd`, a keyed
  /// digest of sub and this state, and validates only with the same state. Not empty.
  std::optional<std::string> binding{};
};

/// The options of `Service::criar`, for the built-in JWTAction.
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
  using action_type = Action;                            ///< the enum that tags this service's tokens
  using CreateOptions = BasicCreateOptions<Action>;      ///< the argument of criar / create
  using Result = BasicVerificationResult<Action>;        ///< what validar and consumir return
  using ValidateOptions = BasicValidateOptions<Action>;  ///< an endpoint's expectations

  /// Validates `config` (throws ConfigError naming the key) and prepares the key once.
  BasicService(Config config,
               ServiceOptions options = {})  // NOLINT(google-explicit-constructor): the contract's form
      : engine_(std::make_unique<detail::Engine>(std::move(config), std::move(options))) {}

  /// Creates a signed token. Throws InvalidArgument for a blank sub, jti or audience, a
  /// negative expires_in, an empty binding, or an extra_data that is not an object, nests
  /// deeper than 63 levels or holds NaN/infinity, and for a token longer than
  /// JWTSERVICE_MAX_TOKEN_BYTES (all before a rate-limit token is taken); RateLimitExceeded
  /// when the create limit is spent; TokenCreationError when randomness or the MAC fails.
  ///
  /// **Example**: `service.criar({.sub = "ana@example.com", .expires_in = 900});`
  [[nodiscard]] std::string criar(const CreateOptions& options) const {
    // An unlisted action is refused by the engine, so that the refusal is counted and observed.
    const std::optional<std::string_view> action =
        options.action ? action_name(*options.action) : std::nullopt;
    return engine_->create({.action = action,
                            .sub = options.sub,
                            .expires_in = options.expires_in,
                            .audience = view(options.audience),
                            .jti = view(options.jti),
                            .extra_data = &options.extra_data,
                            .binding = view(options.binding),
                            .action_unlisted = options.action && !action});
  }

  /// Validates against the config audience, if any.
  [[nodiscard]] Result validar(std::string_view token) const {
    return run(token, detail::ValidateRequest{.action_index = &action_index});
  }
  /// Validates with the expectations of an endpoint: its purpose, audience, the user's
  /// binding state and a maximum age. Throws InvalidArgument (before any check) for an action
  /// not in action_traits, max_age <= 0 or an empty audience list.
  ///
  /// **Example**: `service.validar(t, {.action = JWTAction::RESET_PASSWORD, .binding = hash, .max_age =
  /// 900})`
  [[nodiscard]] Result validar(std::string_view token, const ValidateOptions& options) const {
    return run(token, request_for(options));
  }
  // The audience forms below are templates only so that a braced ValidateOptions argument
  // prefers the non-template overload above (GCC 12 otherwise calls the call ambiguous).
  /// Validates expecting exactly this audience (instead of the config's).
  template <int = 0>
  [[nodiscard]] Result validar(std::string_view token, std::string_view audience) const {
    return run(token,
               with_audience(detail::ExpectedAudience{std::span<const std::string_view>{&audience, 1}}));
  }
  /// Validates expecting any of these audiences: `service.validar(t, {"web-app", "mobile-app"})`.
  /// An empty list accepts no audience at all.
  template <int = 0>
  [[nodiscard]] Result validar(std::string_view token,
                               std::initializer_list<std::string_view> audiences) const {
    return run(token, with_audience(detail::ExpectedAudience{
                          std::span<const std::string_view>{audiences.begin(), audiences.size()}}));
  }
  /// Validates expecting any of these audiences. An empty list accepts no audience at all.
  template <int = 0>
  [[nodiscard]] Result validar(std::string_view token, const std::vector<std::string>& audiences) const {
    return run(token, with_audience(detail::ExpectedAudience{std::span<const std::string>{audiences}}));
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
  /// Takes the forms of `validar`. A refusal before the insert (a wrong action or binding,
  /// say) does not use the token up. Throws StoreError without a store or when it fails.
  ///
  /// **Example**: `if (service.consumir(t, {.action = JWTAction::RESET_PASSWORD, .binding = hash}).valid)
  /// ...`
  [[nodiscard]] Result consumir(std::string_view token) const {
    return consume_with(token, detail::ValidateRequest{.action_index = &action_index});
  }
  /// Consumes with an endpoint's expectations, as `validar(token, options)` checks them.
  [[nodiscard]] Result consumir(std::string_view token, const ValidateOptions& options) const {
    return consume_with(token, request_for(options));
  }
  /// Consumes expecting exactly this audience (instead of the config's).
  template <int = 0>
  [[nodiscard]] Result consumir(std::string_view token, std::string_view audience) const {
    return consume_with(
        token, with_audience(detail::ExpectedAudience{std::span<const std::string_view>{&audience, 1}}));
  }
  /// Consumes expecting any of these audiences. An empty list accepts no audience at all.
  template <int = 0>
  [[nodiscard]] Result consumir(std::string_view token,
                                std::initializer_list<std::string_view> audiences) const {
    return consume_with(token, with_audience(detail::ExpectedAudience{
                                   std::span<const std::string_view>{audiences.begin(), audiences.size()}}));
  }
  /// Consumes expecting any of these audiences. An empty list accepts no audience at all.
  template <int = 0>
  [[nodiscard]] Result consumir(std::string_view token, const std::vector<std::string>& audiences) const {
    return consume_with(token,
                        with_audience(detail::ExpectedAudience{std::span<const std::string>{audiences}}));
  }

  // English names, each identical to its Portuguese twin.

  /// Same as `revogar`.
  bool revoke(std::string_view token, std::optional<std::string_view> reason = std::nullopt) const {
    return revogar(token, reason);
  }
  /// Same as `revogar_jti`.
  bool revoke_jti(std::string_view jti, std::int64_t exp,
                  std::optional<std::string_view> reason = std::nullopt) const {
    return revogar_jti(jti, exp, reason);
  }
  /// Same as `consumir(token)`.
  [[nodiscard]] Result consume(std::string_view token) const { return consumir(token); }
  /// Same as `consumir(token, options)`.
  [[nodiscard]] Result consume(std::string_view token, const ValidateOptions& options) const {
    return consumir(token, options);
  }
  /// Same as `consumir(token, audience)`.
  template <int = 0>
  [[nodiscard]] Result consume(std::string_view token, std::string_view audience) const {
    return consumir(token, audience);
  }
  /// Same as `consumir(token, audiences)`.
  template <int = 0>
  [[nodiscard]] Result consume(std::string_view token,
                               std::initializer_list<std::string_view> audiences) const {
    return consumir(token, audiences);
  }
  /// Same as `consumir(token, audiences)`.
  template <int = 0>
  [[nodiscard]] Result consume(std::string_view token, const std::vector<std::string>& audiences) const {
    return consumir(token, audiences);
  }
  /// Same as `criar`.
  [[nodiscard]] std::string create(const CreateOptions& options) const { return criar(options); }
  /// Same as `validar(token)`.
  [[nodiscard]] Result validate(std::string_view token) const { return validar(token); }
  /// Same as `validar(token, options)`.
  [[nodiscard]] Result validate(std::string_view token, const ValidateOptions& options) const {
    return validar(token, options);
  }
  /// Same as `validar(token, audience)`.
  template <int = 0>
  [[nodiscard]] Result validate(std::string_view token, std::string_view audience) const {
    return validar(token, audience);
  }
  /// Same as `validar(token, audiences)`.
  template <int = 0>
  [[nodiscard]] Result validate(std::string_view token,
                                std::initializer_list<std::string_view> audiences) const {
    return validar(token, audiences);
  }
  /// Same as `validar(token, audiences)`.
  template <int = 0>
  [[nodiscard]] Result validate(std::string_view token, const std::vector<std::string>& audiences) const {
    return validar(token, audiences);
  }

  /// The counters since construction (validations and consumptions by reason, creations,
  /// refusals, revocations); `to_prometheus(service.stats())` exposes them.
  [[nodiscard]] Stats stats() const noexcept { return engine_->stats(); }

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

  static detail::ValidateRequest with_audience(detail::ExpectedAudience audience) {
    return {.audience = audience, .action_index = &action_index};
  }

  /// The engine's view of `options`; it points into them, so it lives no longer than they do.
  static detail::ValidateRequest request_for(const ValidateOptions& options) {
    detail::ValidateRequest request{.action_index = &action_index};
    if (!options.audience.is_config()) {
      if (options.audience.list().empty()) {
        throw InvalidArgument(
            "ValidateOptions::audience is an empty list, which accepts nothing; "
            "leave it unset for the config audience");
      }
      request.audience = detail::ExpectedAudience{options.audience.list()};
    }
    if (options.action) {
      request.action = detail::action_position(*options.action);
      if (!request.action) throw InvalidArgument("ValidateOptions::action is not listed in action_traits");
    }
    if (options.max_age && *options.max_age <= 0) {
      throw InvalidArgument("ValidateOptions::max_age must be a positive number of seconds");
    }
    request.max_age = options.max_age;
    if (options.binding) request.binding = std::string_view{*options.binding};
    return request;
  }

  Result run(std::string_view token, const detail::ValidateRequest& request) const {
    detail::Verdict v;
    engine_->validate(token, request, v);
    return to_result(v);
  }

  Result consume_with(std::string_view token, const detail::ValidateRequest& request) const {
    detail::Verdict v;
    engine_->consume(token, request, v);
    return to_result(v);
  }

  static Result to_result(detail::Verdict& v) {
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

/// The service for the built-in JWTAction: `jwtservice::Service service{config};`.
using Service = BasicService<JWTAction>;

}  // namespace jwtservice
