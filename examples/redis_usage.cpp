// Several instances on one Redis: two services (as two processes would be) share revocations,
// one single-use token and one rate budget through RedisRevocationStore and RedisRateLimiter.
// Needs a Redis server: it reads JWTSERVICE_REDIS_URL (and JWTSERVICE_REDIS_PREFIX); as a test
// it runs under tests/with_redis_server, which starts a server of its own. Exits non-zero if any
// step misbehaves.
#include <jwtservice/jwtservice.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace {

// A demo secret for this example only. Real applications set SECRET_KEY in the environment.
constexpr std::string_view kDemoSecret = "demo-only-secret-never-use-in-production-0123456";

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

/// One "instance" of the application: a service with its own connections to the shared Redis.
jwtservice::Service instance(const jwtservice::Config& config) {
  // Short timeouts: a slow Redis turns into a quick store_unavailable, not a hung request.
  const jwtservice::RedisOptions redis{.connect_timeout = std::chrono::milliseconds(300),
                                       .command_timeout = std::chrono::milliseconds(300)};
  auto store = std::make_shared<jwtservice::RedisRevocationStore>(config, redis);
  store->ping();  // fail at start-up, not at the first request, when Redis is unreachable
  auto limiter = std::make_shared<jwtservice::RedisRateLimiter>(config, redis);
  return jwtservice::Service{config, {.revocation_store = store, .rate_limiter = limiter}};
}

}  // namespace

int main() try {
  using jwtservice::JWTAction;
  using jwtservice::Reason;

  const char* url = std::getenv("JWTSERVICE_REDIS_URL");  // NOLINT(concurrency-mt-unsafe)
  if (url == nullptr) {
    std::cerr
        << "redis_usage: set JWTSERVICE_REDIS_URL=redis://host:port/db to a Redis server it may write to\n";
    return EXIT_FAILURE;
  }
  // A prefix of this run's own, so that running it twice against one server starts afresh.
  const char* prefix = std::getenv("JWTSERVICE_REDIS_PREFIX");  // NOLINT(concurrency-mt-unsafe)
  const std::string run_prefix = std::string{prefix != nullptr ? prefix : "jwtservice-example:"} +
                                 std::to_string(std::random_device{}()) + ":";
  const jwtservice::Config config = jwtservice::load_token_config_from_dict({
      {"SECRET_KEY", std::string{kDemoSecret}},
      {"JWTSERVICE_RATELIMIT_VALIDATE", "5"},  // per minute, for all instances together
      {"JWTSERVICE_REDIS_URL", url},
      {"JWTSERVICE_REDIS_PREFIX", run_prefix},
  });

  const jwtservice::Service a = instance(config);
  const jwtservice::Service b = instance(config);
  std::cout << "two instances on " << jwtservice::RedisUrl::parse(url).redacted() << ", keys under \""
            << run_prefix << "\"\n";

  // 1. A revocation made by one instance is refused by the other.
  const std::string session = a.criar({.sub = "ana@example.com", .expires_in = 600});
  expect(b.validar(session).valid, "b accepts a's token");
  expect(a.revogar(session, "logout"), "a revokes it");
  const auto revoked = b.validar(session);
  expect(revoked.reason == Reason::revoked, "b refuses what a revoked");
  std::cout << "revoked on a      -> b says " << revoked.status << " (" << revoked.reason << ")\n";

  // 2. A password-reset token works once, whichever instance sees it first.
  const std::string reset = a.criar({.action = JWTAction::RESET_PASSWORD, .sub = "ana@example.com"});
  const auto first = b.consumir(reset);
  const auto second = a.consumir(reset);
  expect(first.valid && second.reason == Reason::revoked, "a single-use token is valid exactly once");
  std::cout << "consumed on b     -> valid; again on a -> " << second.reason << '\n';

  // 3. One budget of 5 validations per minute for both instances together (4 are spent above).
  int allowed = 0;
  for (int i = 0; i < 4; ++i) {
    allowed += a.validar(session).reason != Reason::rate_limited ? 1 : 0;
    allowed += b.validar(session).reason != Reason::rate_limited ? 1 : 0;
  }
  expect(allowed == 1, "the shared budget of 5 per minute holds across both instances");
  std::cout << "8 more validations -> " << allowed
            << " allowed, the rest rate_limited (5 per minute in all)\n";

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {  // ConfigError, StoreError: messages hold no secret
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
