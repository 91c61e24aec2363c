// Purpose tags: the built-in JWTAction enum and the trait that makes a user's own enum usable.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace jwtservice {

/// The actions of the Python package, with the same names and values.
enum class JWTAction {
  NO_ACTION = 0,
  VALIDAR_EMAIL = 1,
  RESET_PASSWORD = 2,
  PENDING_2FA = 3,
  ACTIVATING_2FA = 4,
  PENDING_PASSWORD_CHANGE = 5
};

/// Specialise for your own enum to use it as the `action` claim. The claim carries the NAME.
///
/// **Example**:
/// ```
/// template <> struct jwtservice::action_traits<app::MyAction> {
///   static constexpr std::array names{
///       std::pair{app::MyAction::NO_ACTION, std::string_view{"NO_ACTION"}},
///       std::pair{app::MyAction::SIGNUP, std::string_view{"SIGNUP"}}};
/// };
/// ```
template <class Action>
struct action_traits;  // deliberately undefined: an enum without names cannot be an action

/// The names of the built-in actions, as the Python package writes them into the `action` claim.
template <>
struct action_traits<JWTAction> {
  /// Each enumerator with its name in tokens.
  static constexpr std::array names{
      std::pair{JWTAction::NO_ACTION, std::string_view{"NO_ACTION"}},
      std::pair{JWTAction::VALIDAR_EMAIL, std::string_view{"VALIDAR_EMAIL"}},
      std::pair{JWTAction::RESET_PASSWORD, std::string_view{"RESET_PASSWORD"}},
      std::pair{JWTAction::PENDING_2FA, std::string_view{"PENDING_2FA"}},
      std::pair{JWTAction::ACTIVATING_2FA, std::string_view{"ACTIVATING_2FA"}},
      std::pair{JWTAction::PENDING_PASSWORD_CHANGE, std::string_view{"PENDING_PASSWORD_CHANGE"}}};
};

namespace detail {

template <class Action>
consteval bool action_names_well_formed() {
  constexpr auto& names = action_traits<Action>::names;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].second.empty()) return false;
    for (std::size_t j = i + 1; j < names.size(); ++j) {
      if (names[i].first == names[j].first || names[i].second == names[j].second) return false;
    }
  }
  return true;
}

}  // namespace detail

/// An enum whose action_traits list (enumerator, name) pairs.
template <class A>
concept ActionEnum = std::is_enum_v<A> && requires {
  { action_traits<A>::names.size() } -> std::convertible_to<std::size_t>;
  { action_traits<A>::names[0].first } -> std::convertible_to<A>;
  { action_traits<A>::names[0].second } -> std::convertible_to<std::string_view>;
};

namespace detail {
/// Where `action` stands in action_traits<Action>::names, or nullopt when it is not listed.
template <ActionEnum Action>
[[nodiscard]] constexpr std::optional<std::size_t> action_position(Action action) noexcept {
  const auto& names = action_traits<Action>::names;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].first == action) return i;
  }
  return std::nullopt;
}
}  // namespace detail

/// The claim name of `action`, or nullopt for an enumerator the trait does not list.
template <ActionEnum Action>
[[nodiscard]] constexpr std::optional<std::string_view> action_name(Action action) noexcept {
  const auto i = detail::action_position(action);
  return i ? std::optional<std::string_view>{action_traits<Action>::names[*i].second} : std::nullopt;
}

/// The enumerator whose name is exactly `name` (case-sensitive), or nullopt.
template <ActionEnum Action>
[[nodiscard]] constexpr std::optional<Action> action_from_name(std::string_view name) noexcept {
  for (const auto& [value, candidate] : action_traits<Action>::names) {
    if (candidate == name) return value;
  }
  return std::nullopt;
}

}  // namespace jwtservice
