// Tests for config.hpp: the three loaders, validated(), and the service constructor's own checks.
#include <gtest/gtest.h>
#include <stdlib.h>  // setenv, unsetenv (POSIX)

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "env_guard.hpp"
#include "jwtservice/jwtservice.hpp"

namespace {

using jwtservice::Config;
using jwtservice::ConfigError;
using jwtservice::load_token_config_from_dict;
using jwtservice::load_token_config_from_env;
using jwtservice::LogLevel;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using jwtservice::validated;
using json = nlohmann::json;
using Settings = std::map<std::string, std::string>;

// Test-only secrets; still never printed: failure messages go through redacted().
constexpr std::string_view kSecret = "test-secret-0123456789-abcdefghijklmnop";  // 39 bytes
constexpr std::string_view kShortSecret = "short-test-secret";                   // 17 bytes

constexpr std::string_view kNumericKeys[] = {"JWTSERVICE_LEEWAY", "JWTSERVICE_RATELIMIT",
                                             "JWTSERVICE_RATELIMIT_CREATE", "JWTSERVICE_RATELIMIT_VALIDATE",
                                             "JWTSERVICE_MAX_TOKEN_BYTES"};

/// `message` with every occurrence of the test secrets replaced, safe to print.
std::string redacted(std::string message) {
  for (std::string_view secret : {kSecret, kShortSecret}) {
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret)) {
      message.replace(at, secret.size(), "<secret>");
    }
  }
  return message;
}

bool is_key_char(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

/// True when `message` names `key` as a whole word, so JWTSERVICE_RATELIMIT is not found inside
/// JWTSERVICE_RATELIMIT_CREATE.
bool names_key(std::string_view message, std::string_view key) {
  for (auto at = message.find(key); at != std::string_view::npos; at = message.find(key, at + 1)) {
    const bool starts = at == 0 || !is_key_char(message[at - 1]);
    const auto end = at + key.size();
    const bool ends = end == message.size() || !is_key_char(message[end]);
    if (starts && ends) return true;
  }
  return false;
}

/// Succeeds when `f` throws ConfigError whose message names `key` and contains `phrase`.
template <class F>
testing::AssertionResult throws_config_error(F&& f, std::string_view key, std::string_view phrase = {}) {
  try {
    std::forward<F>(f)();
  } catch (const ConfigError& e) {
    const std::string_view what = e.what();
    if (!names_key(what, key)) {
      return testing::AssertionFailure()
             << "ConfigError does not name " << key << ": \"" << redacted(std::string{what}) << "\"";
    }
    if (what.find(phrase) == std::string_view::npos) {
      return testing::AssertionFailure()
             << "ConfigError lacks \"" << phrase << "\": \"" << redacted(std::string{what}) << "\"";
    }
    return testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return testing::AssertionFailure() << "expected ConfigError naming " << key
                                       << ", got another exception: \"" << redacted(e.what()) << "\"";
  }
  return testing::AssertionFailure() << "expected ConfigError naming " << key << ", nothing was thrown";
}

/// Succeeds when `f` throws ConfigError whose message does not contain `secret`.
template <class F>
testing::AssertionResult throws_config_error_without(F&& f, std::string_view secret) {
  try {
    std::forward<F>(f)();
  } catch (const ConfigError& e) {
    if (std::string_view{e.what()}.find(secret) != std::string_view::npos) {
      return testing::AssertionFailure() << "ConfigError message contains the secret value";
    }
    return testing::AssertionSuccess();
  }
  return testing::AssertionFailure() << "expected ConfigError, nothing was thrown";
}

Settings dict_with_secret(Settings settings) {
  settings.emplace("SECRET_KEY", std::string{kSecret});
  return settings;
}

json json_with_secret(json settings) {
  settings["SECRET_KEY"] = std::string{kSecret};
  return settings;
}

Config hand_built() {
  Config config;
  config.secret_key = std::string{kSecret};
  return config;
}

using jwtservice::testing::EnvVarGuard;

/// Starts every test from an environment without any jwtservice key, restoring it afterwards.
class ConfigFromEnv : public testing::Test {
 protected:
  ConfigFromEnv() {
    for (auto key : jwtservice::config_keys()) {
      guards_.emplace(std::string{key}, std::string{key}).first->second.unset();
    }
  }

  void set(std::string_view key, std::string_view value) {
    const auto it = guards_.find(std::string{key});
    ASSERT_NE(it, guards_.end()) << "the test sets " << key << ", which is not a jwtservice key";
    it->second.set(std::string{value});
  }

 private:
  std::map<std::string, EnvVarGuard> guards_;
};

/// Records every message a service logs.
struct CapturingLogger {
  std::shared_ptr<std::vector<std::pair<LogLevel, std::string>>> lines =
      std::make_shared<std::vector<std::pair<LogLevel, std::string>>>();

  jwtservice::Logger logger() const {
    return [lines = lines](LogLevel level, std::string_view message) {
      lines->emplace_back(level, std::string{message});
    };
  }

  [[nodiscard]] bool has(LogLevel level, std::string_view text) const {
    for (const auto& [l, message] : *lines) {
      if (l == level && message.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

ServiceOptions quiet() { return ServiceOptions{.logger = jwtservice::null_logger()}; }

// ---------------------------------------------------------------------------------------------
// load_token_config_from_dict(std::map<std::string, std::string>)

TEST(ConfigFromDict, OnlySecretGivesTheDocumentedDefaults) {
  const Config config = load_token_config_from_dict(dict_with_secret({}));
  EXPECT_TRUE(config.secret_key == kSecret) << "secret_key is not the SECRET_KEY value";
  EXPECT_EQ(config.algorithm, "HS256") << "default algorithm";
  EXPECT_EQ(config.issuer, "JWTService") << "default issuer";
  EXPECT_FALSE(config.audience.has_value()) << "default audience should be none, got " << *config.audience;
  EXPECT_EQ(config.leeway, 0) << "default leeway";
  EXPECT_EQ(config.rate_limit_create, 6000) << "default create limit";
  EXPECT_EQ(config.rate_limit_validate, 6000) << "default validate limit";
  EXPECT_EQ(config.max_token_bytes, 8192u) << "default max token bytes";
}

TEST(ConfigFromDict, EveryKeyIsRead) {
  const Config config =
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_ALGORITHM", "HS256"},
                                                    {"JWTSERVICE_ISSUER", "my-issuer"},
                                                    {"JWTSERVICE_AUDIENCE", "mobile-app"},
                                                    {"JWTSERVICE_LEEWAY", "30"},
                                                    {"JWTSERVICE_RATELIMIT_CREATE", "100"},
                                                    {"JWTSERVICE_RATELIMIT_VALIDATE", "200"},
                                                    {"JWTSERVICE_MAX_TOKEN_BYTES", "4096"}}));
  EXPECT_TRUE(config.secret_key == kSecret) << "SECRET_KEY was not read";
  EXPECT_EQ(config.algorithm, "HS256") << "JWTSERVICE_ALGORITHM was not read";
  EXPECT_EQ(config.issuer, "my-issuer") << "JWTSERVICE_ISSUER was not read";
  EXPECT_EQ(config.audience, std::optional<std::string>{"mobile-app"}) << "JWTSERVICE_AUDIENCE was not read";
  EXPECT_EQ(config.leeway, 30) << "JWTSERVICE_LEEWAY was not read";
  EXPECT_EQ(config.rate_limit_create, 100) << "JWTSERVICE_RATELIMIT_CREATE was not read";
  EXPECT_EQ(config.rate_limit_validate, 200) << "JWTSERVICE_RATELIMIT_VALIDATE was not read";
  EXPECT_EQ(config.max_token_bytes, 4096u) << "JWTSERVICE_MAX_TOKEN_BYTES was not read";
}

// --- config_keys ------------------------------------------------------------------------------

std::vector<std::string> split_commas(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t start = 0;;) {
    const auto comma = text.find(',', start);
    out.emplace_back(text.substr(start, comma - start));
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

TEST(ConfigKeys, AreTheListTheBuildUses) {
  const auto keys = jwtservice::config_keys();
  const std::vector<std::string> library(keys.begin(), keys.end());
  EXPECT_EQ(library, split_commas(JWTSERVICE_CMAKE_CONFIG_KEYS))
      << "src/config.cpp and cmake/jwtserviceConfigKeys.cmake list different keys";
}

TEST(ConfigKeys, AreEachReadByTheLoaders) {
  // A blank value is wrong for every key: each listed key must be read, and named when wrong.
  for (const auto key : jwtservice::config_keys()) {
    Settings settings{{std::string{key}, "\t"}};
    if (key != "SECRET_KEY") settings = dict_with_secret(settings);
    EXPECT_TRUE(throws_config_error([&] { (void)load_token_config_from_dict(settings); }, key)) << key;
  }
}

TEST(ConfigKeys, AreUniqueAndStartWithSecretKey) {
  const auto keys = jwtservice::config_keys();
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front(), "SECRET_KEY");
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_TRUE(i == 0 || keys[i].starts_with("JWTSERVICE_")) << keys[i];
    for (std::size_t j = i + 1; j < keys.size(); ++j)
      EXPECT_NE(keys[i], keys[j]);
  }
}

TEST(ConfigFromDict, BracedListOfStringPairsCompilesAndLoads) {
  const Config config = load_token_config_from_dict(
      {{"SECRET_KEY", "braced-list-test-secret-0123456789abcdef"}, {"JWTSERVICE_LEEWAY", "5"}});
  EXPECT_EQ(config.secret_key.size(), 40u) << "SECRET_KEY from a braced list was not read";
  EXPECT_EQ(config.leeway, 5) << "JWTSERVICE_LEEWAY from a braced list was not read";
}

TEST(ConfigFromDict, UnknownKeysAreIgnored) {
  const Config config = load_token_config_from_dict(
      dict_with_secret({{"DATABASE_URL", "postgres://x"}, {"jwtservice_leeway", "not a number"}, {"", ""}}));
  EXPECT_EQ(config.leeway, 0) << "an unknown (lower-case) key changed the leeway";
  EXPECT_EQ(config.issuer, "JWTService") << "an unknown key changed the issuer";
}

TEST(ConfigFromDict, AlgorithmIsCaseInsensitiveAndNormalisedToUpperCase) {
  for (const char* spelling : {"hs256", "Hs256", "hS256", "HS256"}) {
    const Config config = load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_ALGORITHM", spelling}}));
    EXPECT_EQ(config.algorithm, "HS256") << "algorithm spelled " << spelling << " was not normalised";
  }
}

TEST(ConfigFromDict, AlgorithmOtherThanHs256IsRefused) {
  for (const char* algorithm : {"HS384", "HS512", "RS256", "ES256", "none", "", " HS256", "HS256 "}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_ALGORITHM", algorithm}}));
        },
        "JWTSERVICE_ALGORITHM"))
        << "algorithm \"" << algorithm << "\" was accepted";
  }
}

TEST(ConfigFromDict, MissingSecretIsRefused) {
  EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_dict(Settings{}); }, "SECRET_KEY",
                                  "SECRET_KEY must be provided"));
}

TEST(ConfigFromDict, EmptyOrWhitespaceSecretIsRefused) {
  for (const char* secret : {"", " ", "\t", " \t\r\n "}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict({{"SECRET_KEY", secret}});
        },
        "SECRET_KEY", "SECRET_KEY must be provided"))
        << "a secret of " << std::string_view{secret}.size() << " whitespace characters was accepted";
  }
}

TEST(ConfigFromDict, BlankIssuerIsRefused) {
  for (const char* issuer : {"", "  ", "\t"}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_ISSUER", issuer}}));
        },
        "JWTSERVICE_ISSUER"))
        << "issuer \"" << issuer << "\" was accepted";
  }
}

TEST(ConfigFromDict, EmptyAudienceMeansNoAudience) {
  const Config config = load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_AUDIENCE", ""}}));
  EXPECT_FALSE(config.audience.has_value()) << "empty audience became \"" << *config.audience << "\"";
}

TEST(ConfigFromDict, BlankAudienceIsRefused) {
  for (const char* audience : {" ", "   ", "\t\n"}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_AUDIENCE", audience}}));
        },
        "JWTSERVICE_AUDIENCE"))
        << "a whitespace-only audience was accepted";
  }
}

TEST(ConfigFromDict, LegacyRateLimitIsTheDefaultOfBothLimits) {
  const Config config = load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_RATELIMIT", "42"}}));
  EXPECT_EQ(config.rate_limit_create, 42) << "JWTSERVICE_RATELIMIT did not set the create limit";
  EXPECT_EQ(config.rate_limit_validate, 42) << "JWTSERVICE_RATELIMIT did not set the validate limit";
}

TEST(ConfigFromDict, SpecificRateLimitsOverrideTheLegacyOne) {
  const Config create_only = load_token_config_from_dict(
      dict_with_secret({{"JWTSERVICE_RATELIMIT", "42"}, {"JWTSERVICE_RATELIMIT_CREATE", "7"}}));
  EXPECT_EQ(create_only.rate_limit_create, 7)
      << "JWTSERVICE_RATELIMIT_CREATE did not override the legacy key";
  EXPECT_EQ(create_only.rate_limit_validate, 42) << "the legacy key no longer applies to validate";

  const Config validate_only = load_token_config_from_dict(
      dict_with_secret({{"JWTSERVICE_RATELIMIT", "42"}, {"JWTSERVICE_RATELIMIT_VALIDATE", "0"}}));
  EXPECT_EQ(validate_only.rate_limit_create, 42) << "the legacy key no longer applies to create";
  EXPECT_EQ(validate_only.rate_limit_validate, 0)
      << "JWTSERVICE_RATELIMIT_VALIDATE=0 did not override the legacy key";
}

TEST(ConfigFromDict, ZeroLimitsAndLeewayAreAccepted) {
  const Config config =
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_LEEWAY", "0"},
                                                    {"JWTSERVICE_RATELIMIT_CREATE", "0"},
                                                    {"JWTSERVICE_RATELIMIT_VALIDATE", "0"}}));
  EXPECT_EQ(config.leeway, 0) << "leeway 0";
  EXPECT_EQ(config.rate_limit_create, 0) << "create limit 0 (off)";
  EXPECT_EQ(config.rate_limit_validate, 0) << "validate limit 0 (off)";
}

TEST(ConfigFromDict, NumericStringsMayHaveSurroundingWhitespaceOrAPlusSign) {
  // As Python's int(): " 30 " and "+30" are 30.
  const Config config = load_token_config_from_dict(
      dict_with_secret({{"JWTSERVICE_LEEWAY", " 30 "}, {"JWTSERVICE_RATELIMIT", "+12"}}));
  EXPECT_EQ(config.leeway, 30) << "\" 30 \" was not read as 30";
  EXPECT_EQ(config.rate_limit_create, 12) << "\"+12\" was not read as 12";
}

TEST(ConfigFromDict, NonNumericOrNegativeNumberStringsAreRefused) {
  const char* const bad[] = {"",
                             " ",
                             "abc",
                             "12abc",
                             "1.5",
                             "30.5",
                             "-1",
                             "true",
                             "0x10",
                             "1e3",
                             "3 0",
                             "--1",
                             "99999999999999999999"};
  for (auto key : kNumericKeys) {
    for (const char* value : bad) {
      EXPECT_TRUE(throws_config_error(
          [&] {
            (void)load_token_config_from_dict(dict_with_secret({{std::string{key}, value}}));
          },
          key))
          << key << "=\"" << value << "\" was accepted";
    }
  }
}

TEST(ConfigFromDict, LeewayErrorSaysItMustBeANonNegativeInteger) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_LEEWAY", "-5"}}));
      },
      "JWTSERVICE_LEEWAY", "JWTSERVICE_LEEWAY must be a non-negative integer"));
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_LEEWAY", "soon"}}));
      },
      "JWTSERVICE_LEEWAY", "JWTSERVICE_LEEWAY must be a non-negative integer"));
}

TEST(ConfigFromDict, LeewayUpToTheLimitIsAcceptedAndBeyondRefused) {
  const auto limit = jwtservice::max_leeway_seconds;
  const Config config =
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_LEEWAY", std::to_string(limit)}}));
  EXPECT_EQ(config.leeway, limit) << "the largest allowed leeway was refused";
  for (const auto& value : {std::to_string(limit + 1), std::to_string(INT64_MAX)}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_LEEWAY", value}}));
        },
        "JWTSERVICE_LEEWAY"))
        << "leeway " << value << " above the limit was accepted";
  }
}

TEST(ConfigFromDict, HugeRateLimitsAreRefused) {
  for (auto key : {"JWTSERVICE_RATELIMIT", "JWTSERVICE_RATELIMIT_CREATE", "JWTSERVICE_RATELIMIT_VALIDATE"}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{key, std::to_string(INT64_MAX)}}));
        },
        key))
        << key << "=INT64_MAX was accepted";
  }
}

TEST(ConfigFromDict, MaxTokenBytesUpToTheLimitIsAcceptedAndBeyondRefused) {
  const auto limit = jwtservice::max_token_bytes_limit;
  const Config config =
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_MAX_TOKEN_BYTES", std::to_string(limit)}}));
  EXPECT_EQ(config.max_token_bytes, limit) << "the largest allowed max token bytes was refused";
  EXPECT_TRUE(throws_config_error(
      [&] {
        (void)load_token_config_from_dict(
            dict_with_secret({{"JWTSERVICE_MAX_TOKEN_BYTES", std::to_string(limit + 1)}}));
      },
      "JWTSERVICE_MAX_TOKEN_BYTES"))
      << "max token bytes above the limit was accepted";
}

TEST(ConfigFromDict, MaxTokenBytesOfZeroIsRefused) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_MAX_TOKEN_BYTES", "0"}}));
      },
      "JWTSERVICE_MAX_TOKEN_BYTES"));
}

TEST(ConfigFromDict, InvalidLegacyRateLimitErrorNamesTheLegacyKey) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_RATELIMIT", "-1"}}));
      },
      "JWTSERVICE_RATELIMIT"));
}

TEST(ConfigFromDict, ErrorMessagesNeverContainTheSecret) {
  const Settings bad[] = {{{"JWTSERVICE_ALGORITHM", "HS512"}}, {{"JWTSERVICE_ISSUER", " "}},
                          {{"JWTSERVICE_AUDIENCE", " "}},      {{"JWTSERVICE_LEEWAY", "-1"}},
                          {{"JWTSERVICE_RATELIMIT", "x"}},     {{"JWTSERVICE_MAX_TOKEN_BYTES", "0"}}};
  for (const auto& settings : bad) {
    EXPECT_TRUE(throws_config_error_without(
        [&] { (void)load_token_config_from_dict(dict_with_secret(settings)); }, kSecret))
        << "with bad " << settings.begin()->first;
  }
}

// ---------------------------------------------------------------------------------------------
// load_token_config_from_dict(nlohmann::json)

TEST(ConfigFromJson, EveryKeyIsReadFromNumbersAndStrings) {
  const Config config =
      load_token_config_from_dict(json_with_secret(json{{"JWTSERVICE_ALGORITHM", "hs256"},
                                                        {"JWTSERVICE_ISSUER", "my-issuer"},
                                                        {"JWTSERVICE_AUDIENCE", "web-app"},
                                                        {"JWTSERVICE_LEEWAY", 30},
                                                        {"JWTSERVICE_RATELIMIT_CREATE", "100"},
                                                        {"JWTSERVICE_RATELIMIT_VALIDATE", 200},
                                                        {"JWTSERVICE_MAX_TOKEN_BYTES", 4096}}));
  EXPECT_TRUE(config.secret_key == kSecret) << "SECRET_KEY was not read";
  EXPECT_EQ(config.algorithm, "HS256") << "JWTSERVICE_ALGORITHM was not read or not normalised";
  EXPECT_EQ(config.issuer, "my-issuer") << "JWTSERVICE_ISSUER was not read";
  EXPECT_EQ(config.audience, std::optional<std::string>{"web-app"}) << "JWTSERVICE_AUDIENCE was not read";
  EXPECT_EQ(config.leeway, 30) << "JWTSERVICE_LEEWAY as a JSON number was not read";
  EXPECT_EQ(config.rate_limit_create, 100) << "JWTSERVICE_RATELIMIT_CREATE as a numeric string was not read";
  EXPECT_EQ(config.rate_limit_validate, 200) << "JWTSERVICE_RATELIMIT_VALIDATE was not read";
  EXPECT_EQ(config.max_token_bytes, 4096u) << "JWTSERVICE_MAX_TOKEN_BYTES was not read";
}

TEST(ConfigFromJson, OnlySecretGivesTheDocumentedDefaults) {
  const Config config = load_token_config_from_dict(json_with_secret(json::object()));
  EXPECT_EQ(config.algorithm, "HS256") << "default algorithm";
  EXPECT_EQ(config.issuer, "JWTService") << "default issuer";
  EXPECT_FALSE(config.audience.has_value()) << "default audience should be none";
  EXPECT_EQ(config.leeway, 0) << "default leeway";
  EXPECT_EQ(config.rate_limit_create, 6000) << "default create limit";
  EXPECT_EQ(config.rate_limit_validate, 6000) << "default validate limit";
  EXPECT_EQ(config.max_token_bytes, 8192u) << "default max token bytes";
}

TEST(ConfigFromJson, WholeFloatsAreIntegers) {
  const Config config = load_token_config_from_dict(json_with_secret(json{
      {"JWTSERVICE_LEEWAY", 30.0}, {"JWTSERVICE_RATELIMIT", 1e2}, {"JWTSERVICE_MAX_TOKEN_BYTES", 4096.0}}));
  EXPECT_EQ(config.leeway, 30) << "30.0 was not read as 30";
  EXPECT_EQ(config.rate_limit_create, 100) << "1e2 was not read as 100";
  EXPECT_EQ(config.max_token_bytes, 4096u) << "4096.0 was not read as 4096";
}

TEST(ConfigFromJson, BooleansFractionsNegativesAndGarbageAreRefused) {
  const json bad[] = {true,           false,      1.5,   -1,     -0.5,
                      "abc",          "",         "1.5", "-1",   json::array(),
                      json::object(), json{1, 2}, 1e300, -1e300, std::numeric_limits<std::uint64_t>::max()};
  for (auto key : kNumericKeys) {
    for (const auto& value : bad) {
      EXPECT_TRUE(throws_config_error(
          [&] {
            (void)load_token_config_from_dict(json_with_secret(json{{std::string{key}, value}}));
          },
          key))
          << key << "=" << value.dump() << " was accepted";
    }
  }
}

TEST(ConfigFromJson, NullCountsAsAbsent) {
  const Config config =
      load_token_config_from_dict(json_with_secret(json{{"JWTSERVICE_ALGORITHM", nullptr},
                                                        {"JWTSERVICE_ISSUER", nullptr},
                                                        {"JWTSERVICE_AUDIENCE", nullptr},
                                                        {"JWTSERVICE_LEEWAY", nullptr},
                                                        {"JWTSERVICE_RATELIMIT", 9},
                                                        {"JWTSERVICE_RATELIMIT_CREATE", nullptr},
                                                        {"JWTSERVICE_MAX_TOKEN_BYTES", nullptr}}));
  EXPECT_EQ(config.algorithm, "HS256") << "null algorithm is not the default";
  EXPECT_EQ(config.issuer, "JWTService") << "null issuer is not the default";
  EXPECT_FALSE(config.audience.has_value()) << "null audience is not none";
  EXPECT_EQ(config.leeway, 0) << "null leeway is not the default";
  EXPECT_EQ(config.rate_limit_create, 9) << "a null specific limit did not fall back to JWTSERVICE_RATELIMIT";
  EXPECT_EQ(config.max_token_bytes, 8192u) << "null max token bytes is not the default";
}

TEST(ConfigFromJson, NullSecretIsMissing) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(json{{"SECRET_KEY", nullptr}});
      },
      "SECRET_KEY", "SECRET_KEY must be provided"));
}

TEST(ConfigFromJson, NonStringSecretIsRefused) {
  for (const json& secret : {json(12345678), json(true), json::array({"a"}), json::object()}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(json{{"SECRET_KEY", secret}});
        },
        "SECRET_KEY"))
        << "a SECRET_KEY of JSON type " << secret.type_name() << " was accepted";
  }
}

TEST(ConfigFromJson, NonStringTextSettingsAreRefused) {
  for (auto key : {"JWTSERVICE_ALGORITHM", "JWTSERVICE_ISSUER", "JWTSERVICE_AUDIENCE"}) {
    for (const json& value : {json(256), json(false), json::array()}) {
      EXPECT_TRUE(throws_config_error(
          [&] {
            (void)load_token_config_from_dict(json_with_secret(json{{key, value}}));
          },
          key))
          << key << " of JSON type " << value.type_name() << " was accepted";
    }
  }
}

TEST(ConfigFromJson, NonObjectSettingsAreRefused) {
  for (const json& settings :
       {json(nullptr), json::array(), json::array({"SECRET_KEY", "x"}), json("text"), json(42)}) {
    try {
      (void)load_token_config_from_dict(settings);
      ADD_FAILURE() << "settings of JSON type " << settings.type_name() << " were accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string_view{e.what()}.find("object"), std::string_view::npos)
          << "the error for non-object settings does not say an object is expected: \"" << e.what() << "\"";
    }
  }
}

TEST(ConfigFromJson, UnknownKeysAreIgnored) {
  const Config config = load_token_config_from_dict(json_with_secret(
      json{{"database", {{"url", "postgres://x"}}}, {"debug", true}, {"JWTSERVICE_LEEWAYS", -1}}));
  EXPECT_EQ(config.leeway, 0) << "an unknown key changed the leeway";
}

TEST(ConfigFromJson, LegacyRateLimitIsOverriddenBySpecificKeys) {
  const Config config = load_token_config_from_dict(
      json_with_secret(json{{"JWTSERVICE_RATELIMIT", 50}, {"JWTSERVICE_RATELIMIT_VALIDATE", "60"}}));
  EXPECT_EQ(config.rate_limit_create, 50) << "JWTSERVICE_RATELIMIT did not set the create limit";
  EXPECT_EQ(config.rate_limit_validate, 60)
      << "JWTSERVICE_RATELIMIT_VALIDATE did not override the legacy key";
}

TEST(ConfigFromJson, ErrorMessagesNeverContainTheSecret) {
  for (const json& settings :
       {json{{"JWTSERVICE_ALGORITHM", "RS256"}}, json{{"JWTSERVICE_LEEWAY", -1}},
        json{{"JWTSERVICE_RATELIMIT_CREATE", true}}, json{{"JWTSERVICE_AUDIENCE", " "}}}) {
    EXPECT_TRUE(throws_config_error_without(
        [&] { (void)load_token_config_from_dict(json_with_secret(settings)); }, kSecret))
        << "with settings " << settings.dump();
  }
}

// ---------------------------------------------------------------------------------------------
// load_token_config_from_env()

TEST_F(ConfigFromEnv, EveryKeyIsRead) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_ALGORITHM", "hs256");
  set("JWTSERVICE_ISSUER", "env-issuer");
  set("JWTSERVICE_AUDIENCE", "env-aud");
  set("JWTSERVICE_LEEWAY", "15");
  set("JWTSERVICE_RATELIMIT_CREATE", "11");
  set("JWTSERVICE_RATELIMIT_VALIDATE", "22");
  set("JWTSERVICE_MAX_TOKEN_BYTES", "2048");
  const Config config = load_token_config_from_env();
  EXPECT_TRUE(config.secret_key == kSecret) << "SECRET_KEY was not read from the environment";
  EXPECT_EQ(config.algorithm, "HS256") << "JWTSERVICE_ALGORITHM was not read or not normalised";
  EXPECT_EQ(config.issuer, "env-issuer") << "JWTSERVICE_ISSUER was not read";
  EXPECT_EQ(config.audience, std::optional<std::string>{"env-aud"}) << "JWTSERVICE_AUDIENCE was not read";
  EXPECT_EQ(config.leeway, 15) << "JWTSERVICE_LEEWAY was not read";
  EXPECT_EQ(config.rate_limit_create, 11) << "JWTSERVICE_RATELIMIT_CREATE was not read";
  EXPECT_EQ(config.rate_limit_validate, 22) << "JWTSERVICE_RATELIMIT_VALIDATE was not read";
  EXPECT_EQ(config.max_token_bytes, 2048u) << "JWTSERVICE_MAX_TOKEN_BYTES was not read";
}

TEST_F(ConfigFromEnv, OnlySecretGivesTheDocumentedDefaults) {
  set("SECRET_KEY", kSecret);
  const Config config = load_token_config_from_env();
  EXPECT_EQ(config.algorithm, "HS256") << "default algorithm";
  EXPECT_EQ(config.issuer, "JWTService") << "default issuer";
  EXPECT_FALSE(config.audience.has_value()) << "default audience should be none";
  EXPECT_EQ(config.leeway, 0) << "default leeway";
  EXPECT_EQ(config.rate_limit_create, 6000) << "default create limit";
  EXPECT_EQ(config.rate_limit_validate, 6000) << "default validate limit";
  EXPECT_EQ(config.max_token_bytes, 8192u) << "default max token bytes";
}

TEST_F(ConfigFromEnv, MissingSecretIsRefused) {
  EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_env(); }, "SECRET_KEY",
                                  "SECRET_KEY must be provided"));
}

TEST_F(ConfigFromEnv, EmptyOrWhitespaceSecretIsRefused) {
  for (const char* secret : {"", "   ", "\t\n"}) {
    set("SECRET_KEY", secret);
    EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_env(); }, "SECRET_KEY",
                                    "SECRET_KEY must be provided"))
        << "a secret of " << std::string_view{secret}.size() << " whitespace characters was accepted";
  }
}

TEST_F(ConfigFromEnv, EmptyAudienceMeansNoAudienceAndBlankIsRefused) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_AUDIENCE", "");
  EXPECT_FALSE(load_token_config_from_env().audience.has_value()) << "an empty audience variable is not none";
  set("JWTSERVICE_AUDIENCE", "  ");
  EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_env(); }, "JWTSERVICE_AUDIENCE"));
}

TEST_F(ConfigFromEnv, LegacyRateLimitIsTheDefaultAndSpecificKeysOverrideIt) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_RATELIMIT", "77");
  set("JWTSERVICE_RATELIMIT_CREATE", "5");
  const Config config = load_token_config_from_env();
  EXPECT_EQ(config.rate_limit_create, 5) << "JWTSERVICE_RATELIMIT_CREATE did not override the legacy key";
  EXPECT_EQ(config.rate_limit_validate, 77) << "JWTSERVICE_RATELIMIT did not set the validate limit";
}

TEST_F(ConfigFromEnv, InvalidNumbersAreRefusedNamingTheKey) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_LEEWAY", "-3");
  EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_env(); }, "JWTSERVICE_LEEWAY",
                                  "JWTSERVICE_LEEWAY must be a non-negative integer"));
  set("JWTSERVICE_LEEWAY", "0");
  set("JWTSERVICE_MAX_TOKEN_BYTES", "0");
  EXPECT_TRUE(throws_config_error([] { (void)load_token_config_from_env(); }, "JWTSERVICE_MAX_TOKEN_BYTES"));
  set("JWTSERVICE_MAX_TOKEN_BYTES", "1024");
  set("JWTSERVICE_RATELIMIT_VALIDATE", "lots");
  EXPECT_TRUE(
      throws_config_error([] { (void)load_token_config_from_env(); }, "JWTSERVICE_RATELIMIT_VALIDATE"));
}

TEST_F(ConfigFromEnv, UnknownAndLowerCaseVariablesAreIgnored) {
  set("SECRET_KEY", kSecret);
  EnvVarGuard other{"jwtservice_leeway"};
  other.set("not a number");
  EXPECT_EQ(load_token_config_from_env().leeway, 0) << "a lower-case variable was read as JWTSERVICE_LEEWAY";
}

TEST_F(ConfigFromEnv, ErrorMessagesNeverContainTheSecret) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_ALGORITHM", "HS512");
  EXPECT_TRUE(throws_config_error_without([] { (void)load_token_config_from_env(); }, kSecret));
}

TEST(EnvVarGuardHelper, RestoresAPreviousValueAndAnAbsentVariable) {
  const char* name = "JWTSERVICE_TEST_GUARD_VARIABLE";
  ::unsetenv(name);
  {
    EnvVarGuard guard{name};
    guard.set("inside");
  }
  EXPECT_EQ(std::getenv(name), nullptr) << "the guard left a variable behind that was absent before";
  ::setenv(name, "before", 1);
  {
    EnvVarGuard guard{name};
    guard.unset();
  }
  const char* restored = std::getenv(name);
  EXPECT_TRUE(restored != nullptr && std::string_view{restored} == "before")
      << "the guard did not restore the previous value";
  ::unsetenv(name);
}

// ---------------------------------------------------------------------------------------------
// validated(Config)

TEST(ConfigValidated, NormalisesAlgorithmAndEmptyAudience) {
  Config config = hand_built();
  config.algorithm = "hs256";
  config.audience = "";
  const Config checked = validated(config);
  EXPECT_EQ(checked.algorithm, "HS256") << "hs256 was not upper-cased";
  EXPECT_FALSE(checked.audience.has_value()) << "an empty audience was not turned into none";
  EXPECT_TRUE(checked.secret_key == kSecret) << "validated() changed the secret";
}

TEST(ConfigValidated, DefaultConfigWithASecretIsValid) {
  EXPECT_NO_THROW((void)validated(hand_built())) << "a default Config with a secret was refused";
}

/// One invalid field of a hand-built Config and the key its error must name.
struct InvalidField {
  const char* what;
  void (*spoil)(Config&);
  const char* key;
};

const InvalidField kInvalidFields[] = {
    {"empty secret", [](Config& c) { c.secret_key.clear(); }, "SECRET_KEY"},
    {"whitespace secret", [](Config& c) { c.secret_key = " \t "; }, "SECRET_KEY"},
    {"algorithm HS512", [](Config& c) { c.algorithm = "HS512"; }, "JWTSERVICE_ALGORITHM"},
    {"algorithm none", [](Config& c) { c.algorithm = "none"; }, "JWTSERVICE_ALGORITHM"},
    {"empty issuer", [](Config& c) { c.issuer.clear(); }, "JWTSERVICE_ISSUER"},
    {"blank issuer", [](Config& c) { c.issuer = "  "; }, "JWTSERVICE_ISSUER"},
    {"blank audience", [](Config& c) { c.audience = " "; }, "JWTSERVICE_AUDIENCE"},
    {"negative leeway", [](Config& c) { c.leeway = -1; }, "JWTSERVICE_LEEWAY"},
    {"INT64_MIN leeway", [](Config& c) { c.leeway = INT64_MIN; }, "JWTSERVICE_LEEWAY"},
    {"leeway above the limit", [](Config& c) { c.leeway = jwtservice::max_leeway_seconds + 1; },
     "JWTSERVICE_LEEWAY"},
    {"negative create limit", [](Config& c) { c.rate_limit_create = -1; }, "JWTSERVICE_RATELIMIT_CREATE"},
    {"huge create limit", [](Config& c) { c.rate_limit_create = INT64_MAX; }, "JWTSERVICE_RATELIMIT_CREATE"},
    {"negative validate limit", [](Config& c) { c.rate_limit_validate = -1; },
     "JWTSERVICE_RATELIMIT_VALIDATE"},
    {"huge validate limit", [](Config& c) { c.rate_limit_validate = INT64_MAX; },
     "JWTSERVICE_RATELIMIT_VALIDATE"},
    {"max token bytes 0", [](Config& c) { c.max_token_bytes = 0; }, "JWTSERVICE_MAX_TOKEN_BYTES"},
    {"max token bytes above the limit",
     [](Config& c) { c.max_token_bytes = jwtservice::max_token_bytes_limit + 1; },
     "JWTSERVICE_MAX_TOKEN_BYTES"},
    {"max token bytes SIZE_MAX", [](Config& c) { c.max_token_bytes = SIZE_MAX; },
     "JWTSERVICE_MAX_TOKEN_BYTES"},
};

TEST(ConfigValidated, EveryInvalidFieldThrowsConfigErrorNamingItsKey) {
  for (const auto& field : kInvalidFields) {
    Config config = hand_built();
    field.spoil(config);
    EXPECT_TRUE(throws_config_error([&] { (void)validated(config); }, field.key)) << "with " << field.what;
  }
}

TEST(ConfigValidated, LeewayErrorSaysItMustBeANonNegativeInteger) {
  Config config = hand_built();
  config.leeway = -1;
  EXPECT_TRUE(throws_config_error([&] { (void)validated(config); }, "JWTSERVICE_LEEWAY",
                                  "JWTSERVICE_LEEWAY must be a non-negative integer"));
}

TEST(ConfigValidated, ErrorMessagesNeverContainTheSecret) {
  for (const auto& field : kInvalidFields) {
    Config config = hand_built();
    field.spoil(config);
    EXPECT_TRUE(throws_config_error_without([&] { (void)validated(config); }, kSecret))
        << "with " << field.what;
  }
}

// ---------------------------------------------------------------------------------------------
// The service constructor validates a hand-built Config the same way.

TEST(ServiceConstruction, EveryInvalidFieldThrowsConfigErrorNamingItsKey) {
  for (const auto& field : kInvalidFields) {
    Config config = hand_built();
    field.spoil(config);
    EXPECT_TRUE(throws_config_error(
        [&] {
          Service service{config, quiet()};
        },
        field.key))
        << "Service constructor with " << field.what;
  }
}

TEST(ServiceConstruction, ErrorMessagesNeverContainTheSecret) {
  for (const auto& field : kInvalidFields) {
    Config config = hand_built();
    field.spoil(config);
    EXPECT_TRUE(throws_config_error_without(
        [&] {
          Service service{config, quiet()};
        },
        kSecret))
        << "Service constructor with " << field.what;
  }
}

TEST(ServiceConstruction, ValidConfigIsNormalised) {
  Config config = hand_built();
  config.algorithm = "hs256";
  config.audience = "";
  const Service service{config, quiet()};
  EXPECT_EQ(service.config().algorithm, "HS256") << "the service did not normalise the algorithm";
  EXPECT_FALSE(service.config().audience.has_value()) << "the service kept an empty audience";
}

TEST(ServiceConstruction, SecretIsWipedFromTheStoredConfig) {
  const Service service{hand_built(), quiet()};
  EXPECT_TRUE(service.config().secret_key.empty())
      << "service.config().secret_key still holds " << service.config().secret_key.size() << " bytes";
}

TEST(ServiceConstruction, NonPositiveRevocationTtlMaxIsRefused) {
  for (const std::int64_t ttl_max : {std::int64_t{0}, std::int64_t{-1}, INT64_MIN}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          Service service{hand_built(),
                          ServiceOptions{.logger = jwtservice::null_logger(), .revocation_ttl_max = ttl_max}};
        },
        "revocation_ttl_max"))
        << "revocation_ttl_max = " << ttl_max << " was accepted";
  }
}

TEST(ServiceConstruction, PositiveRevocationTtlMaxIsAccepted) {
  EXPECT_NO_THROW((
      Service{hand_built(), ServiceOptions{.logger = jwtservice::null_logger(), .revocation_ttl_max = 3600}}))
      << "revocation_ttl_max = 3600 was refused";
}

TEST(ServiceConstruction, ZeroCreateLimitLogsAWarningNamingTheKey) {
  CapturingLogger capture;
  Config config = hand_built();
  config.rate_limit_create = 0;
  const Service service{config, ServiceOptions{.logger = capture.logger()}};
  EXPECT_TRUE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)"))
      << "no warning about the unlimited create rate; " << capture.lines->size() << " messages logged";
  EXPECT_FALSE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_VALIDATE"))
      << "a warning about the validate limit, which is not 0";
}

TEST(ServiceConstruction, ZeroValidateLimitLogsAWarningNamingTheKey) {
  CapturingLogger capture;
  Config config = hand_built();
  config.rate_limit_validate = 0;
  const Service service{config, ServiceOptions{.logger = capture.logger()}};
  EXPECT_TRUE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)"))
      << "no warning about the unlimited validate rate; " << capture.lines->size() << " messages logged";
  EXPECT_FALSE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_CREATE"))
      << "a warning about the create limit, which is not 0";
}

TEST(ServiceConstruction, ZeroLegacyLimitLogsBothWarnings) {
  CapturingLogger capture;
  const Service service{load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_RATELIMIT", "0"}})),
                        ServiceOptions{.logger = capture.logger()}};
  EXPECT_TRUE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)"))
      << "JWTSERVICE_RATELIMIT=0 did not warn about the create limit";
  EXPECT_TRUE(capture.has(LogLevel::warning, "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)"))
      << "JWTSERVICE_RATELIMIT=0 did not warn about the validate limit";
}

TEST(ServiceConstruction, ShortSecretLogsAWarningWithoutTheSecret) {
  CapturingLogger capture;
  Config config = hand_built();
  config.secret_key = std::string{kShortSecret};
  const Service service{config, ServiceOptions{.logger = capture.logger()}};
  EXPECT_TRUE(capture.has(LogLevel::warning, "SECRET_KEY"))
      << "no warning naming SECRET_KEY for a " << kShortSecret.size() << "-byte secret";
  for (const auto& [level, message] : *capture.lines) {
    EXPECT_EQ(message.find(kShortSecret), std::string::npos)
        << "a " << jwtservice::to_string(level) << " message contains the secret";
  }
}

TEST(ServiceConstruction, DefaultLimitsAndA32ByteSecretLogNoWarnings) {
  CapturingLogger capture;
  Config config = hand_built();
  config.secret_key = std::string(32, 'k');
  const Service service{config, ServiceOptions{.logger = capture.logger()}};
  for (const auto& [level, message] : *capture.lines) {
    EXPECT_LT(level, LogLevel::warning)
        << "unexpected " << jwtservice::to_string(level) << ": \"" << redacted(message) << "\"";
  }
}

TEST(MinSecretBytes, DefaultZeroOnlyWarnsAboutShortSecrets) {
  Config config = hand_built();
  config.secret_key = std::string{kShortSecret};
  EXPECT_NO_THROW((void)jwtservice::validated(config));
}

TEST(MinSecretBytes, ShorterSecretIsAConfigErrorNamingTheKeyButNotTheSecret) {
  Config config = hand_built();
  config.secret_key = std::string(31, 's');
  config.min_secret_bytes = 32;
  EXPECT_TRUE(
      throws_config_error([&] { (void)jwtservice::validated(config); }, "JWTSERVICE_MIN_SECRET_BYTES"));
  EXPECT_TRUE(throws_config_error_without([&] { (void)jwtservice::validated(config); }, config.secret_key));
  EXPECT_TRUE(throws_config_error([&] { const Service service{config}; }, "SECRET_KEY"));
  config.secret_key = std::string(32, 's');
  EXPECT_NO_THROW((void)jwtservice::validated(config)) << "a secret of exactly the minimum is accepted";
}

TEST(MinSecretBytes, IsReadByEveryLoader) {
  EXPECT_EQ(
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_MIN_SECRET_BYTES", "16"}})).min_secret_bytes,
      16u);
  EXPECT_EQ(
      load_token_config_from_dict(json_with_secret({{"JWTSERVICE_MIN_SECRET_BYTES", 8}})).min_secret_bytes,
      8u);
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(json{{"SECRET_KEY", "short"}, {"JWTSERVICE_MIN_SECRET_BYTES", 32}});
      },
      "JWTSERVICE_MIN_SECRET_BYTES"));
}

TEST(MinSecretBytes, InvalidValuesAreRefusedNamingTheKey) {
  for (const char* bad : {"-1", "x", "1.5", "4097"}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_MIN_SECRET_BYTES", bad}}));
        },
        "JWTSERVICE_MIN_SECRET_BYTES"))
        << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// The Redis keys: read by every loader, used by RedisRevocationStore / RedisRateLimiter

TEST(RedisConfig, DefaultsAreNoUrlAndTheJwtservicePrefix) {
  const Config config = load_token_config_from_dict(dict_with_secret({}));
  EXPECT_FALSE(config.redis_url.has_value());
  EXPECT_EQ(config.redis_prefix, "jwtservice:");
  EXPECT_EQ(hand_built().redis_prefix, "jwtservice:");
}

TEST(RedisConfig, IsReadByEveryLoader) {
  const Config a = load_token_config_from_dict(dict_with_secret(
      {{"JWTSERVICE_REDIS_URL", "redis://cache:6380/2"}, {"JWTSERVICE_REDIS_PREFIX", "app1:"}}));
  EXPECT_EQ(a.redis_url, std::optional<std::string>{"redis://cache:6380/2"});
  EXPECT_EQ(a.redis_prefix, "app1:");
  const Config b = load_token_config_from_dict(json_with_secret(
      {{"JWTSERVICE_REDIS_URL", "redis://:pw@cache"}, {"JWTSERVICE_REDIS_PREFIX", "app2:"}}));
  EXPECT_EQ(b.redis_url, std::optional<std::string>{"redis://:pw@cache"});
  EXPECT_EQ(b.redis_prefix, "app2:");
}

TEST_F(ConfigFromEnv, RedisKeysAreRead) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_REDIS_URL", "redis://127.0.0.1:6390/1");
  set("JWTSERVICE_REDIS_PREFIX", "env:");
  const Config config = load_token_config_from_env();
  EXPECT_EQ(config.redis_url, std::optional<std::string>{"redis://127.0.0.1:6390/1"});
  EXPECT_EQ(config.redis_prefix, "env:");
}

TEST(RedisConfig, BlankUrlIsRefusedNamingTheKey) {
  for (const char* url : {"", "  "}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_URL", url}}));
        },
        "JWTSERVICE_REDIS_URL", "must not be blank"))
        << "\"" << url << "\"";
  }
}

TEST(RedisConfig, UrlOfAnotherSchemeIsRefusedWithoutEchoingIt) {
  for (const char* url :
       {"http://:hunter2@cache:6379", "cache:6379", "redis:/cache", "unix:///tmp/redis.sock"}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_URL", url}}));
        },
        "JWTSERVICE_REDIS_URL", "redis://"))
        << url;
    EXPECT_TRUE(throws_config_error_without(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_URL", url}}));
        },
        "hunter2"));
  }
  EXPECT_NO_THROW(
      (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_URL", "REDIS://h"}})));
}

TEST(RedisConfig, BlankPrefixIsRefusedNamingTheKey) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_PREFIX", " "}}));
      },
      "JWTSERVICE_REDIS_PREFIX", "must not be blank"));
  Config config = hand_built();
  config.redis_prefix = "";
  EXPECT_TRUE(throws_config_error([&] { (void)jwtservice::validated(config); }, "JWTSERVICE_REDIS_PREFIX"));
}

TEST(RedisConfig, NonStringValuesAreRefused) {
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_URL", 6379}}));
      },
      "JWTSERVICE_REDIS_URL", "must be a string"));
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_PREFIX", true}}));
      },
      "JWTSERVICE_REDIS_PREFIX", "must be a string"));
}

TEST(RedisConfig, AllowEvictionIsZeroOrOneFromEveryLoader) {
  EXPECT_FALSE(load_token_config_from_dict(dict_with_secret({})).redis_allow_eviction);
  EXPECT_FALSE(hand_built().redis_allow_eviction);
  EXPECT_TRUE(load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", "1"}}))
                  .redis_allow_eviction);
  EXPECT_FALSE(load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", "0"}}))
                   .redis_allow_eviction);
  EXPECT_TRUE(load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", 1}}))
                  .redis_allow_eviction);
  EXPECT_TRUE(load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", "1"}}))
                  .redis_allow_eviction);
}

TEST(RedisConfig, AllowEvictionOtherThanZeroOrOneIsRefusedNamingTheKey) {
  for (const char* value : {"2", "-1", "yes", "true", "", " "}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", value}}));
        },
        "JWTSERVICE_REDIS_ALLOW_EVICTION", "must be 0 or 1"))
        << value;
  }
  EXPECT_TRUE(throws_config_error(
      [] {
        (void)load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_ALLOW_EVICTION", true}}));
      },
      "JWTSERVICE_REDIS_ALLOW_EVICTION", "must be 0 or 1"));
}

TEST(RedisConfig, MinReplicasIsZeroByDefaultAndReadByEveryLoader) {
  EXPECT_EQ(load_token_config_from_dict(dict_with_secret({})).redis_min_replicas, 0);
  EXPECT_EQ(hand_built().redis_min_replicas, 0);
  EXPECT_EQ(load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_MIN_REPLICAS", "2"}}))
                .redis_min_replicas,
            2);
  EXPECT_EQ(load_token_config_from_dict(json_with_secret({{"JWTSERVICE_REDIS_MIN_REPLICAS", 1}}))
                .redis_min_replicas,
            1);
}

TEST(RedisConfig, MinReplicasOutOfRangeIsRefusedNamingTheKey) {
  for (const char* value : {"-1", "65", "one", ""}) {
    EXPECT_TRUE(throws_config_error(
        [&] {
          (void)load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_MIN_REPLICAS", value}}));
        },
        "JWTSERVICE_REDIS_MIN_REPLICAS", "must be a non-negative integer"))
        << value;
  }
  auto config = hand_built();
  config.redis_min_replicas = -1;
  EXPECT_TRUE(
      throws_config_error([&] { (void)jwtservice::validated(config); }, "JWTSERVICE_REDIS_MIN_REPLICAS"));
}

TEST(RedisConfig, TlsAndSentinelKeysAreReadAndEmptyMeansNone) {
  const Config config =
      load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_CA_FILE", "/etc/ca.pem"},
                                                    {"JWTSERVICE_REDIS_CERT_FILE", "/etc/c.pem"},
                                                    {"JWTSERVICE_REDIS_KEY_FILE", "/etc/k.pem"},
                                                    {"JWTSERVICE_REDIS_TLS_SERVER_NAME", "redis.test"},
                                                    {"JWTSERVICE_REDIS_SENTINEL_PASSWORD", "pw"}}));
  EXPECT_EQ(config.redis_ca_file, "/etc/ca.pem");
  EXPECT_EQ(config.redis_cert_file, "/etc/c.pem");
  EXPECT_EQ(config.redis_key_file, "/etc/k.pem");
  EXPECT_EQ(config.redis_tls_server_name, "redis.test");
  EXPECT_EQ(config.redis_sentinel_password, "pw");
  const Config empty = load_token_config_from_dict(
      dict_with_secret({{"JWTSERVICE_REDIS_CA_FILE", ""}, {"JWTSERVICE_REDIS_SENTINEL_PASSWORD", ""}}));
  EXPECT_FALSE(empty.redis_ca_file.has_value());
  EXPECT_FALSE(empty.redis_sentinel_password.has_value());
}

TEST(RedisConfig, SentinelAndTlsUrlsAreAccepted) {
  for (const char* url :
       {"rediss://h:1/0", "redis+sentinel://h1,h2:26380/svc", "REDISS+SENTINEL://h/svc/2"}) {
    EXPECT_EQ(load_token_config_from_dict(dict_with_secret({{"JWTSERVICE_REDIS_URL", url}})).redis_url, url);
  }
}

TEST_F(ConfigFromEnv, MinReplicasIsRead) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_REDIS_MIN_REPLICAS", "1");
  EXPECT_EQ(load_token_config_from_env().redis_min_replicas, 1);
}

TEST_F(ConfigFromEnv, AllowEvictionIsRead) {
  set("SECRET_KEY", kSecret);
  set("JWTSERVICE_REDIS_ALLOW_EVICTION", "1");
  EXPECT_TRUE(load_token_config_from_env().redis_allow_eviction);
}

}  // namespace
