// Password reset done right (docs/password-reset.md): a reset link that serves one purpose, dies
// when the password changes, is refused after 15 minutes whatever its exp, and works once.
// Exits non-zero if any of it does not hold.
#include <jwtservice/jwtservice.hpp>

#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace {

int failures = 0;

void expect(bool ok, std::string_view what) {
  std::cout << (ok ? "  ok: " : "  FAILED: ") << what << '\n';
  if (!ok) ++failures;
}

/// The application's users table, reduced to what a reset touches.
struct User {
  std::string id;
  std::string password_hash;  // whatever the application stores (argon2, bcrypt, ...)
};

}  // namespace

int main() try {
  using jwtservice::JWTAction;
  using jwtservice::Reason;

  std::int64_t now = 1767225600;  // an injected clock: time moves without sleeping
  auto store = std::make_shared<jwtservice::InMemoryRevocationStore>([&now] { return now; });
  const jwtservice::Service service{jwtservice::load_token_config_from_dict(
                                        {{"SECRET_KEY", "demo-only-secret-never-use-in-production-0123456"},
                                         {"JWTSERVICE_AUDIENCE", "web-app"}}),
                                    {.revocation_store = store, .clock = [&now] { return now; }}};
  User ana{.id = "user-42", .password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"};

  // POST /forgot: a token for one purpose, bound to the current password hash. The hash never
  // enters the token: only a keyed digest of it (the `bnd` claim).
  const std::string link = service.criar(
      {.action = JWTAction::RESET_PASSWORD, .sub = ana.id, .expires_in = 3600, .binding = ana.password_hash});

  // What the reset endpoint expects of every link it is given.
  auto expected = [&](const User& user) {
    return jwtservice::ValidateOptions{
        .action = JWTAction::RESET_PASSWORD, .binding = user.password_hash, .max_age = 900};
  };

  // GET /reset?token=...: show the form only for a link that would work.
  now += 60;
  expect(service.validar(link, expected(ana)).valid, "the link opens the reset form");
  expect(service.validar(link, {.action = JWTAction::VALIDAR_EMAIL}).reason == Reason::action_mismatch,
         "the same token is refused by the email-confirmation endpoint (action_mismatch)");

  // A link older than the endpoint's max_age is refused even though its exp is an hour.
  now += 900;
  expect(service.validar(link, expected(ana)).reason == Reason::expired,
         "after 15 minutes the endpoint's max_age refuses it (expired)");
  now -= 900;

  // POST /reset: consume the link and change the password, in that order.
  const auto used = service.consumir(link, expected(ana));
  expect(used.valid && used.sub == ana.id, "consumir accepts the link once");
  ana.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdDI$bmV3aGFzaA";
  expect(service.consumir(link, expected(ana)).reason == Reason::binding_mismatch,
         "the link is dead once the password changed (binding_mismatch)");

  // A second link issued before the change dies with the change too, even never used.
  const User before{.id = ana.id, .password_hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA"};
  const std::string older = service.criar({.action = JWTAction::RESET_PASSWORD,
                                           .sub = ana.id,
                                           .expires_in = 3600,
                                           .binding = before.password_hash});
  expect(service.validar(older, expected(ana)).reason == Reason::binding_mismatch,
         "an unused link from before the change is dead as well");

  // The metrics an operator scrapes (docs/metrics.md).
  const auto stats = service.stats();
  expect(stats.creations == 2 && stats.consumptions[static_cast<std::size_t>(Reason::none)] == 1,
         "stats(): 2 tokens issued, 1 consumed");
  std::cout << (failures == 0 ? "password reset: all checks hold\n" : "password reset: FAILED\n");
  return failures == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "password_reset: " << e.what() << '\n';
  return 1;
}
