// BasicService::validar: every reason of docs/validation.md, in order, with each boundary.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_store.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Config;
using jwtservice::JWTAction;
using jwtservice::Reason;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using jwtservice::Status;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

using jwtservice::testing::FakeStore;

class ValidateTest : public ::testing::Test {
 protected:
  Service make(Config config = jt::test_config(), std::shared_ptr<FakeStore> store = nullptr) {
    ServiceOptions options{
        .logger = [this](jwtservice::LogLevel, std::string_view m) { logs_.emplace_back(m); },
        .clock = [this] { return now_; }};
    if (store) options.revocation_store = store;
    return Service{std::move(config), std::move(options)};
  }
  static Config with_leeway(std::int64_t leeway) {
    auto config = jt::test_config();
    config.leeway = leeway;
    return config;
  }
  static Config with_audience(std::string audience) {
    auto config = jt::test_config();
    config.audience = std::move(audience);
    return config;
  }
  /// The reason the default service gives for a token of these claims.
  Reason reason_for(const json& claims) { return make().validar(jt::forge_claims(claims)).reason; }
  Reason reason_for_header(std::string_view header) {
    return make().validar(jt::forge(header, jt::good_claims().dump())).reason;
  }
  static json claims_with(const std::string& name, json value) {
    auto c = jt::good_claims();
    c[name] = std::move(value);
    return c;
  }
  static json claims_without(const std::string& name) {
    auto c = jt::good_claims();
    c.erase(name);
    return c;
  }

  std::int64_t now_ = jt::kNow;
  std::vector<std::string> logs_;
};

// --- success -------------------------------------------------------------------------------

TEST_F(ValidateTest, ValidTokenReportsEveryClaim) {
  auto service = make();
  const auto token = service.criar({.action = JWTAction::RESET_PASSWORD,
                                    .sub = "user@example.com",
                                    .expires_in = 600,
                                    .audience = "mobile-app",
                                    .jti = "custom-jti",
                                    .extra_data = {{"flow", "signup"}}});
  now_ += 100;
  const auto r = service.validar(token);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(r.status, Status::valid);
  EXPECT_EQ(r.reason, Reason::none);
  EXPECT_EQ(r.sub, "user@example.com");
  EXPECT_EQ(r.action, JWTAction::RESET_PASSWORD);
  EXPECT_EQ(r.age, 100);
  EXPECT_EQ(r.expires_in, 500);
  EXPECT_EQ(r.aud, "mobile-app") << "no audience expected: the token's aud is still reported";
  EXPECT_EQ(r.extra_data, json({{"flow", "signup"}}));
  EXPECT_EQ(r.jti, "custom-jti");
}

TEST_F(ValidateTest, EnglishValidateBehavesLikeValidar) {
  auto service = make(with_audience("web"));
  const auto token = service.criar({.sub = "u"});
  EXPECT_TRUE(service.validate(token).valid);
  EXPECT_TRUE(service.validate(token, "web").valid);
  EXPECT_TRUE(service.validate(token, {"x", "web"}).valid);
  EXPECT_TRUE(service.validate(token, std::vector<std::string>{"web"}).valid);
  EXPECT_EQ(service.validate(token, "x").reason, Reason::invalid_audience);
}

TEST_F(ValidateTest, TokenWithoutExpIsValidForeverAndHasNoExpiresIn) {
  auto service = make();
  const auto token = service.criar({.sub = "u", .expires_in = 0});
  now_ += 10LL * 365 * 24 * 3600;
  const auto r = service.validar(token);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_FALSE(r.expires_in.has_value());
}

TEST_F(ValidateTest, MinimalTokenWithOnlySubAndIssIsValid) {
  const auto r = make().validar(jt::forge_claims({{"sub", "u"}, {"iss", "JWTService"}}));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_FALSE(r.age.has_value()) << "no iat, no age";
  EXPECT_FALSE(r.action.has_value());
  EXPECT_FALSE(r.jti.has_value());
  EXPECT_FALSE(r.aud.has_value());
  EXPECT_FALSE(r.extra_data.has_value());
}

TEST_F(ValidateTest, PayloadWithWhitespaceAsPythonWritesItIsValid) {
  const auto token = jt::forge(R"({"typ": "JWT", "alg": "HS256"})",
                               R"({"sub": "u", "iat": 1700000000, "iss": "JWTService"})");
  EXPECT_TRUE(make().validar(token).valid);
}

// --- 1. missing_token -----------------------------------------------------------------------

TEST_F(ValidateTest, EmptyTokenIsMissingToken) {
  const auto r = make().validar("");
  EXPECT_EQ(r.reason, Reason::missing_token);
  EXPECT_EQ(r.status, Status::invalid);
  EXPECT_FALSE(r.valid);
}

TEST_F(ValidateTest, WhitespaceOnlyTokenIsMissingToken) {
  EXPECT_EQ(make().validar(" \t\r\n").reason, Reason::missing_token);
}

// --- 3. invalid: size, shape, base64url, header -------------------------------------------

TEST_F(ValidateTest, SurroundingWhitespaceIsNotTrimmed) {
  auto service = make();
  const auto token = service.criar({.sub = "u"});
  EXPECT_EQ(service.validar(" " + token).reason, Reason::invalid);
  EXPECT_EQ(service.validar(token + "\n").reason, Reason::invalid);
  EXPECT_EQ(service.validar(token + " ").reason, Reason::invalid);
}

TEST_F(ValidateTest, TokenLargerThanTheMaximumIsInvalidAndAtTheMaximumIsChecked) {
  const auto token = make().criar({.sub = "u"});
  auto config = jt::test_config();
  config.max_token_bytes = token.size();
  EXPECT_TRUE(make(config).validar(token).valid) << "a token of exactly max_token_bytes is accepted";
  config.max_token_bytes = token.size() - 1;
  EXPECT_EQ(make(config).validar(token).reason, Reason::invalid);
}

TEST_F(ValidateTest, OversizedGarbageIsInvalidBeforeAnyDecoding) {
  const std::string huge(8193, '.');
  EXPECT_EQ(make().validar(huge).reason, Reason::invalid);
}

TEST_F(ValidateTest, TokenWithoutThreeSegmentsIsInvalid) {
  auto service = make();
  const auto token = service.criar({.sub = "u"});
  const auto dot2 = token.rfind('.');
  EXPECT_EQ(service.validar(token.substr(0, dot2)).reason, Reason::invalid) << "two segments";
  EXPECT_EQ(service.validar(token + ".").reason, Reason::invalid) << "four segments";
  EXPECT_EQ(service.validar(token + "." + token.substr(dot2 + 1)).reason, Reason::invalid);
  EXPECT_EQ(service.validar("abc").reason, Reason::invalid);
  EXPECT_EQ(service.validar("..").reason, Reason::invalid);
}

TEST_F(ValidateTest, NonCanonicalBase64UrlIsInvalidNotBadSignature) {
  auto service = make();
  const auto token = service.criar({.sub = "u"});
  const auto dot1 = token.find('.');
  EXPECT_EQ(service.validar(token + "=").reason, Reason::invalid) << "padding";
  std::string plus = token;
  plus[dot1 + 1] = '+';
  EXPECT_EQ(service.validar(plus).reason, Reason::invalid) << "'+' is standard base64, not base64url";
  std::string slash = token;
  slash[dot1 - 1] = '/';
  EXPECT_EQ(service.validar(slash).reason, Reason::invalid) << "'/' is standard base64, not base64url";
  std::string space = token;
  space.insert(dot1 + 3, " ");
  EXPECT_EQ(service.validar(space).reason, Reason::invalid) << "whitespace inside a segment";
  // The signature is 43 characters: its last one carries 2 unused bits, which must be zero.
  std::string unused_bits = token;
  const auto value = jwtservice::detail::base64url_values[static_cast<unsigned char>(unused_bits.back())];
  unused_bits.back() = jwtservice::detail::base64url_alphabet[value | 1];
  EXPECT_EQ(service.validar(unused_bits).reason, Reason::invalid) << "non-zero unused bits";
}

TEST_F(ValidateTest, HeaderThatIsNotAJsonObjectIsInvalid) {
  EXPECT_EQ(reason_for_header(R"(["alg","HS256"])"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"("HS256")"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256")"), Reason::invalid);
  EXPECT_EQ(reason_for_header(""), Reason::invalid);
}

TEST_F(ValidateTest, AlgOtherThanExactlyHs256IsInvalid) {
  EXPECT_EQ(reason_for_header(R"({"alg":"none","typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"hs256","typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS512","typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"RS256","typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256 ","typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":null,"typ":"JWT"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":["HS256"]})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"typ":"JWT"})"), Reason::invalid) << "alg missing";
}

TEST_F(ValidateTest, AlgNoneWithoutSignatureIsInvalid) {
  const std::string token = jwtservice::detail::base64url_encode(R"({"alg":"none"})") + "." +
                            jwtservice::detail::base64url_encode(jt::good_claims().dump()) + ".";
  EXPECT_EQ(make().validar(token).reason, Reason::invalid);
}

TEST_F(ValidateTest, CritOrB64InHeaderIsInvalid) {
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","crit":["exp"],"exp":1})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","crit":[]})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","b64":false,"crit":["b64"]})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","b64":true})"), Reason::invalid);
}

TEST_F(ValidateTest, TypMustNameAJwtCaseInsensitively) {
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256"})"), Reason::none) << "typ is optional";
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":"jwt"})"), Reason::none);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":"application/JWT"})"), Reason::none);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":"JOSE"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":"at+jwt"})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":1})"), Reason::invalid);
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":null})"), Reason::invalid);
}

TEST_F(ValidateTest, OtherHeaderMembersAreIgnored) {
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","typ":"JWT","kid":"k1","cty":"x"})"), Reason::none);
}

TEST_F(ValidateTest, MalformedHeaderJsonIsInvalid) {
  EXPECT_EQ(reason_for_header(R"({"alg":"none","alg":"HS256"})"), Reason::invalid) << "repeated alg";
  EXPECT_EQ(reason_for_header("\xEF\xBB\xBF{\"alg\":\"HS256\"}"), Reason::invalid) << "byte-order mark";
  EXPECT_EQ(reason_for_header("{\"alg\":\"HS256\",\"x\":\"\xFF\"}"), Reason::invalid) << "invalid UTF-8";
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","x":"\ud800"})"), Reason::invalid) << "lone surrogate";
  EXPECT_EQ(reason_for_header(R"({"alg":"HS256","x":1e400})"), Reason::invalid) << "number out of range";
  EXPECT_EQ(reason_for_header(std::string(65, '[') + std::string(65, ']')), Reason::invalid);
}

// --- 4. bad_signature -------------------------------------------------------------------------

TEST_F(ValidateTest, TokenSignedWithAnotherKeyIsBadSignature) {
  const auto r = make().validar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret));
  EXPECT_EQ(r.reason, Reason::bad_signature);
  EXPECT_EQ(r.status, Status::invalid);
}

TEST_F(ValidateTest, ModifiedPayloadIsBadSignature) {
  auto service = make();
  const auto token = service.criar({.sub = "alice"});
  const auto other = service.criar({.sub = "mallory"});
  const auto dot1 = token.find('.'), dot2 = token.rfind('.');
  const auto other_payload = other.substr(other.find('.') + 1, other.rfind('.') - other.find('.') - 1);
  const auto spliced = token.substr(0, dot1 + 1) + other_payload + token.substr(dot2);
  EXPECT_EQ(service.validar(spliced).reason, Reason::bad_signature);
}

TEST_F(ValidateTest, StrippedOrTruncatedSignatureIsBadSignature) {
  auto service = make();
  const auto token = service.criar({.sub = "u"});
  const auto signing_input = token.substr(0, token.rfind('.') + 1);
  EXPECT_EQ(service.validar(signing_input).reason, Reason::bad_signature) << "empty signature";
  EXPECT_EQ(service.validar(token.substr(0, token.size() - 3)).reason, Reason::bad_signature)
      << "signature of 30 bytes";
  EXPECT_EQ(service.validar(token + "AAAA").reason, Reason::bad_signature) << "signature of 35 bytes";
}

TEST_F(ValidateTest, SignatureIsCheckedBeforeThePayloadIsParsed) {
  // Garbage payload signed with the wrong key: a forged signature wins over a malformed payload.
  EXPECT_EQ(make().validar(jt::forge(jt::kHeader, "{not json", jt::kOtherSecret)).reason,
            Reason::bad_signature);
}

TEST_F(ValidateTest, BadSignatureWinsOverExpiry) {
  now_ = jt::kNow + 100000;
  EXPECT_EQ(make().validar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret)).reason,
            Reason::bad_signature);
}

// --- 5. invalid: malformed payload --------------------------------------------------------------

TEST_F(ValidateTest, PayloadThatIsNotAJsonObjectIsInvalid) {
  auto service = make();
  EXPECT_EQ(service.validar(jt::forge(jt::kHeader, "[]")).reason, Reason::invalid);
  EXPECT_EQ(service.validar(jt::forge(jt::kHeader, R"("sub")")).reason, Reason::invalid);
  EXPECT_EQ(service.validar(jt::forge(jt::kHeader, "1")).reason, Reason::invalid);
  EXPECT_EQ(service.validar(jt::forge(jt::kHeader, "")).reason, Reason::invalid);
  EXPECT_EQ(service.validar(jt::forge(jt::kHeader, "{\"sub\":\"u\"")).reason, Reason::invalid);
}

TEST_F(ValidateTest, MalformedPayloadJsonIsInvalid) {
  auto service = make();
  auto reason = [&](std::string_view payload) {
    return service.validar(jt::forge(jt::kHeader, payload)).reason;
  };
  EXPECT_EQ(reason(R"({"sub":"u","iss":"JWTService","sub":"admin"})"), Reason::invalid) << "repeated sub";
  EXPECT_EQ(reason(R"({"sub":"u","iss":"JWTService","extra_data":{"a":1,"a":2}})"), Reason::invalid)
      << "repeated member in a nested object";
  EXPECT_EQ(reason("\xEF\xBB\xBF{\"sub\":\"u\",\"iss\":\"JWTService\"}"), Reason::invalid) << "BOM";
  EXPECT_EQ(reason("{\"sub\":\"\xC0\xAF\",\"iss\":\"JWTService\"}"), Reason::invalid) << "overlong UTF-8";
  EXPECT_EQ(reason(R"({"sub":"\udc00","iss":"JWTService"})"), Reason::invalid) << "lone surrogate";
  EXPECT_EQ(reason(R"({"sub":"u","iss":"JWTService","x":-1e400})"), Reason::invalid) << "out of range";
  std::string deep = R"({"sub":"u","iss":"JWTService","extra_data":)";
  deep += std::string(64, '[') + std::string(64, ']') + "}";
  EXPECT_EQ(reason(deep), Reason::invalid) << "nesting of 65 levels";
}

TEST_F(ValidateTest, NbfOrExpThatIsNotANumericDateIsInvalid) {
  for (const char* claim : {"nbf", "exp"}) {
    EXPECT_EQ(reason_for(claims_with(claim, "1700000600")), Reason::invalid) << claim << " as a string";
    EXPECT_EQ(reason_for(claims_with(claim, true)), Reason::invalid) << claim << " as a boolean";
    EXPECT_EQ(reason_for(claims_with(claim, nullptr)), Reason::invalid) << claim << " null counts as present";
    EXPECT_EQ(reason_for(claims_with(claim, 1e19)), Reason::invalid) << claim << " beyond int64";
    EXPECT_EQ(reason_for(claims_with(claim, json::array())), Reason::invalid) << claim << " as an array";
  }
}

TEST_F(ValidateTest, IssThatIsNotAStringIsInvalid) {
  EXPECT_EQ(reason_for(claims_with("iss", 1)), Reason::invalid);
  EXPECT_EQ(reason_for(claims_with("iss", nullptr)), Reason::invalid);
}

TEST_F(ValidateTest, AudThatIsNeitherAStringNorAStringArrayIsInvalid) {
  EXPECT_EQ(reason_for(claims_with("aud", 1)), Reason::invalid);
  EXPECT_EQ(reason_for(claims_with("aud", json::array({"a", 1}))), Reason::invalid);
  EXPECT_EQ(reason_for(claims_with("aud", json::object())), Reason::invalid);
  EXPECT_EQ(reason_for(claims_with("aud", nullptr)), Reason::invalid);
}

TEST_F(ValidateTest, MalformedExpWinsOverBadIat) {
  auto claims = claims_with("exp", "soon");
  claims["iat"] = "then";
  EXPECT_EQ(reason_for(claims), Reason::invalid) << "step 5 comes before step 6";
}

// --- 6. invalid_iat -----------------------------------------------------------------------------

TEST_F(ValidateTest, IatThatIsNotANumberIsInvalidIat) {
  EXPECT_EQ(reason_for(claims_with("iat", "1700000000")), Reason::invalid_iat);
  EXPECT_EQ(reason_for(claims_with("iat", nullptr)), Reason::invalid_iat);
  EXPECT_EQ(reason_for(claims_with("iat", false)), Reason::invalid_iat);
  EXPECT_EQ(reason_for(claims_with("iat", 1e30)), Reason::invalid_iat);
}

TEST_F(ValidateTest, IatInTheFutureIsInvalidIat) {
  EXPECT_EQ(reason_for(claims_with("iat", jt::kNow + 1)), Reason::invalid_iat);
  EXPECT_EQ(reason_for(claims_with("iat", jt::kNow)), Reason::none);
}

TEST_F(ValidateTest, LeewayAppliesToIat) {
  auto service = make(with_leeway(5));
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("iat", jt::kNow + 5))).reason, Reason::none);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("iat", jt::kNow + 6))).reason, Reason::invalid_iat);
}

// --- 7. immature ---------------------------------------------------------------------------------

TEST_F(ValidateTest, NbfInTheFutureIsImmature) {
  EXPECT_EQ(reason_for(claims_with("nbf", jt::kNow + 1)), Reason::immature);
  EXPECT_EQ(reason_for(claims_with("nbf", jt::kNow)), Reason::none);
}

TEST_F(ValidateTest, LeewayAppliesToNbf) {
  auto service = make(with_leeway(5));
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("nbf", jt::kNow + 5))).reason, Reason::none);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("nbf", jt::kNow + 6))).reason, Reason::immature);
}

TEST_F(ValidateTest, FutureIatWinsOverFutureNbf) {
  auto claims = claims_with("iat", jt::kNow + 10);
  claims["nbf"] = jt::kNow + 10;
  EXPECT_EQ(reason_for(claims), Reason::invalid_iat);
}

// --- 8. expired ---------------------------------------------------------------------------------

TEST_F(ValidateTest, TokenWithExpEqualToNowIsExpired) {
  const auto r = make().validar(jt::forge_claims(claims_with("exp", jt::kNow)));
  EXPECT_EQ(r.reason, Reason::expired);
  EXPECT_EQ(r.status, Status::expired);
  EXPECT_FALSE(r.valid);
}

TEST_F(ValidateTest, TokenWithExpOneSecondAheadIsValid) {
  const auto r = make().validar(jt::forge_claims(claims_with("exp", jt::kNow + 1)));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.expires_in, 1);
}

TEST_F(ValidateTest, LeewayAppliesToExp) {
  auto service = make(with_leeway(5));
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("exp", jt::kNow - 4))).reason, Reason::none);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("exp", jt::kNow - 5))).reason, Reason::expired);
}

TEST_F(ValidateTest, DecimalNumericDatesAreTruncatedTowardZero) {
  EXPECT_EQ(reason_for(claims_with("exp", static_cast<double>(jt::kNow) + 0.9)), Reason::expired);
  EXPECT_EQ(reason_for(claims_with("nbf", static_cast<double>(jt::kNow) + 0.9)), Reason::none);
  const auto r = make().validar(jt::forge_claims(claims_with("exp", static_cast<double>(jt::kNow) + 10.7)));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.expires_in, 10);
}

TEST_F(ValidateTest, ExpiredTokenReportsOnlyValidStatusAndReason) {
  const auto r = make().validar(jt::forge_claims(claims_with("exp", jt::kNow - 1)));
  EXPECT_EQ(r.reason, Reason::expired);
  EXPECT_FALSE(r.sub || r.action || r.age || r.expires_in || r.aud || r.extra_data || r.jti)
      << "a failed validation must not leak claims";
}

TEST_F(ValidateTest, ExpiryWinsOverWrongIssuer) {
  auto claims = claims_with("exp", jt::kNow);
  claims["iss"] = "someone-else";
  EXPECT_EQ(reason_for(claims), Reason::expired);
}

TEST_F(ValidateTest, ExtremeNumericDatesNeverOverflow) {
  auto service = make(with_leeway(jwtservice::max_leeway_seconds));
  auto claims = jt::good_claims();
  claims["exp"] = INT64_MAX;
  claims["iat"] = INT64_MIN;
  claims["nbf"] = INT64_MIN;
  const auto r = service.validar(jt::forge_claims(claims));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.age, INT64_MAX) << "now - INT64_MIN saturates";
  now_ = INT64_MAX;
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::none);
  now_ = INT64_MIN;
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::none);
}

// --- 9. invalid_issuer ---------------------------------------------------------------------------

TEST_F(ValidateTest, MissingOrDifferentIssuerIsInvalidIssuer) {
  EXPECT_EQ(reason_for(claims_without("iss")), Reason::invalid_issuer);
  EXPECT_EQ(reason_for(claims_with("iss", "Someone")), Reason::invalid_issuer);
  EXPECT_EQ(reason_for(claims_with("iss", "jwtservice")), Reason::invalid_issuer) << "compared exactly";
  EXPECT_EQ(reason_for(claims_with("iss", "")), Reason::invalid_issuer);
}

TEST_F(ValidateTest, ConfiguredIssuerIsExpected) {
  auto config = jt::test_config();
  config.issuer = "accounts";
  auto service = make(config);
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims())).reason, Reason::invalid_issuer);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("iss", "accounts"))).reason, Reason::none);
}

// --- 10. invalid_audience --------------------------------------------------------------------------

TEST_F(ValidateTest, ConfigAudienceIsExpectedWhenTheCallGivesNone) {
  auto service = make(with_audience("web-app"));
  EXPECT_TRUE(service.validar(jt::forge_claims(claims_with("aud", "web-app"))).valid);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("aud", "mobile-app"))).reason,
            Reason::invalid_audience);
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims())).reason, Reason::invalid_audience)
      << "an expected audience and no aud claim";
}

TEST_F(ValidateTest, CallAudienceReplacesTheConfigAudience) {
  auto service = make(with_audience("web-app"));
  const auto token = jt::forge_claims(claims_with("aud", "mobile-app"));
  EXPECT_TRUE(service.validar(token, "mobile-app").valid);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("aud", "web-app")), "mobile-app").reason,
            Reason::invalid_audience);
}

TEST_F(ValidateTest, WithoutAnExpectedAudienceAudIsNotChecked) {
  auto service = make();
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("aud", "anything"))).aud, "anything");
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("aud", json::array({"a", "b"})))).aud, "a")
      << "a list aud reports its first member when nothing was matched";
  const auto empty = service.validar(jt::forge_claims(claims_with("aud", json::array())));
  ASSERT_TRUE(empty.valid) << empty.reason;
  EXPECT_FALSE(empty.aud.has_value());
}

TEST_F(ValidateTest, AnyOfSeveralAudiencesMatches) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with("aud", "mobile-app"));
  EXPECT_TRUE(service.validar(token, {"web-app", "mobile-app"}).valid);
  EXPECT_TRUE(service.validar(token, std::vector<std::string>{"web-app", "mobile-app"}).valid);
  EXPECT_TRUE(service.validar(token, {"mobile-app"}).valid);
  EXPECT_EQ(service.validar(token, {"web-app", "cli"}).reason, Reason::invalid_audience);
  EXPECT_EQ(service.validar(token, std::vector<std::string>{"web-app"}).reason, Reason::invalid_audience);
}

TEST_F(ValidateTest, ListAudReportsTheMemberThatMatched) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with("aud", json::array({"a", "b", "c"})));
  EXPECT_EQ(service.validar(token, "b").aud, "b");
  EXPECT_EQ(service.validar(token, {"x", "c"}).aud, "c");
  EXPECT_EQ(service.validar(token, "x").reason, Reason::invalid_audience);
}

TEST_F(ValidateTest, EmptyExpectedListAcceptsNoAudience) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with("aud", "mobile-app"));
  EXPECT_EQ(service.validar(token, std::vector<std::string>{}).reason, Reason::invalid_audience);
  EXPECT_EQ(service.validar(token, std::initializer_list<std::string_view>{}).reason,
            Reason::invalid_audience);
}

TEST_F(ValidateTest, AudienceIsComparedExactly) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with("aud", "Mobile-App"));
  EXPECT_EQ(service.validar(token, "mobile-app").reason, Reason::invalid_audience);
}

// --- 11. missing_sub -------------------------------------------------------------------------------

TEST_F(ValidateTest, AbsentNonStringOrEmptySubIsMissingSub) {
  EXPECT_EQ(reason_for(claims_without("sub")), Reason::missing_sub);
  EXPECT_EQ(reason_for(claims_with("sub", 42)), Reason::missing_sub);
  EXPECT_EQ(reason_for(claims_with("sub", nullptr)), Reason::missing_sub);
  EXPECT_EQ(reason_for(claims_with("sub", "")), Reason::missing_sub);
}

TEST_F(ValidateTest, WrongAudienceWinsOverMissingSub) {
  auto claims = claims_without("sub");
  claims["aud"] = "other";
  EXPECT_EQ(make().validar(jt::forge_claims(claims), "mine").reason, Reason::invalid_audience);
}

// --- 12. invalid_action ------------------------------------------------------------------------------

TEST_F(ValidateTest, ActionThatIsNotANameOfTheEnumIsInvalidAction) {
  EXPECT_EQ(reason_for(claims_with("action", "SIGNUP")), Reason::invalid_action);
  EXPECT_EQ(reason_for(claims_with("action", "validar_email")), Reason::invalid_action) << "case-sensitive";
  EXPECT_EQ(reason_for(claims_with("action", 1)), Reason::invalid_action) << "the value, not the name";
  EXPECT_EQ(reason_for(claims_with("action", nullptr)), Reason::invalid_action);
  EXPECT_EQ(reason_for(claims_with("action", "")), Reason::invalid_action);
}

TEST_F(ValidateTest, AbsentActionIsValidWithoutAction) {
  const auto r = make().validar(jt::forge_claims(claims_without("action")));
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_FALSE(r.action.has_value());
}

TEST_F(ValidateTest, MissingSubWinsOverInvalidAction) {
  auto claims = claims_without("sub");
  claims["action"] = "NOPE";
  EXPECT_EQ(reason_for(claims), Reason::missing_sub);
}

// --- 13. invalid_extra_data -------------------------------------------------------------------------

TEST_F(ValidateTest, ExtraDataThatIsNotAnObjectIsInvalidExtraData) {
  EXPECT_EQ(reason_for(claims_with("extra_data", json::array())), Reason::invalid_extra_data);
  EXPECT_EQ(reason_for(claims_with("extra_data", "x")), Reason::invalid_extra_data);
  EXPECT_EQ(reason_for(claims_with("extra_data", nullptr)), Reason::invalid_extra_data);
}

TEST_F(ValidateTest, InvalidActionWinsOverInvalidExtraData) {
  auto claims = claims_with("action", "NOPE");
  claims["extra_data"] = 1;
  EXPECT_EQ(reason_for(claims), Reason::invalid_action);
}

// --- 14-16. with a revocation store ---------------------------------------------------------------------

TEST_F(ValidateTest, WithoutAStoreATokenWithoutJtiIsValid) {
  EXPECT_EQ(reason_for(claims_without("jti")), Reason::none);
}

TEST_F(ValidateTest, WithAStoreAMissingOrBlankJtiIsMissingJti) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_without("jti"))).reason, Reason::missing_jti);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("jti", 7))).reason, Reason::missing_jti);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("jti", " "))).reason, Reason::missing_jti);
  EXPECT_EQ(service.validar(jt::forge_claims(claims_with("jti", nullptr))).reason, Reason::missing_jti);
  EXPECT_EQ(store->calls, 0) << "the store is not asked about a token without a usable jti";
}

TEST_F(ValidateTest, InvalidExtraDataWinsOverMissingJti) {
  auto claims = claims_without("jti");
  claims["extra_data"] = 1;
  EXPECT_EQ(make(jt::test_config(), std::make_shared<FakeStore>()).validar(jt::forge_claims(claims)).reason,
            Reason::invalid_extra_data);
}

TEST_F(ValidateTest, AStoreThatThrowsGivesStoreUnavailableNeverValid) {
  auto store = std::make_shared<FakeStore>();
  store->fail = true;
  auto service = make(jt::test_config(), store);
  const auto token = jt::forge_claims(jt::good_claims());
  const auto r = service.validar(token);
  EXPECT_EQ(r.reason, Reason::store_unavailable);
  EXPECT_EQ(r.status, Status::invalid);
  EXPECT_FALSE(r.valid);
  store->fail = false;
  store->fail_non_std = true;
  EXPECT_EQ(service.validar(token).reason, Reason::store_unavailable) << "any exception, not only std ones";
  ASSERT_FALSE(logs_.empty()) << "a store failure is logged";
  for (const auto& line : logs_)
    EXPECT_EQ(line.find(token), std::string::npos) << "a log line holds the token";
}

TEST_F(ValidateTest, RevokedJtiIsRevokedWithItsJti) {
  auto store = std::make_shared<FakeStore>();
  store->revoked.insert("jti-1");
  const auto r = make(jt::test_config(), store).validar(jt::forge_claims(jt::good_claims()));
  EXPECT_EQ(r.reason, Reason::revoked);
  EXPECT_EQ(r.status, Status::revoked);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.jti, "jti-1");
  EXPECT_FALSE(r.sub.has_value());
}

TEST_F(ValidateTest, TheStoreIsNotAskedAboutTokensThatFailEarlier) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  (void)service.validar(jt::forge_claims(claims_with("exp", jt::kNow)));
  (void)service.validar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret));
  EXPECT_EQ(store->calls, 0);
  EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims())).valid);
  EXPECT_EQ(store->calls, 1);
}

// --- custom actions, threads ---------------------------------------------------------------------------

}  // namespace

namespace app {
enum class Flow { NO_ACTION, SIGNUP, LOGIN };
}  // namespace app

template <>
struct jwtservice::action_traits<app::Flow> {
  static constexpr std::array names{std::pair{app::Flow::NO_ACTION, std::string_view{"NO_ACTION"}},
                                    std::pair{app::Flow::SIGNUP, std::string_view{"SIGNUP"}},
                                    std::pair{app::Flow::LOGIN, std::string_view{"LOGIN"}}};
};

namespace {

TEST_F(ValidateTest, CustomActionEnumValidatesItsOwnNames) {
  jwtservice::BasicService<app::Flow> flows{
      jt::test_config(),
      ServiceOptions{.logger = jwtservice::null_logger(), .clock = [this] { return now_; }}};
  const auto token = flows.criar({.action = app::Flow::LOGIN, .sub = "u"});
  const jwtservice::BasicVerificationResult<app::Flow> r = flows.validar(token);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.action, app::Flow::LOGIN);
  EXPECT_EQ(flows.validar(jt::forge_claims(jt::good_claims())).reason, Reason::invalid_action)
      << "VALIDAR_EMAIL is not a Flow";
  EXPECT_EQ(make().validar(token).reason, Reason::invalid_action) << "LOGIN is not a JWTAction";
}

TEST_F(ValidateTest, ConcurrentValidationsAllAgree) {
  auto service = make();
  const auto good = service.criar({.sub = "u"});
  const auto forged = jt::forge_claims(jt::good_claims(), jt::kOtherSecret);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (!service.validar(good).valid) ++wrong;
        if (service.validar(forged).reason != Reason::bad_signature) ++wrong;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(wrong, 0) << "validations disagreed under concurrency";
}

}  // namespace
