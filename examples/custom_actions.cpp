// Your own action enum: specialise jwtservice::action_traits and use BasicService<YourEnum>.
// The `action` claim carries the enumerator's NAME, so a token is only accepted by a service
// whose enum has that name. Exits non-zero if any of it does not hold.
#include <jwtservice/jwtservice.hpp>

#include <array>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <utility>

namespace app {

enum class MyAction { NO_ACTION, SIGNUP, LOGIN };

}  // namespace app

template <>
struct jwtservice::action_traits<app::MyAction> {
  static constexpr std::array names{std::pair{app::MyAction::NO_ACTION, std::string_view{"NO_ACTION"}},
                                    std::pair{app::MyAction::SIGNUP, std::string_view{"SIGNUP"}},
                                    std::pair{app::MyAction::LOGIN, std::string_view{"LOGIN"}}};
};

namespace {

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

/// "valid" or the reason a token was refused.
template <class Action>
std::string_view verdict(const jwtservice::BasicVerificationResult<Action>& r) {
  return r.valid ? "valid" : jwtservice::to_string(r.reason);
}

}  // namespace

int main() try {
  using jwtservice::Reason;
  const jwtservice::Config config = jwtservice::load_token_config_from_dict(
      {{"SECRET_KEY", "demo-only-secret-never-use-in-production-0123456"}});

  // Each service copies the config; the copy's secret is wiped once the key is prepared.
  const jwtservice::BasicService<app::MyAction> mine{config};
  const jwtservice::Service builtin{config};

  const std::string signup = mine.criar({.action = app::MyAction::SIGNUP, .sub = "user@example.com"});
  const jwtservice::BasicVerificationResult<app::MyAction> r = mine.validar(signup);
  expect(r.valid && r.action == app::MyAction::SIGNUP, "a custom action round-trips");
  std::cout << "BasicService<app::MyAction> given a SIGNUP token        -> " << verdict(r) << ", action="
            << jwtservice::action_name(r.action.value_or(app::MyAction::NO_ACTION)).value_or("?") << '\n';

  // Same secret, but the built-in enum has no SIGNUP (nor does MyAction have VALIDAR_EMAIL).
  const auto in_builtin = builtin.validar(signup);
  expect(in_builtin.reason == Reason::invalid_action, "the default Service refuses SIGNUP");
  std::cout << "Service (JWTAction) given a SIGNUP token                -> " << verdict(in_builtin) << '\n';

  const std::string email =
      builtin.criar({.action = jwtservice::JWTAction::VALIDAR_EMAIL, .sub = "user@example.com"});
  const auto in_mine = mine.validar(email);
  expect(in_mine.reason == Reason::invalid_action, "the custom service refuses VALIDAR_EMAIL");
  std::cout << "BasicService<app::MyAction> given a VALIDAR_EMAIL token -> " << verdict(in_mine) << '\n';

  // Names, not numbers: NO_ACTION exists in both enums, so both accept it.
  const std::string none =
      builtin.criar({.action = jwtservice::JWTAction::NO_ACTION, .sub = "user@example.com"});
  const auto shared = mine.validar(none);
  expect(shared.valid && shared.action == app::MyAction::NO_ACTION, "a name both enums have is accepted");
  std::cout << "BasicService<app::MyAction> given a NO_ACTION token     -> " << verdict(shared) << '\n';

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
