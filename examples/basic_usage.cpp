// The quick start: create a VALIDAR_EMAIL token, validate it, and watch a tampered and an
// expired token be refused. `make demo` runs this; it exits non-zero if any step misbehaves.
#include <jwtservice/jwtservice.hpp>

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// A demo secret for this example only (48 bytes). Real applications set SECRET_KEY in the
// environment; this example uses it instead when it is set.
constexpr std::string_view kDemoSecret = "demo-only-secret-never-use-in-production-0123456";

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

/// Never print a whole token: its first 16 characters and its length are enough to recognise it.
std::string preview(std::string_view token) {
  return std::string{token.substr(0, 16)} + "... (" + std::to_string(token.size()) + " chars)";
}

}  // namespace

int main() try {
  using jwtservice::JWTAction;
  using jwtservice::Reason;

  const bool from_env = std::getenv("SECRET_KEY") != nullptr;  // NOLINT(concurrency-mt-unsafe)
  const jwtservice::Config config = from_env ? jwtservice::load_token_config_from_env()
                                             : jwtservice::load_token_config_from_dict({
                                                   {"SECRET_KEY", std::string{kDemoSecret}},
                                                   {"JWTSERVICE_ISSUER", "my-app"},
                                               });
  std::cout << "jwtservice " << JWTSERVICE_VERSION_STRING << " quick start (secret from "
            << (from_env ? "the environment" : "a built-in demo value") << ")\n";

  // 1. Create and validate with the system clock.
  const jwtservice::Service service{config};
  const std::string token = service.criar({.action = JWTAction::VALIDAR_EMAIL,
                                           .sub = "user@example.com",
                                           .expires_in = 600,
                                           .extra_data = {{"flow", "signup"}}});
  std::cout << "created   " << preview(token) << '\n';

  const jwtservice::VerificationResult r = service.validar(token);
  expect(r.valid && r.status == jwtservice::Status::valid, "a fresh token is valid");
  expect(r.sub == "user@example.com", "sub round-trips");
  expect(r.action == JWTAction::VALIDAR_EMAIL, "action round-trips");
  expect(r.expires_in && *r.expires_in > 0 && *r.expires_in <= 600, "expires_in is in (0, 600]");
  expect(r.extra_data == nlohmann::json{{"flow", "signup"}}, "extra_data round-trips");
  if (r.valid) {
    std::cout << "validated sub=" << *r.sub << " action=" << jwtservice::action_name(*r.action).value_or("?")
              << " expires_in=" << r.expires_in.value_or(0) << "s extra_data=" << r.extra_data->dump()
              << '\n';
  }

  // 2. Change one character of the payload: the signature no longer matches.
  std::string tampered = token;
  const std::size_t payload_middle = tampered.find('.') + 10;
  tampered[payload_middle] = tampered[payload_middle] == 'A' ? 'B' : 'A';
  const auto t = service.validar(tampered);
  expect(!t.valid && t.reason == Reason::bad_signature, "a tampered token is bad_signature");
  std::cout << "tampered  -> " << t.status << " (" << t.reason << ")\n";

  // 3. An injected clock: no sleeping. A token is expired AT its exp second (plus any leeway).
  std::int64_t now = 1'710'000'000;
  const jwtservice::Service timed{config, jwtservice::ServiceOptions{.clock = [&now] { return now; }}};
  const std::string short_lived =
      timed.criar({.action = JWTAction::RESET_PASSWORD, .sub = "user@example.com", .expires_in = 60});
  expect(timed.validar(short_lived).valid, "a token is valid before its exp");
  now += 60 + timed.config().leeway;
  const auto e = timed.validar(short_lived);
  expect(!e.valid && e.status == jwtservice::Status::expired && e.reason == Reason::expired,
         "a token at its exp second is expired");
  std::cout << "expired   -> " << e.status << " (" << e.reason << ") once the clock reaches exp\n";

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {  // ConfigError, InvalidArgument, ...: messages hold no secret
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
