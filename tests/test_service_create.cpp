// BasicService::criar / create: the claims written, the header, and every argument refused.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jwtservice/detail/base64url.hpp"
#include "openssl_faults.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::CreateOptions;
using jwtservice::InvalidArgument;
using jwtservice::JWTAction;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

/// The three segments of a token, the first two decoded.
struct Parts {
  std::string header;
  std::string payload;
  std::string payload_b64;
};

Parts split(const std::string& token) {
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  Parts p;
  p.payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  EXPECT_TRUE(jwtservice::detail::base64url_decode(token.substr(0, dot1), p.header)) << "header segment";
  EXPECT_TRUE(jwtservice::detail::base64url_decode(p.payload_b64, p.payload)) << "payload segment";
  return p;
}

/// xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx in lower-case hex (RFC 9562 §5.4).
bool is_uuid4(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

class CreateTest : public ::testing::Test {
 protected:
  Service make(jwtservice::Config config = jt::test_config()) {
    return Service{std::move(config),
                   ServiceOptions{.logger = jwtservice::null_logger(), .clock = [this] { return now_; }}};
  }
  json claims_of(const std::string& token) { return json::parse(split(token).payload); }

  std::int64_t now_ = jt::kNow;
};

TEST_F(CreateTest, HeaderIsExactlyHs256Jwt) {
  const auto token = make().criar({.sub = "user@example.com"});
  EXPECT_EQ(split(token).header, R"({"alg":"HS256","typ":"JWT"})");
}

TEST_F(CreateTest, WritesEveryGivenClaimInThePythonPackagesOrder) {
  const auto token = make().criar({.action = JWTAction::VALIDAR_EMAIL,
                                   .sub = "user@example.com",
                                   .expires_in = 900,
                                   .audience = "mobile-app",
                                   .jti = "custom-jti",
                                   .extra_data = {{"flow", "signup"}}});
  const std::string expected =
      R"({"sub":"user@example.com","iat":1700000000,"nbf":1700000000,)"
      R"("exp":1700000900,"iss":"JWTService","aud":"mobile-app",)"
      R"("action":"VALIDAR_EMAIL","jti":"custom-jti","extra_data":{"flow":"signup"}})";
  EXPECT_EQ(split(token).payload, expected);
}

TEST_F(CreateTest, OnlySubGivenWritesDefaultsAndARandomUuidV4Jti) {
  const auto claims = claims_of(make().criar({.sub = "user@example.com"}));
  EXPECT_EQ(claims["sub"], "user@example.com");
  EXPECT_EQ(claims["iat"], jt::kNow);
  EXPECT_EQ(claims["nbf"], jt::kNow);
  EXPECT_EQ(claims["exp"], jt::kNow + 600) << "expires_in defaults to 600 s";
  EXPECT_EQ(claims["iss"], "JWTService");
  EXPECT_FALSE(claims.contains("aud")) << "no audience given and none configured";
  EXPECT_FALSE(claims.contains("action"));
  EXPECT_FALSE(claims.contains("extra_data"));
  ASSERT_TRUE(claims["jti"].is_string());
  EXPECT_TRUE(is_uuid4(claims["jti"].get<std::string>()))
      << "jti is not a lower-case UUID v4: " << claims["jti"];
}

TEST_F(CreateTest, EveryTokenGetsAFreshJti) {
  auto service = make();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(claims_of(service.criar({.sub = "u"}))["jti"].get<std::string>());
  }
  EXPECT_EQ(seen.size(), 1000u) << "a jti repeated within 1000 tokens";
}

TEST_F(CreateTest, ExpiresInZeroWritesNoExpClaim) {
  const auto claims = claims_of(make().criar({.sub = "u", .expires_in = 0}));
  EXPECT_FALSE(claims.contains("exp"));
}

TEST_F(CreateTest, ConfigAudienceIsWrittenUnlessTheCallGivesOne) {
  auto config = jt::test_config();
  config.audience = "web-app";
  auto service = make(config);
  EXPECT_EQ(claims_of(service.criar({.sub = "u"}))["aud"], "web-app");
  EXPECT_EQ(claims_of(service.criar({.sub = "u", .audience = "mobile-app"}))["aud"], "mobile-app");
}

TEST_F(CreateTest, ConfiguredIssuerIsWritten) {
  auto config = jt::test_config();
  config.issuer = "accounts.example.com";
  EXPECT_EQ(claims_of(make(config).criar({.sub = "u"}))["iss"], "accounts.example.com");
}

TEST_F(CreateTest, ExplicitNullExtraDataWritesNoClaim) {
  const auto claims = claims_of(make().criar({.sub = "u", .extra_data = nullptr}));
  EXPECT_FALSE(claims.contains("extra_data"));
}

TEST_F(CreateTest, EveryBuiltInActionRoundTrips) {
  auto service = make();
  for (const auto& [action, name] : jwtservice::action_traits<JWTAction>::names) {
    const auto token = service.criar({.action = action, .sub = "u"});
    EXPECT_EQ(claims_of(token)["action"], name);
    const auto result = service.validar(token);
    ASSERT_TRUE(result.valid) << name << ": " << result.reason;
    EXPECT_EQ(result.action, action) << name;
  }
}

TEST_F(CreateTest, EnglishCreateBehavesLikeCriar) {
  auto service = make();
  const CreateOptions options{.sub = "u", .jti = "same"};
  EXPECT_EQ(split(service.create(options)).payload, split(service.criar(options)).payload);
}

TEST_F(CreateTest, BlankSubIsRefused) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.sub = ""}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = " \t\n"}), InvalidArgument);
}

TEST_F(CreateTest, NegativeExpiresInIsRefused) {
  EXPECT_THROW((void)make().criar({.sub = "u", .expires_in = -1}), InvalidArgument);
}

TEST_F(CreateTest, ExpiresInThatWouldOverflowExpIsRefused) {
  EXPECT_THROW((void)make().criar({.sub = "u", .expires_in = INT64_MAX}), InvalidArgument);
}

TEST_F(CreateTest, BlankJtiIsRefused) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.sub = "u", .jti = ""}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .jti = "  "}), InvalidArgument);
}

TEST_F(CreateTest, BlankAudienceIsRefused) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.sub = "u", .audience = ""}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .audience = " "}), InvalidArgument);
}

TEST_F(CreateTest, ExtraDataThatIsNotAnObjectIsRefused) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = json::array({1, 2})}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = "text"}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = 42}), InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = true}), InvalidArgument);
}

TEST_F(CreateTest, InvalidUtf8InSubIsRefusedNamingTheField) {
  try {
    (void)make().criar({.sub = "bad\xC3"});
    FAIL() << "a sub with invalid UTF-8 was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string{e.what()}.find("sub"), std::string::npos) << e.what();
  }
}

TEST_F(CreateTest, AnActionTheTraitsDoNotListIsRefused) {
  EXPECT_THROW((void)make().criar({.action = static_cast<JWTAction>(42), .sub = "u"}), InvalidArgument);
}

TEST_F(CreateTest, ErrorMessagesNeverContainTheSecret) {
  auto service = make();
  try {
    (void)service.criar({.sub = ""});
    FAIL() << "blank sub accepted";
  } catch (const jwtservice::Error& e) {
    EXPECT_EQ(std::string{e.what()}.find(jt::kSecret), std::string::npos);
  }
}

TEST_F(CreateTest, TokensCreatedConcurrentlyAreAllValidAndDistinct) {
  auto service = make();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 200;
  std::vector<std::vector<std::string>> tokens(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        tokens[t].push_back(service.criar({.sub = "u"}));
    });
  }
  for (auto& th : threads)
    th.join();
  std::set<std::string> distinct;
  for (const auto& list : tokens) {
    for (const auto& token : list) {
      EXPECT_TRUE(service.validar(token).valid);
      distinct.insert(token);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(CreateTest, SubWithQuotesBackslashesAndControlCharactersRoundTrips) {
  auto service = make();
  const std::string sub = "a\"b\\c\b\f\n\r\t\x01/\x7f";
  const auto token = service.criar({.sub = sub});
  EXPECT_EQ(claims_of(token)["sub"], sub) << "the payload is not the JSON escape of sub";
  const auto result = service.validar(token);
  ASSERT_TRUE(result.valid) << "reason: " << result.reason;
  EXPECT_EQ(result.sub, sub) << "validar does not give back the sub criar wrote";
}

TEST_F(CreateTest, InvalidUtf8InExtraDataIsRefusedNamingTheField) {
  try {
    (void)make().criar({.sub = "u", .extra_data = {{"name", std::string{"caf\xe9"}}}});
    FAIL() << "extra_data holding Latin-1 text was accepted";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string{e.what()}.find("extra_data"), std::string::npos) << "message: " << e.what();
  }
}

// A CSPRNG that fails must stop criar: a token without a fresh random jti is never handed out.
TEST_F(CreateTest, FailingCsprngMakesCriarThrowTokenCreationError) {
  auto service = make();
  jt::OpenSslWithoutAlgorithms no_rand;
  std::string token;
  try {
    no_rand.run([&] { token = service.criar({.sub = "u"}); });
    FAIL() << "criar returned a token although RAND_bytes had no generator to draw from";
  } catch (const jwtservice::TokenCreationError& e) {
    EXPECT_NE(std::string{e.what()}.find("CSPRNG"), std::string::npos) << "message: " << e.what();
  }
  // The failure is local to the call: the same service still creates tokens with a working CSPRNG.
  EXPECT_TRUE(service.validar(service.criar({.sub = "u"})).valid)
      << "service unusable after a CSPRNG failure";
}

TEST_F(CreateTest, GivenJtiNeedsNoCsprng) {
  auto service = make();
  jt::OpenSslWithoutAlgorithms no_rand;
  std::string token;
  no_rand.run([&] { token = service.criar({.sub = "u", .jti = "given-id"}); });
  EXPECT_EQ(claims_of(token)["jti"], "given-id");
}

// A MAC that fails after the key was accepted (a provider gone bad) must stop criar too.
TEST_F(CreateTest, FailingMacMakesCriarThrowTokenCreationError) {
  jt::OpenSslWithFailingHmac bad_mac;
  bad_mac.run([&] {
    auto service = make();  // keyed with the provider's HMAC, which still works here
    (void)service.criar({.sub = "u", .jti = "id-1"});
    jt::failing_hmac::fail = true;
    try {
      (void)service.criar({.sub = "u", .jti = "id-2"});
      ADD_FAILURE() << "criar returned a token although EVP_MAC_final failed";
    } catch (const jwtservice::TokenCreationError& e) {
      EXPECT_NE(std::string{e.what()}.find("HMAC"), std::string::npos) << "message: " << e.what();
    }
  });
}

TEST_F(CreateTest, ServiceWithoutAnOpenSslHmacThrowsConfigErrorNamingSecretKey) {
  jt::OpenSslWithoutAlgorithms no_hmac;
  try {
    no_hmac.run([&] { (void)make(); });
    FAIL() << "a service was built without an HMAC implementation";
  } catch (const jwtservice::ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("SECRET_KEY"), std::string::npos) << "message: " << message;
    EXPECT_NE(message.find("no HMAC"), std::string::npos)
        << "message does not say HMAC is missing: " << message;
    EXPECT_EQ(message.find(jt::kSecret), std::string::npos) << "the message contains the secret";
  }
}

}  // namespace
