// Rate limits: per-minute token buckets set in the config, refilled continuously. An injected
// monotonic clock shows the refill without sleeping. Exits non-zero if any of it does not hold.
#include <jwtservice/jwtservice.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

constexpr std::string_view kDemoSecret = "demo-only-secret-never-use-in-production-0123456";

/// Creates one token; true when the create limit allowed it.
bool try_create(const jwtservice::Service& service) {
  try {
    (void)service.criar({.sub = "user@example.com"});
    return true;
  } catch (const jwtservice::RateLimitExceeded&) {  // a TokenCreationError: retry later
    return false;
  }
}

}  // namespace

int main() try {
  using namespace std::chrono_literals;
  using jwtservice::Reason;

  // 3 creations and 2 validations per minute: a bucket of 3 refilled at one per 20 s, and a
  // bucket of 2 refilled at one per 30 s. Real limits are larger; the default is 6000 each.
  const jwtservice::Config config = jwtservice::load_token_config_from_dict({
      {"SECRET_KEY", std::string{kDemoSecret}},
      {"JWTSERVICE_RATELIMIT_CREATE", "3"},
      {"JWTSERVICE_RATELIMIT_VALIDATE", "2"},
  });
  // The limiters run on the monotonic clock (steady_clock unless injected), never on the wall clock.
  std::chrono::nanoseconds mono = 0s;
  const jwtservice::Service service{config, {.monotonic_clock = [&mono] { return mono; }}};

  std::cout << "JWTSERVICE_RATELIMIT_CREATE=3 (per minute):\n  criar x4       ->";
  std::vector<bool> created;
  for (int i = 0; i < 4; ++i) {
    created.push_back(try_create(service));
    std::cout << (created.back() ? " ok" : " RateLimitExceeded");
  }
  std::cout << '\n';
  expect(created == std::vector<bool>{true, true, true, false}, "a full bucket of 3 allows 3 creations");

  mono += 19s;
  const bool at19 = try_create(service);
  mono += 1s;
  const bool at20 = try_create(service);
  const bool at20_again = try_create(service);
  expect(!at19 && at20 && !at20_again, "one token comes back every 20 s");
  std::cout << "  after 19 s     -> " << (at19 ? "ok" : "RateLimitExceeded") << "\n  after 20 s     -> "
            << (at20 ? "ok" : "RateLimitExceeded") << ", then " << (at20_again ? "ok" : "RateLimitExceeded")
            << '\n';

  // An idle bucket refills to its capacity, never beyond.
  mono += 10min;
  int burst = 0;
  while (try_create(service) && burst < 100)
    ++burst;
  expect(burst == 3, "after a long pause the bucket holds its capacity, no more");
  std::cout << "  after 10 min   -> " << burst << " in a row, then RateLimitExceeded\n";

  std::cout << "JWTSERVICE_RATELIMIT_VALIDATE=2 (per minute):\n";
  mono += 10min;
  const std::string token = service.criar({.sub = "user@example.com"});
  const auto v1 = service.validar(token);
  const auto v2 = service.validar(token);
  const auto v3 = service.validar(token);
  expect(v1.valid && v2.valid, "two validations fit");
  expect(!v3.valid && v3.reason == Reason::rate_limited && v3.status == jwtservice::Status::invalid,
         "the third is rate_limited");
  std::cout << "  validar x3     -> " << (v1.valid ? "valid" : "?") << ", " << (v2.valid ? "valid" : "?")
            << ", " << v3.reason << '\n';
  // The limit is step 2, before any decoding (garbage spends a token too); an empty token is
  // refused at step 1 and spends none.
  expect(service.validar("").reason == Reason::missing_token, "an empty token is missing_token, not limited");
  mono += 30s;
  const auto v4 = service.validar(token);
  expect(v4.valid, "one validation comes back every 30 s");
  std::cout << "  after 30 s     -> " << (v4.valid ? "valid" : std::string{to_string(v4.reason)}) << '\n';

  // 0 turns a limit off, and the service says so at construction.
  std::cout << "JWTSERVICE_RATELIMIT=0 (both limits off):\n";
  std::vector<std::string> warnings;
  const jwtservice::Service unlimited{
      jwtservice::load_token_config_from_dict(
          {{"SECRET_KEY", std::string{kDemoSecret}}, {"JWTSERVICE_RATELIMIT", "0"}}),
      {.logger =
           [&warnings](jwtservice::LogLevel level, std::string_view message) {
             if (level == jwtservice::LogLevel::warning) warnings.emplace_back(message);
           },
       .monotonic_clock = [&mono] { return mono; }}};
  for (const auto& w : warnings)
    std::cout << "  warning: " << w << '\n';
  expect(warnings == std::vector<std::string>{"JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)",
                                              "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)"},
         "a limit of 0 logs a warning naming its key");
  int made = 0;
  while (made < 1000 && try_create(unlimited))
    ++made;
  expect(made == 1000, "with limits off nothing is refused");
  std::cout << "  criar x1000    -> " << made << " ok\n";

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {  // messages hold no secret and no whole token
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
