// Tests for action.hpp: JWTAction names, user enums made usable by action_traits, and the checks on them.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string_view>
#include <utility>

#include "jwtservice/action.hpp"

// A user's own enum, specialised exactly as docs/creating-and-validating.md shows (at global scope, qualified
// name).
namespace app {
enum class MyAction { NO_ACTION, SIGNUP, LOGIN, NOT_LISTED };
}  // namespace app

template <>
struct jwtservice::action_traits<app::MyAction> {
  static constexpr std::array names{std::pair{app::MyAction::NO_ACTION, std::string_view{"NO_ACTION"}},
                                    std::pair{app::MyAction::SIGNUP, std::string_view{"SIGNUP"}},
                                    std::pair{app::MyAction::LOGIN, std::string_view{"LOGIN"}}};
};

// Test-local enums whose traits break the well-formedness rules.
namespace test_local {
enum class DuplicateName { A, B };
enum class DuplicateEnumerator { A, B };
enum class EmptyName { A, B };
enum class NoTraits { A, B };
enum PlainNoTraits { PLAIN_A, PLAIN_B };
struct NotAnEnum {};
}  // namespace test_local

template <>
struct jwtservice::action_traits<test_local::DuplicateName> {
  static constexpr std::array names{std::pair{test_local::DuplicateName::A, std::string_view{"SAME"}},
                                    std::pair{test_local::DuplicateName::B, std::string_view{"SAME"}}};
};

template <>
struct jwtservice::action_traits<test_local::DuplicateEnumerator> {
  static constexpr std::array names{
      std::pair{test_local::DuplicateEnumerator::A, std::string_view{"FIRST"}},
      std::pair{test_local::DuplicateEnumerator::A, std::string_view{"SECOND"}}};
};

template <>
struct jwtservice::action_traits<test_local::EmptyName> {
  static constexpr std::array names{std::pair{test_local::EmptyName::A, std::string_view{"A"}},
                                    std::pair{test_local::EmptyName::B, std::string_view{""}}};
};

// A traits specialisation for a non-enum must still not make it an action.
template <>
struct jwtservice::action_traits<test_local::NotAnEnum> {
  static constexpr std::array names{std::pair{test_local::NotAnEnum{}, std::string_view{"X"}}};
};

namespace {

using jwtservice::action_from_name;
using jwtservice::action_name;
using jwtservice::ActionEnum;
using jwtservice::JWTAction;

// The concept: enums with traits model it; anything else does not.
static_assert(ActionEnum<JWTAction>, "JWTAction must be an ActionEnum");
static_assert(ActionEnum<app::MyAction>, "an enum with action_traits must be an ActionEnum");
static_assert(!ActionEnum<test_local::NoTraits>, "an enum class without action_traits is not an ActionEnum");
static_assert(!ActionEnum<test_local::PlainNoTraits>,
              "a plain enum without action_traits is not an ActionEnum");
static_assert(!ActionEnum<int>, "int is not an ActionEnum");
static_assert(!ActionEnum<test_local::NotAnEnum>, "a struct with action_traits is not an ActionEnum");

// Well-formedness: unique non-empty names, each enumerator listed once.
static_assert(jwtservice::detail::action_names_well_formed<JWTAction>(), "JWTAction's names are well formed");
static_assert(jwtservice::detail::action_names_well_formed<app::MyAction>(),
              "MyAction's names are well formed");
static_assert(!jwtservice::detail::action_names_well_formed<test_local::DuplicateName>(),
              "a duplicate name must be rejected");
static_assert(!jwtservice::detail::action_names_well_formed<test_local::DuplicateEnumerator>(),
              "an enumerator listed twice must be rejected");
static_assert(!jwtservice::detail::action_names_well_formed<test_local::EmptyName>(),
              "an empty name must be rejected");

// Both conversions are usable at compile time.
static_assert(action_name(JWTAction::PENDING_2FA) == std::optional<std::string_view>{"PENDING_2FA"});
static_assert(action_from_name<JWTAction>("RESET_PASSWORD") == JWTAction::RESET_PASSWORD);

/// Every JWTAction with the name the Python package gives it.
constexpr std::pair<JWTAction, std::string_view> kJwtActionNames[] = {
    {JWTAction::NO_ACTION, "NO_ACTION"},
    {JWTAction::VALIDAR_EMAIL, "VALIDAR_EMAIL"},
    {JWTAction::RESET_PASSWORD, "RESET_PASSWORD"},
    {JWTAction::PENDING_2FA, "PENDING_2FA"},
    {JWTAction::ACTIVATING_2FA, "ACTIVATING_2FA"},
    {JWTAction::PENDING_PASSWORD_CHANGE, "PENDING_PASSWORD_CHANGE"},
};

TEST(JwtActionNames, EveryEnumeratorHasThePythonValue) {
  EXPECT_EQ(static_cast<int>(JWTAction::NO_ACTION), 0) << "NO_ACTION";
  EXPECT_EQ(static_cast<int>(JWTAction::VALIDAR_EMAIL), 1) << "VALIDAR_EMAIL";
  EXPECT_EQ(static_cast<int>(JWTAction::RESET_PASSWORD), 2) << "RESET_PASSWORD";
  EXPECT_EQ(static_cast<int>(JWTAction::PENDING_2FA), 3) << "PENDING_2FA";
  EXPECT_EQ(static_cast<int>(JWTAction::ACTIVATING_2FA), 4) << "ACTIVATING_2FA";
  EXPECT_EQ(static_cast<int>(JWTAction::PENDING_PASSWORD_CHANGE), 5) << "PENDING_PASSWORD_CHANGE";
}

TEST(JwtActionNames, EveryEnumeratorIsNamedExactly) {
  for (const auto& [action, name] : kJwtActionNames) {
    const auto got = action_name(action);
    ASSERT_TRUE(got.has_value()) << "JWTAction " << static_cast<int>(action) << " has no name";
    EXPECT_EQ(*got, name) << "JWTAction " << static_cast<int>(action) << " has the wrong name";
  }
}

TEST(JwtActionNames, EveryNameGivesItsEnumerator) {
  for (const auto& [action, name] : kJwtActionNames) {
    const auto got = action_from_name<JWTAction>(name);
    ASSERT_TRUE(got.has_value()) << name << " is not recognised";
    EXPECT_EQ(static_cast<int>(*got), static_cast<int>(action)) << name << " maps to the wrong enumerator";
  }
}

TEST(JwtActionNames, TraitsListAllSixActions) {
  EXPECT_EQ(jwtservice::action_traits<JWTAction>::names.size(), std::size(kJwtActionNames))
      << "action_traits<JWTAction> does not list exactly the six actions";
}

TEST(JwtActionNames, NamesAreCaseSensitive) {
  for (std::string_view name :
       {"validar_email", "Validar_Email", "VALIDAR_eMAIL", "no_action", "Pending_2fa"}) {
    EXPECT_FALSE(action_from_name<JWTAction>(name).has_value()) << "\"" << name << "\" was accepted";
  }
}

TEST(JwtActionNames, UnknownOrAlmostRightNamesAreRefused) {
  using namespace std::string_view_literals;
  for (std::string_view name : {""sv, "SIGNUP"sv, " VALIDAR_EMAIL"sv, "VALIDAR_EMAIL "sv, "VALIDAR_EMAIL\0"sv,
                                "VALIDAR-EMAIL"sv, "1"sv, "VALIDAR_EMAILX"sv, "VALIDAR_EMAI"sv}) {
    EXPECT_FALSE(action_from_name<JWTAction>(name).has_value())
        << "\"" << name << "\" (" << name.size() << " bytes) was accepted";
  }
}

TEST(JwtActionNames, UnlistedEnumeratorValueHasNoName) {
  EXPECT_FALSE(action_name(static_cast<JWTAction>(42)).has_value()) << "JWTAction 42 was given a name";
  EXPECT_FALSE(action_name(static_cast<JWTAction>(-1)).has_value()) << "JWTAction -1 was given a name";
}

TEST(CustomActionNames, SpecialisedTraitsWorkWithActionName) {
  EXPECT_EQ(action_name(app::MyAction::NO_ACTION), std::optional<std::string_view>{"NO_ACTION"})
      << "NO_ACTION";
  EXPECT_EQ(action_name(app::MyAction::SIGNUP), std::optional<std::string_view>{"SIGNUP"}) << "SIGNUP";
  EXPECT_EQ(action_name(app::MyAction::LOGIN), std::optional<std::string_view>{"LOGIN"}) << "LOGIN";
}

TEST(CustomActionNames, SpecialisedTraitsWorkWithActionFromName) {
  EXPECT_EQ(action_from_name<app::MyAction>("SIGNUP"), app::MyAction::SIGNUP) << "SIGNUP";
  EXPECT_EQ(action_from_name<app::MyAction>("LOGIN"), app::MyAction::LOGIN) << "LOGIN";
  EXPECT_EQ(action_from_name<app::MyAction>("NO_ACTION"), app::MyAction::NO_ACTION) << "NO_ACTION";
}

TEST(CustomActionNames, EnumeratorMissingFromTraitsHasNoName) {
  EXPECT_FALSE(action_name(app::MyAction::NOT_LISTED).has_value())
      << "an enumerator the traits do not list was given a name";
  EXPECT_FALSE(action_from_name<app::MyAction>("NOT_LISTED").has_value())
      << "the C++ spelling of an unlisted enumerator was accepted as a name";
}

TEST(CustomActionNames, NamesOfAnotherEnumAreRefused) {
  EXPECT_FALSE(action_from_name<app::MyAction>("VALIDAR_EMAIL").has_value())
      << "a JWTAction name was accepted for MyAction";
  EXPECT_FALSE(action_from_name<JWTAction>("SIGNUP").has_value())
      << "a MyAction name was accepted for JWTAction";
  EXPECT_FALSE(action_from_name<app::MyAction>("signup").has_value())
      << "custom names are not case-sensitive";
}

TEST(ActionNamesWellFormed, DuplicateNameIsRejected) {
  constexpr bool ok = jwtservice::detail::action_names_well_formed<test_local::DuplicateName>();
  EXPECT_FALSE(ok) << "traits with the name SAME listed twice were accepted";
}

TEST(ActionNamesWellFormed, DuplicateEnumeratorIsRejected) {
  constexpr bool ok = jwtservice::detail::action_names_well_formed<test_local::DuplicateEnumerator>();
  EXPECT_FALSE(ok) << "traits listing one enumerator under two names were accepted";
}

TEST(ActionNamesWellFormed, EmptyNameIsRejected) {
  constexpr bool ok = jwtservice::detail::action_names_well_formed<test_local::EmptyName>();
  EXPECT_FALSE(ok) << "traits with an empty name were accepted";
}

TEST(ActionNamesWellFormed, BuiltInAndCustomTraitsAreAccepted) {
  constexpr bool builtin = jwtservice::detail::action_names_well_formed<JWTAction>();
  constexpr bool custom = jwtservice::detail::action_names_well_formed<app::MyAction>();
  EXPECT_TRUE(builtin) << "JWTAction's traits were rejected";
  EXPECT_TRUE(custom) << "MyAction's traits were rejected";
}

}  // namespace
