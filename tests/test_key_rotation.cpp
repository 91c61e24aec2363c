// Key rotation (docs/key-rotation.md): JWTSERVICE_SECRET_KEY_FALLBACKS verify, SECRET_KEY alone signs, a
// fallback token's binding uses its own key, and the loaders' rules for the list.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binding_oracle.hpp"
#include "env_guard.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Config;
using jwtservice::ConfigError;
using jwtservice::LogLevel;
using jwtservice::Reason;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

// Test-only keys; still never printed (messages are checked for them, never streamed).
constexpr std::string_view kNew = "new-secret-0123456789-abcdefghijklmnopq";
constexpr std::string_view kOld = "old-secret-0123456789-abcdefghijklmnopq";
constexpr std::string_view kOlder = "older-secret-0123456789-abcdefghijklmno";
constexpr std::string_view kUnknown = "unknown-secret-0123456789-abcdefghijklm";
constexpr std::string_view kShort = "short-old-key";  // 13 bytes
constexpr std::string_view kFallbacksKey = "JWTSERVICE_SECRET_KEY_FALLBACKS";

constexpr std::string_view kState = "password-hash-v7";

/// True when `text` holds none of the test keys (nor, for short ones, the key itself).
bool holds_no_key(std::string_view text, const std::vector<std::string>& extra = {}) {
  for (std::string_view key : {kNew, kOld, kOlder, kUnknown, kShort}) {
    if (text.find(key) != std::string_view::npos) return false;
  }
  for (const auto& key : extra) {
    // A blank key (refused for it) would be "found" in any message with a space.
    if (key.find_first_not_of(" \t\n\r\f\v") != std::string::npos &&
        text.find(key) != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Config rotated(std::string_view secret, std::vector<std::string> fallbacks) {
  Config config = jt::test_config();
  config.secret_key = std::string{secret};
  config.secret_key_fallbacks = std::move(fallbacks);
  return config;
}

/// Records every log line of the services it builds.
class RotationTest : public ::testing::Test {
 protected:
  Service make(Config config, std::shared_ptr<jwtservice::InMemoryRevocationStore> store = nullptr) {
    ServiceOptions options{
        .logger = [this](LogLevel level, std::string_view m) { logs_.emplace_back(level, m); },
        .clock = [] { return jt::kNow; }};
    if (store) options.revocation_store = store;
    return Service{std::move(config), std::move(options)};
  }
  void expect_logs_hold_no_key() const {
    for (const auto& [level, line] : logs_)
      EXPECT_TRUE(holds_no_key(line))
          << "a log line at level " << jwtservice::to_string(level) << " holds a key";
  }

  std::vector<std::pair<LogLevel, std::string>> logs_;
};

// --- verifying with fallbacks, signing with SECRET_KEY ---------------------------------------------

TEST_F(RotationTest, TokenSignedWithAFallbackKeyVerifies) {
  auto service = make(rotated(kNew, {std::string{kOld}}));
  const auto r = service.validar(jt::forge_claims(jt::good_claims(), kOld));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.sub, "user@example.com");
}

TEST_F(RotationTest, TokenSignedWithAnyFallbackInTheListVerifies) {
  auto service = make(rotated(kNew, {std::string{kOld}, std::string{kOlder}, std::string{kShort}}));
  for (std::string_view key : {kNew, kOld, kOlder, kShort}) {
    EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims(), key)).valid)
        << "a token signed with the key of " << key.size() << " bytes";
  }
  expect_logs_hold_no_key();
}

TEST_F(RotationTest, SixteenFallbacksAllVerify) {
  std::vector<std::string> fallbacks;
  for (int i = 0; i < 16; ++i)
    fallbacks.push_back("fallback-" + std::to_string(i) + "-0123456789-abcdefghijklmnop");
  auto service = make(rotated(kNew, fallbacks));
  for (const auto& key : fallbacks)
    EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims(), key)).valid) << "fallback of this list";
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), kUnknown)).reason, Reason::bad_signature);
}

TEST_F(RotationTest, TokenSignedWithAnUnknownKeyIsBadSignature) {
  auto service = make(rotated(kNew, {std::string{kOld}}));
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), kUnknown)).reason, Reason::bad_signature);
  EXPECT_EQ(make(rotated(kNew, {})).validar(jt::forge_claims(jt::good_claims(), kOld)).reason,
            Reason::bad_signature)
      << "once the old key is dropped from the list its tokens stop verifying";
}

TEST_F(RotationTest, SigningAlwaysUsesSecretKey) {
  auto during = make(rotated(kNew, {std::string{kOld}}));
  const auto token = during.criar({.sub = "u"});
  EXPECT_TRUE(make(rotated(kNew, {})).validar(token).valid) << "a service with only the new key refused it";
  EXPECT_EQ(make(rotated(kOld, {})).validar(token).reason, Reason::bad_signature)
      << "the token was signed with a fallback key";
  const auto dot1 = token.find('.');
  std::string payload;
  ASSERT_TRUE(
      jwtservice::detail::base64url_decode(token.substr(dot1 + 1, token.rfind('.') - dot1 - 1), payload));
  EXPECT_TRUE(token == jt::forge(jt::kHeader, payload, kNew)) << "the token's MAC is not SECRET_KEY's";
}

TEST_F(RotationTest, HeaderHasNoKid) {
  const auto token = make(rotated(kNew, {std::string{kOld}})).criar({.sub = "u"});
  EXPECT_EQ(token.substr(0, token.find('.')), jwtservice::detail::base64url_encode(jt::kHeader))
      << "the header must stay {\"alg\":\"HS256\",\"typ\":\"JWT\"}";
}

// --- binding under rotation ------------------------------------------------------------------------

TEST_F(RotationTest, FallbackTokenBindingIsRecomputedWithTheFallbackKey) {
  const std::string state{kState};
  const auto token = make(rotated(kOld, {})).criar({.sub = "u", .binding = state});
  auto service = make(rotated(kNew, {std::string{kOld}}));
  EXPECT_TRUE(service.validar(token, {.binding = state}).valid)
      << "a bound token of the old key, right state";
  EXPECT_EQ(service.validar(token, {.binding = "password-hash-v8"}).reason, Reason::binding_mismatch);
  EXPECT_EQ(service.validar(token).reason, Reason::binding_mismatch);
}

TEST_F(RotationTest, FallbackTokenWhoseBndUsesTheNewKeyIsBindingMismatch) {
  auto service = make(rotated(kNew, {std::string{kOld}}));
  auto claims = jt::good_claims();
  claims["bnd"] = jt::oracle_bnd(kNew, "user@example.com", kState);
  EXPECT_EQ(service.validar(jt::forge_claims(claims, kOld), {.binding = std::string{kState}}).reason,
            Reason::binding_mismatch)
      << "bnd must be recomputed with the key that verified the MAC, not SECRET_KEY";
  claims["bnd"] = jt::oracle_bnd(kOld, "user@example.com", kState);
  EXPECT_EQ(service.validar(jt::forge_claims(claims, kOld), {.binding = std::string{kState}}).reason,
            Reason::none);
  EXPECT_EQ(service.validar(jt::forge_claims(claims, kNew), {.binding = std::string{kState}}).reason,
            Reason::binding_mismatch)
      << "a SECRET_KEY token whose bnd uses the old key";
}

TEST_F(RotationTest, SecondFallbackTokenBindsWithTheSecondFallback) {
  auto service = make(rotated(kNew, {std::string{kOld}, std::string{kOlder}}));
  auto claims = jt::good_claims();
  claims["bnd"] = jt::oracle_bnd(kOlder, "user@example.com", kState);
  EXPECT_EQ(service.validar(jt::forge_claims(claims, kOlder), {.binding = std::string{kState}}).reason,
            Reason::none);
  claims["bnd"] = jt::oracle_bnd(kOld, "user@example.com", kState);
  EXPECT_EQ(service.validar(jt::forge_claims(claims, kOlder), {.binding = std::string{kState}}).reason,
            Reason::binding_mismatch);
}

TEST_F(RotationTest, BoundTokenCreatedAfterRotationValidatesWithOnlyTheNewKey) {
  const std::string state{kState};
  const auto token = make(rotated(kNew, {std::string{kOld}})).criar({.sub = "u", .binding = state});
  EXPECT_TRUE(make(rotated(kNew, {})).validar(token, {.binding = state}).valid);
}

// --- revogar and consumir --------------------------------------------------------------------------

TEST_F(RotationTest, RevogarAndConsumirAcceptFallbackTokens) {
  auto store = std::make_shared<jwtservice::InMemoryRevocationStore>([] { return jt::kNow; });
  auto service = make(rotated(kNew, {std::string{kOld}}), store);
  auto claims = jt::good_claims();
  claims["jti"] = "to-revoke";
  const auto revoked = jt::forge_claims(claims, kOld);
  EXPECT_TRUE(service.revogar(revoked, "logout")) << "revogar refused a fallback token";
  EXPECT_EQ(service.validar(revoked).reason, Reason::revoked);
  claims["jti"] = "to-consume";
  const auto consumed = jt::forge_claims(claims, kOld);
  EXPECT_TRUE(service.consumir(consumed).valid) << "consumir refused a fallback token";
  EXPECT_EQ(service.consumir(consumed).reason, Reason::revoked);
  claims["jti"] = "unknown-key";
  EXPECT_FALSE(service.revogar(jt::forge_claims(claims, kUnknown))) << "revogar accepted an unknown key";
  EXPECT_FALSE(store->is_revoked("unknown-key"));
}

// --- the keys are wiped --------------------------------------------------------------------------

TEST_F(RotationTest, ConfigShowsNeitherKeyAfterConstruction) {
  auto service = make(rotated(kNew, {std::string{kOld}, std::string{kOlder}}));
  EXPECT_TRUE(service.config().secret_key.empty()) << "config() still holds SECRET_KEY";
  EXPECT_TRUE(service.config().secret_key_fallbacks.empty()) << "config() still lists the fallbacks";
  EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims(), kOlder)).valid)
      << "the fallbacks must still verify after the copies are wiped";
}

// --- loaders ---------------------------------------------------------------------------------------

using jt::EnvVarGuard;

const std::vector<std::string> kTwo{std::string{kOld}, std::string{kOlder}};
const std::string kTwoText = json(kTwo).dump();

TEST(FallbackLoaders, MapReadsAJsonArrayOfStrings) {
  const auto config = jwtservice::load_token_config_from_dict(
      {{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", kTwoText}});
  EXPECT_TRUE(config.secret_key_fallbacks == kTwo) << "the map loader did not read both keys in order";
}

TEST(FallbackLoaders, JsonReadsAnArrayOrItsText) {
  const auto from_array = jwtservice::load_token_config_from_dict(
      json{{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", kTwo}});
  EXPECT_TRUE(from_array.secret_key_fallbacks == kTwo) << "a JSON array";
  const auto from_text = jwtservice::load_token_config_from_dict(
      json{{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", kTwoText}});
  EXPECT_TRUE(from_text.secret_key_fallbacks == kTwo) << "a JSON array's text as a string";
}

TEST(FallbackLoaders, EnvironmentReadsAJsonArrayOfStrings) {
  EnvVarGuard secret{"SECRET_KEY"};
  EnvVarGuard fallbacks{std::string{kFallbacksKey}};
  secret.set(std::string{kNew});
  fallbacks.set(kTwoText);
  EXPECT_TRUE(jwtservice::load_token_config_from_env().secret_key_fallbacks == kTwo);
  fallbacks.set("");
  EXPECT_TRUE(jwtservice::load_token_config_from_env().secret_key_fallbacks.empty()) << "empty value";
  fallbacks.set("[]");
  EXPECT_TRUE(jwtservice::load_token_config_from_env().secret_key_fallbacks.empty()) << "[]";
}

TEST(FallbackLoaders, EmptyValueOrEmptyArrayMeansNone) {
  for (const std::string text : {"", "[]", " [ ] "}) {
    const auto config = jwtservice::load_token_config_from_dict(
        {{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", text}});
    EXPECT_TRUE(config.secret_key_fallbacks.empty()) << "map value \"" << text << "\"";
    const auto from_json = jwtservice::load_token_config_from_dict(
        json{{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", text}});
    EXPECT_TRUE(from_json.secret_key_fallbacks.empty()) << "JSON string \"" << text << "\"";
  }
  const auto config = jwtservice::load_token_config_from_dict(
      json{{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", json::array()}});
  EXPECT_TRUE(config.secret_key_fallbacks.empty()) << "a JSON []";
  const auto absent = jwtservice::load_token_config_from_dict({{"SECRET_KEY", std::string{kNew}}});
  EXPECT_TRUE(absent.secret_key_fallbacks.empty()) << "no key at all";
}

/// The message of the ConfigError `f` throws; a failure when it throws anything else or nothing.
template <class F>
std::string config_error_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const ConfigError& e) {
    return e.what();
  } catch (const std::exception&) {
    ADD_FAILURE() << "expected ConfigError, got another exception (message withheld: it may hold a key)";
    return {};
  }
  ADD_FAILURE() << "expected ConfigError, nothing was thrown";
  return {};
}

/// Every way a list reaches the service: the three loaders and a hand-built Config.
std::vector<std::pair<std::string, std::string>> errors_of(const std::vector<std::string>& fallbacks,
                                                           std::string_view secret = kNew,
                                                           std::string_view min_secret_bytes = "0") {
  const std::string text = json(fallbacks).dump();
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("map loader", config_error_of([&] {
                     (void)jwtservice::load_token_config_from_dict(
                         {{"SECRET_KEY", std::string{secret}},
                          {"JWTSERVICE_SECRET_KEY_FALLBACKS", text},
                          {"JWTSERVICE_MIN_SECRET_BYTES", std::string{min_secret_bytes}}});
                   }));
  out.emplace_back("JSON loader", config_error_of([&] {
                     (void)jwtservice::load_token_config_from_dict(
                         json{{"SECRET_KEY", std::string{secret}},
                              {"JWTSERVICE_SECRET_KEY_FALLBACKS", fallbacks},
                              {"JWTSERVICE_MIN_SECRET_BYTES", std::string{min_secret_bytes}}});
                   }));
  {
    EnvVarGuard secret_env{"SECRET_KEY"};
    EnvVarGuard fallbacks_env{std::string{kFallbacksKey}};
    EnvVarGuard min_env{"JWTSERVICE_MIN_SECRET_BYTES"};
    secret_env.set(std::string{secret});
    fallbacks_env.set(text);
    min_env.set(std::string{min_secret_bytes});
    out.emplace_back("environment loader",
                     config_error_of([] { (void)jwtservice::load_token_config_from_env(); }));
  }
  out.emplace_back("service constructor", config_error_of([&] {
                     Config config = rotated(secret, fallbacks);
                     config.min_secret_bytes = std::stoul(std::string{min_secret_bytes});
                     Service service{config, ServiceOptions{.logger = jwtservice::null_logger()}};
                   }));
  return out;
}

/// Every message names `key` and holds no key of `fallbacks`.
void expect_each_names(const std::vector<std::pair<std::string, std::string>>& errors, std::string_view key,
                       const std::vector<std::string>& fallbacks) {
  for (const auto& [where, message] : errors) {
    EXPECT_NE(message.find(key), std::string::npos) << where << ": the ConfigError does not name " << key;
    EXPECT_TRUE(holds_no_key(message, fallbacks)) << where << ": the ConfigError message holds a key";
  }
}

TEST(FallbackRules, SixteenKeysAreAcceptedAndSeventeenRefused) {
  std::vector<std::string> keys;
  for (int i = 0; i < 16; ++i)
    keys.push_back("fallback-" + std::to_string(i) + "-0123456789-abcdefghijklmnop");
  EXPECT_NO_THROW(Service(rotated(kNew, keys), ServiceOptions{.logger = jwtservice::null_logger()}));
  keys.push_back("fallback-16-0123456789-abcdefghijklmnop");
  expect_each_names(errors_of(keys), kFallbacksKey, keys);
}

TEST(FallbackRules, BlankKeyIsRefusedNamingItsIndex) {
  for (const std::string blank : {"", " ", "\t\n"}) {
    const std::vector<std::string> keys{std::string{kOld}, std::string{kOlder}, blank};
    expect_each_names(errors_of(keys), "JWTSERVICE_SECRET_KEY_FALLBACKS[2]", keys);
  }
}

TEST(FallbackRules, DuplicateOfSecretKeyIsRefusedNamingItsIndex) {
  const std::vector<std::string> keys{std::string{kOld}, std::string{kNew}};
  expect_each_names(errors_of(keys), "JWTSERVICE_SECRET_KEY_FALLBACKS[1]", keys);
}

TEST(FallbackRules, DuplicateOfAnotherFallbackIsRefusedNamingItsIndex) {
  const std::vector<std::string> keys{std::string{kOld}, std::string{kOlder}, std::string{kOld}};
  expect_each_names(errors_of(keys), "JWTSERVICE_SECRET_KEY_FALLBACKS[2]", keys);
}

TEST(FallbackRules, ValueThatIsNotAJsonArrayOfStringsIsRefusedNamingTheKey) {
  for (const std::string text :
       {R"("old-secret")", R"({"k":"v"})", "[", "old-secret-as-plain-text", "null"}) {
    const auto message = config_error_of([&] {
      (void)jwtservice::load_token_config_from_dict(
          {{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", text}});
    });
    EXPECT_NE(message.find(kFallbacksKey), std::string::npos) << "value of " << text.size() << " bytes";
    EXPECT_EQ(message.find(text), std::string::npos) << "the message echoes the value";
  }
  const auto number = config_error_of([] {
    (void)jwtservice::load_token_config_from_dict(
        json{{"SECRET_KEY", std::string{kNew}}, {"JWTSERVICE_SECRET_KEY_FALLBACKS", json::array({kOld, 7})}});
  });
  EXPECT_NE(number.find("JWTSERVICE_SECRET_KEY_FALLBACKS[1]"), std::string::npos) << "a number in the list";
  EXPECT_TRUE(holds_no_key(number));
}

TEST(FallbackRules, ShortFallbackOnlyWarnsWhenTheMinimumAppliesToSecretKey) {
  std::vector<std::pair<LogLevel, std::string>> logs;
  const auto config = jwtservice::load_token_config_from_dict(
      {{"SECRET_KEY", std::string{kNew}},
       {"JWTSERVICE_MIN_SECRET_BYTES", "32"},
       {"JWTSERVICE_RATELIMIT_CREATE", "10"},
       {"JWTSERVICE_RATELIMIT_VALIDATE", "10"},
       {"JWTSERVICE_SECRET_KEY_FALLBACKS", json({kOld, kShort}).dump()}});
  ASSERT_EQ(config.min_secret_bytes, 32u);
  std::optional<Service> service;
  ServiceOptions options{.logger = [&](LogLevel level, std::string_view m) { logs.emplace_back(level, m); },
                         .clock = [] { return jt::kNow; }};
  ASSERT_NO_THROW(service.emplace(config, std::move(options)));
  bool warned = false;
  for (const auto& [level, line] : logs) {
    EXPECT_TRUE(holds_no_key(line)) << "a log line holds a key";
    if (level == LogLevel::warning && line.find("JWTSERVICE_SECRET_KEY_FALLBACKS[1]") != std::string::npos) {
      warned = true;
    }
    EXPECT_EQ(line.find("JWTSERVICE_SECRET_KEY_FALLBACKS[0]"), std::string::npos)
        << "a 39-byte key was warned about";
  }
  EXPECT_TRUE(warned) << "no warning named JWTSERVICE_SECRET_KEY_FALLBACKS[1], the short key";
  EXPECT_TRUE(service->validar(jt::forge_claims(jt::good_claims(), kShort)).valid)
      << "the short fallback must still verify: it is being rotated away";
}

TEST(FallbackRules, MinimumStillAppliesToSecretKey) {
  const std::vector<std::string> keys{std::string{kOld}};
  expect_each_names(errors_of(keys, kShort, "32"), "SECRET_KEY", keys);
}

}  // namespace
