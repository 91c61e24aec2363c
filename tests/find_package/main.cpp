// The README's quick start, compiled against the installed package: exits non-zero if any call
// form stops compiling or any check below fails.
#include <jwtservice/jwtservice.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

int checks = 0;
int failures = 0;

void check(bool ok, std::string_view what) {
  ++checks;
  if (!ok) {
    ++failures;
    std::cerr << "FAILED: " << what << '\n';
  }
}

}  // namespace

int main() {
  using jwtservice::JWTAction;
  using jwtservice::Reason;
  using jwtservice::Status;

  const std::map<std::string, std::string> settings{
      {"SECRET_KEY", "find-package-consumer-secret-of-some-length"}, {"UNRELATED_APP_KEY", "ignored"}};
  jwtservice::Service service{jwtservice::load_token_config_from_dict(settings)};

  std::string token = service.criar({.action = JWTAction::VALIDAR_EMAIL,
                                     .sub = "user@example.com",
                                     .expires_in = 600,
                                     .audience = "mobile-app",
                                     .jti = "custom-jti",
                                     .extra_data = {{"flow", "signup"}}});

  jwtservice::VerificationResult r = service.validar(token);  // no config audience: aud not checked
  check(r.valid && r.status == Status::valid && r.reason == Reason::none, "validar(token) is valid");
  check(to_string(r.reason) == "none", "to_string(Reason::none)");
  check(r.sub == "user@example.com", "sub round-trips");
  check(r.action == JWTAction::VALIDAR_EMAIL, "action round-trips");
  check(r.aud == "mobile-app", "aud round-trips");
  check(r.jti == "custom-jti", "jti round-trips");
  check(r.expires_in && *r.expires_in > 0 && *r.expires_in <= 600, "expires_in is within (0, 600]");
  check(r.extra_data && r.extra_data->value("flow", "") == "signup", "extra_data round-trips");

  check(service.validar(token, "mobile-app").valid, "valid for its own audience");
  auto wrong = service.validar(token, "web-app");
  check(!wrong.valid && wrong.status == Status::invalid, "invalid for another audience");
  check(to_string(wrong.reason) == "invalid_audience", "to_string(r.reason) names the audience check");
  check(service.validar(token, {"web-app", "mobile-app"}).valid,
        "valid when one of several audiences matches");
  check(service.validar(token, std::vector<std::string>{"web-app", "mobile-app"}).valid,
        "valid for a std::vector of audiences");
  check(!service.validar(token, std::vector<std::string>{"web-app"}).valid,
        "invalid when no audience of the vector matches");

  std::string plain = service.criar({.sub = "user@example.com"});
  auto p = service.validar(plain);
  check(p.valid && !p.action && !p.aud, "criar({.sub}) makes a token without action and audience");
  check(p.expires_in && *p.expires_in > 0 && *p.expires_in <= 600, "criar({.sub}) expires in 600 s");

  std::string english = service.create({.action = JWTAction::RESET_PASSWORD,
                                        .sub = "ana@example.com",
                                        .expires_in = 60,
                                        .audience = "web-app",
                                        .jti = "english-jti",
                                        .extra_data = nullptr});
  auto e = service.validate(english, "web-app");
  check(e.valid && e.action == JWTAction::RESET_PASSWORD, "create/validate behave as criar/validar");
  check(service.validate(english, {"mobile-app", "web-app"}).valid, "validate takes a braced list");
  check(to_string(service.validate(english, "mobile-app").reason) == "invalid_audience",
        "validate refuses another audience");

  std::string tampered = token;
  char& first_of_signature = tampered[tampered.rfind('.') + 1];
  first_of_signature = first_of_signature == 'A' ? 'B' : 'A';
  check(to_string(service.validar(tampered).reason) == "bad_signature", "a changed signature is refused");
  check(to_string(service.validar("").reason) == "missing_token", "an empty token is missing");

  const jwtservice::Service web{jwtservice::load_token_config_from_dict(
      nlohmann::json{{"SECRET_KEY", "find-package-consumer-secret-of-some-length"},
                     {"JWTSERVICE_AUDIENCE", "web-app"},
                     {"JWTSERVICE_LEEWAY", 5}})};
  check(to_string(web.validar(token).reason) == "invalid_audience", "the config audience is enforced");
  check(web.validar(web.criar({.sub = "user@example.com"})).valid,
        "the config audience is written and accepted");

  try {
    (void)jwtservice::load_token_config_from_dict(std::map<std::string, std::string>{});
    check(false, "a config without SECRET_KEY throws");
  } catch (const jwtservice::ConfigError& error) {
    check(std::string_view{error.what()}.find("SECRET_KEY") != std::string_view::npos,
          "ConfigError names SECRET_KEY");
  }

#if JWTSERVICE_WITH_SQLITE
  // The store makes the consumer link SQLite: the package must bring it (find_dependency, .pc).
  const auto db = std::filesystem::temp_directory_path() /
                  ("jwtservice-consumer-" + std::to_string(std::random_device{}()) + ".db");
  {
    auto store = std::make_shared<jwtservice::SQLiteRevocationStore>(db);
    check(store->revoke("revoked-jti", 60, {}) && store->is_revoked("revoked-jti"),
          "SQLiteRevocationStore records a revocation");
    const jwtservice::Service guarded{jwtservice::load_token_config_from_dict(settings),
                                      {.revocation_store = store}};
    check(guarded.validar(token).valid, "a token whose jti is not revoked is valid");
    const std::string revoked = service.criar({.sub = "user@example.com", .jti = "revoked-jti"});
    check(to_string(guarded.validar(revoked).reason) == "revoked", "a revoked jti is refused");
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::error_code ignored;
    std::filesystem::remove(db.string() + suffix, ignored);
  }
#endif

#if JWTSERVICE_WITH_REDIS
  // The Redis classes make the consumer link hiredis: the package must bring it. Nothing connects
  // (connections open on first use), so no server is needed here.
  {
    const auto store = std::make_shared<jwtservice::RedisRevocationStore>(
        "redis://127.0.0.1:1/0", jwtservice::RedisOptions{.prefix = "consumer:"});
    check(store->key_for("j") == "consumer:revoked:j", "RedisRevocationStore lays out its keys");
    const jwtservice::Service with_redis{jwtservice::load_token_config_from_dict(settings),
                                         {.revocation_store = store}};
    auto limiter = std::make_shared<jwtservice::RedisRateLimiter>("redis://127.0.0.1:1/0");
    check(limiter->try_acquire("validate", 0), "RedisRateLimiter: a limit of 0 is unlimited");
  }
#endif

  std::cout << "jwtservice " << JWTSERVICE_VERSION_STRING << " consumer: " << (checks - failures)
            << " passed, " << failures << " failed\n";
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
