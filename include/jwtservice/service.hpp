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

  /// English names; identical behaviour.
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

  static bool is_action_name(std::string_view name) noexcept {
    return action_from_name<Action>(name).has_value();
  }

  Result run(std::string_view token, const detail::ExpectedAudience& audience) const {
    detail::Verdict v = engine_->validate(token, audience, &is_action_name);
    Result r;
    r.reason = v.reason;
    r.status = status_for(v.reason);
    r.valid = v.reason == Reason::none;
    r.jti = std::move(v.jti);
    if (!r.valid) return r;
    r.sub = std::move(v.sub);
    if (v.action) r.action = action_from_name<Action>(*v.action);
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
