// What an endpoint expects of a token: audience, purpose, binding state and maximum age.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/action.hpp"

namespace jwtservice {

/// The audiences a validation accepts. Default-constructed (or `{}`): the config audience.
/// From one string, exactly that audience; from a braced list or a vector, any of them. Owns
/// its strings, so options may outlive the values they were built from.
///
/// **Example**: `service.validar(t, {.audience = {"web-app", "mobile-app"}});`
class Audience {
 public:
  /// The config audience.
  Audience() = default;
  /// Exactly this audience.
  Audience(const char* one) : list_{std::string{one}}, given_(true) {}  // NOLINT(google-explicit-constructor)
  /// Exactly this audience.
  Audience(std::string one) : list_{std::move(one)}, given_(true) {}  // NOLINT(google-explicit-constructor)
  /// Exactly this audience.
  Audience(std::string_view one)
      : list_{std::string{one}}, given_(true) {}  // NOLINT(google-explicit-constructor)
  /// Any of these audiences; an empty list accepts no audience at all.
  Audience(std::initializer_list<std::string_view> any)  // NOLINT(google-explicit-constructor)
      : list_(any.begin(), any.end()), given_(true) {}
  /// Any of these audiences; an empty list accepts no audience at all.
  Audience(std::vector<std::string> any)
      : list_(std::move(any)), given_(true) {}  // NOLINT(google-explicit-constructor)

  /// True when nothing was given: the config audience applies.
  [[nodiscard]] bool is_config() const noexcept { return !given_; }
  /// The audiences given (empty for the config audience).
  [[nodiscard]] std::span<const std::string> list() const noexcept { return list_; }

 private:
  std::vector<std::string> list_;
  bool given_ = false;
};

/// The options of `validar`, `consumir`, `validate` and `consume`; every field optional:
/// ```
/// service.validar(token, {.action = JWTAction::RESET_PASSWORD, .audience = "web-app",
///                         .binding = user.password_hash, .max_age = 900});
/// ```
/// Throws InvalidArgument (before any check) for an action not listed in action_traits, a
/// `max_age` <= 0, or an empty audience list.
template <class Action = JWTAction>
struct BasicValidateOptions {
  std::optional<Action> action{};         ///< the purpose this endpoint serves (step 13)
  Audience audience{};                    ///< default: the config audience (step 10)
  std::optional<std::string> binding{};   ///< the user's current state, e.g. the password hash (step 15)
  std::optional<std::int64_t> max_age{};  ///< seconds since iat this endpoint accepts (steps 6 and 8)
};

/// The options of `Service::validar`, for the built-in JWTAction.
using ValidateOptions = BasicValidateOptions<JWTAction>;

}  // namespace jwtservice
