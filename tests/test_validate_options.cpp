// ValidateOptions (docs/validation.md): purpose, audience, binding and maximum age, each rule with its
// boundary, the 18-step order where the new checks meet the old ones, and every call form.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "binding_oracle.hpp"
#include "fake_store.hpp"
#include "jwtservice/detail/base64url.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Config;
using jwtservice::InvalidArgument;
using jwtservice::JWTAction;
using jwtservice::Reason;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using jwtservice::Status;
using jwtservice::StoreError;
using jwtservice::ValidateOptions;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

constexpr std::string_view kSub = "user@example.com";
constexpr std::string_view kState = "$2b$12$password-hash-v1";
constexpr std::string_view kOtherState = "$2b$12$password-hash-v2";

using jwtservice::testing::FakeStore;

/// A shared limiter whose budget is always spent.
struct SpentLimiter {
  bool try_acquire(std::string_view, std::int64_t) { return false; }
};

/// Marks a claim to remove in claims_with().
const json kAbsent = "<absent: remove this claim>";

/// jt::good_claims() (sub, iat, nbf, exp, iss, action VALIDAR_EMAIL, jti, extra_data) changed.
json claims_with(std::initializer_list<std::pair<std::string, json>> changes) {
  json c = jt::good_claims();
  for (const auto& [name, value] : changes) {
    if (value == kAbsent) {
      c.erase(name);
    } else {
      c[name] = value;
    }
  }
  return c;
}

/// The bnd of the good claims' sub under the test secret.
std::string bnd_for(std::string_view state, std::string_view secret = jt::kSecret) {
  return jt::oracle_bnd(secret, kSub, state);
}

/// The decoded payload text of a token.
std::string payload_of(const std::string& token) {
  const auto dot1 = token.find('.');
  const auto dot2 = token.find('.', dot1 + 1);
  std::string payload;
  EXPECT_TRUE(jwtservice::detail::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1), payload));
  return payload;
}

class OptionsTest : public ::testing::Test {
 protected:
  Service make(Config config = jt::test_config(), std::shared_ptr<FakeStore> store = nullptr) {
    ServiceOptions options{
        .logger = [this](jwtservice::LogLevel, std::string_view m) { logs_.emplace_back(m); },
        .clock = [this] { return now_; },
        .monotonic_clock = [] { return std::chrono::nanoseconds{1}; }};
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
  Reason reason_for(const json& claims, const ValidateOptions& options) {
    return make().validar(jt::forge_claims(claims), options).reason;
  }

  std::int64_t now_ = jt::kNow;
  std::vector<std::string> logs_;
};

// --- action (step 13) --------------------------------------------------------------------------

TEST_F(OptionsTest, ExpectedActionThatMatchesTheTokensActionIsValid) {
  const auto r = make().validar(jt::forge_claims(jt::good_claims()), {.action = JWTAction::VALIDAR_EMAIL});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.action, JWTAction::VALIDAR_EMAIL);
}

TEST_F(OptionsTest, AnotherExpectedActionIsActionMismatch) {
  const auto r = make().validar(jt::forge_claims(jt::good_claims()), {.action = JWTAction::RESET_PASSWORD});
  EXPECT_EQ(r.reason, Reason::action_mismatch);
  EXPECT_EQ(r.status, Status::invalid) << "action_mismatch maps to the status invalid";
  EXPECT_FALSE(r.valid);
  EXPECT_FALSE(r.sub || r.action || r.age || r.expires_in || r.aud || r.extra_data || r.jti)
      << "a refusal must not report claims";
}

TEST_F(OptionsTest, ExpectedNoActionDoesNotMatchATokenWithoutAction) {
  EXPECT_EQ(reason_for(claims_with({{"action", kAbsent}}), {.action = JWTAction::NO_ACTION}),
            Reason::action_mismatch)
      << "an expected NO_ACTION must not match a token without an action claim";
  EXPECT_EQ(reason_for(claims_with({{"action", kAbsent}}), {.action = JWTAction::VALIDAR_EMAIL}),
            Reason::action_mismatch)
      << "any expected action needs an action claim";
}

TEST_F(OptionsTest, TokenWithNoActionMatchesExpectedNoAction) {
  auto service = make();
  const auto token = service.criar({.action = JWTAction::NO_ACTION, .sub = std::string{kSub}});
  const auto r = service.validar(token, {.action = JWTAction::NO_ACTION});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.action, JWTAction::NO_ACTION);
  EXPECT_EQ(service.validar(token, {.action = JWTAction::VALIDAR_EMAIL}).reason, Reason::action_mismatch);
}

TEST_F(OptionsTest, EveryBuiltInActionMatchesOnlyItself) {
  constexpr JWTAction kAll[] = {JWTAction::NO_ACTION,      JWTAction::VALIDAR_EMAIL,
                                JWTAction::RESET_PASSWORD, JWTAction::PENDING_2FA,
                                JWTAction::ACTIVATING_2FA, JWTAction::PENDING_PASSWORD_CHANGE};
  auto service = make();
  for (const JWTAction issued : kAll) {
    const auto token = service.criar({.action = issued, .sub = "u"});
    for (const JWTAction expected : kAll) {
      EXPECT_EQ(service.validar(token, {.action = expected}).reason,
                issued == expected ? Reason::none : Reason::action_mismatch)
          << "token " << *jwtservice::action_name(issued) << ", expected "
          << *jwtservice::action_name(expected);
    }
  }
}

TEST_F(OptionsTest, EscapedActionClaimMatchesItsDecodedName) {
  const auto token =
      jt::forge(jt::kHeader, R"({"sub":"u","iss":"JWTService","action":"RESET\u005fPASSWORD"})");
  EXPECT_EQ(make().validar(token, {.action = JWTAction::RESET_PASSWORD}).reason, Reason::none);
}

TEST_F(OptionsTest, ActionNotListedInTheTraitsThrowsBeforeAnyCheck) {
  auto config = jt::test_config();
  config.rate_limit_validate = 1;
  auto store = std::make_shared<FakeStore>();
  auto service = make(config, store);
  const ValidateOptions unlisted{.action = static_cast<JWTAction>(99)};
  const auto token = jt::forge_claims(jt::good_claims());
  for (const std::string& t : {std::string{}, std::string{" "}, std::string{"garbage"}, token}) {
    EXPECT_THROW((void)service.validar(t, unlisted), InvalidArgument)
        << "validar, token of " << t.size() << " bytes";
    EXPECT_THROW((void)service.validate(t, unlisted), InvalidArgument)
        << "validate, token of " << t.size() << " bytes";
    EXPECT_THROW((void)service.consumir(t, unlisted), InvalidArgument)
        << "consumir, token of " << t.size() << " bytes";
    EXPECT_THROW((void)service.consume(t, unlisted), InvalidArgument)
        << "consume, token of " << t.size() << " bytes";
  }
  EXPECT_EQ(store->calls, 0) << "the store was asked before the options were checked";
  EXPECT_TRUE(service.validar(token).valid) << "the one validation of the limit was spent by a refused call";
}

TEST_F(OptionsTest, ConsumirWithAnUnlistedActionThrowsInvalidArgumentEvenWithoutAStore) {
  EXPECT_THROW((void)make().consumir("", {.action = static_cast<JWTAction>(99)}), InvalidArgument)
      << "the programmer error comes before the missing store";
}

// --- max_age (steps 6 and 8) -----------------------------------------------------------------------

TEST_F(OptionsTest, TokenOneSecondYoungerThanMaxAgeIsValid) {
  const auto r = make().validar(jt::forge_claims(claims_with({{"iat", jt::kNow - 899}})), {.max_age = 900});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.age, 899);
}

TEST_F(OptionsTest, TokenOlderThanMaxAgeIsExpired) {
  const auto r = make().validar(jt::forge_claims(claims_with({{"iat", jt::kNow - 900}})), {.max_age = 900});
  EXPECT_EQ(r.reason, Reason::expired) << "age == max_age is expired, as a token is expired AT its exp";
  EXPECT_EQ(r.status, Status::expired);
  EXPECT_EQ(reason_for(claims_with({{"iat", jt::kNow - 901}}), {.max_age = 900}), Reason::expired);
}

TEST_F(OptionsTest, MaxAgeOfOneSecondExpiresATokenIssuedThisSecond) {
  EXPECT_EQ(reason_for(claims_with({{"iat", jt::kNow}}), {.max_age = 1}), Reason::none);
  EXPECT_EQ(reason_for(claims_with({{"iat", jt::kNow - 1}}), {.max_age = 1}), Reason::expired);
}

TEST_F(OptionsTest, LeewayShiftsTheMaxAgeBoundaryByLeeway) {
  auto service = make(with_leeway(5));
  EXPECT_EQ(
      service.validar(jt::forge_claims(claims_with({{"iat", jt::kNow - 904}})), {.max_age = 900}).reason,
      Reason::none)
      << "age 904 with max_age 900 and leeway 5";
  EXPECT_EQ(
      service.validar(jt::forge_claims(claims_with({{"iat", jt::kNow - 905}})), {.max_age = 900}).reason,
      Reason::expired)
      << "age 905 with max_age 900 and leeway 5";
}

TEST_F(OptionsTest, DecimalIatIsTruncatedBeforeTheMaxAgeCheck) {
  const double iat = static_cast<double>(jt::kNow - 900) + 0.9;  // truncated to kNow - 900
  EXPECT_EQ(reason_for(claims_with({{"iat", iat}}), {.max_age = 900}), Reason::expired);
}

TEST_F(OptionsTest, MaxAgeWithoutIatIsInvalidIat) {
  EXPECT_EQ(reason_for(claims_with({{"iat", kAbsent}}), {.max_age = 900}), Reason::invalid_iat);
  EXPECT_EQ(reason_for(claims_with({{"iat", kAbsent}}), {}), Reason::none)
      << "without max_age iat is optional";
  EXPECT_EQ(reason_for(claims_with({{"iat", nullptr}}), {.max_age = 900}), Reason::invalid_iat);
}

TEST_F(OptionsTest, NonPositiveMaxAgeThrowsBeforeAnyCheck) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto token = jt::forge_claims(jt::good_claims());
  for (const std::int64_t max_age :
       {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
    EXPECT_THROW((void)service.validar(token, {.max_age = max_age}), InvalidArgument)
        << "max_age " << max_age;
    EXPECT_THROW((void)service.validar("", {.max_age = max_age}), InvalidArgument)
        << "empty token, max_age " << max_age;
    EXPECT_THROW((void)service.consumir(token, {.max_age = max_age}), InvalidArgument)
        << "consumir, max_age " << max_age;
    EXPECT_THROW((void)service.validate(token, {.max_age = max_age}), InvalidArgument)
        << "validate, max_age " << max_age;
    EXPECT_THROW((void)service.consume(token, {.max_age = max_age}), InvalidArgument)
        << "consume, max_age " << max_age;
  }
  EXPECT_EQ(store->calls, 0);
}

TEST_F(OptionsTest, ExtremeIatAndMaxAgeNeverOverflow) {
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  auto claims = jt::good_claims();
  claims.erase("exp");
  claims.erase("nbf");
  auto reason = [&](std::int64_t iat, std::int64_t max_age, std::int64_t leeway = 0) {
    claims["iat"] = iat;
    return make(with_leeway(leeway)).validar(jt::forge_claims(claims), {.max_age = max_age}).reason;
  };
  EXPECT_EQ(reason(kMin, kMax), Reason::expired) << "iat + max_age = -1, long past";
  EXPECT_EQ(reason(kMin, 1), Reason::expired);
  EXPECT_EQ(reason(kMin, kMax, jwtservice::max_leeway_seconds), Reason::expired);
  EXPECT_EQ(reason(jt::kNow, kMax), Reason::none) << "iat + max_age beyond int64 is far in the future";
  EXPECT_EQ(reason(kMax, kMax), Reason::invalid_iat) << "an iat in the future fails step 6 first";
  now_ = kMax;
  EXPECT_EQ(reason(kMax - 10, 10), Reason::expired) << "iat + max_age == now == INT64_MAX";
  EXPECT_EQ(reason(kMax - 10, 9), Reason::expired);
  EXPECT_EQ(reason(kMax, kMax, 1), Reason::none) << "now = iat = INT64_MAX, leeway 1";
  EXPECT_EQ(reason(kMin, kMax, jwtservice::max_leeway_seconds), Reason::expired);
  now_ = kMin;
  EXPECT_EQ(reason(kMin, kMax), Reason::none) << "now = iat = INT64_MIN";
  EXPECT_EQ(reason(kMin, 1, jwtservice::max_leeway_seconds), Reason::none) << "now - leeway below INT64_MIN";
  claims["iat"] = -9.2e18;  // a decimal near INT64_MIN: -9.2e18 + INT64_MAX is about 2.3e16
  now_ = jt::kNow;
  EXPECT_EQ(make().validar(jt::forge_claims(claims), {.max_age = kMax}).reason, Reason::none);
  EXPECT_EQ(make().validar(jt::forge_claims(claims), {.max_age = 1}).reason, Reason::expired);
}

// iat + max_age may pass INT64_MAX: the comparison stays exact (it used to saturate the sum and
// call such a token expired at now == INT64_MAX).
TEST_F(OptionsTest, MaxAgeEndingBeyondInt64MaxIsNotExpiredAtNowInt64Max) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  now_ = kMax;
  auto claims = jt::good_claims();
  claims.erase("exp");
  claims.erase("nbf");
  claims["iat"] = kMax;
  EXPECT_EQ(make().validar(jt::forge_claims(claims), {.max_age = kMax}).reason, Reason::none)
      << "iat + max_age = 2^64 - 2 > now = INT64_MAX, yet the token was refused";
  claims["iat"] = kMax - 10;
  EXPECT_EQ(make().validar(jt::forge_claims(claims), {.max_age = 11}).reason, Reason::none)
      << "iat + max_age = INT64_MAX + 1 > now = INT64_MAX, yet the token was refused";
}

TEST_F(OptionsTest, MaxAgeDoesNotChangeExpiresInOrAge) {
  const auto r = make().validar(
      jt::forge_claims(claims_with({{"iat", jt::kNow - 100}, {"exp", jt::kNow + 3600}})), {.max_age = 900});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.expires_in, 3600) << "expires_in still reports exp - now";
  EXPECT_EQ(r.age, 100);
}

TEST_F(OptionsTest, ExpiredByExpIsExpiredWhateverTheMaxAge) {
  EXPECT_EQ(reason_for(claims_with({{"exp", jt::kNow}}), {.max_age = 900}), Reason::expired);
}

// --- audience through the options (step 10) -----------------------------------------------------

TEST_F(OptionsTest, OneAudienceStringInEveryFormIsExpected) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with({{"aud", "mobile-app"}}));
  const std::string as_string = "mobile-app";
  const std::string_view as_view = as_string;
  EXPECT_TRUE(service.validar(token, {.audience = "mobile-app"}).valid) << "const char*";
  EXPECT_TRUE(service.validar(token, {.audience = as_string}).valid) << "std::string";
  EXPECT_TRUE(service.validar(token, {.audience = as_view}).valid) << "std::string_view";
  EXPECT_EQ(service.validar(token, {.audience = "web-app"}).reason, Reason::invalid_audience)
      << "const char*";
  EXPECT_EQ(service.validar(token, {.audience = std::string{"web-app"}}).reason, Reason::invalid_audience);
  EXPECT_EQ(service.validar(token, {.audience = std::string_view{"web-app"}}).reason,
            Reason::invalid_audience);
}

TEST_F(OptionsTest, AudienceListInEveryFormAcceptsAnyMember) {
  auto service = make();
  const auto token = jt::forge_claims(claims_with({{"aud", "mobile-app"}}));
  EXPECT_TRUE(service.validar(token, {.audience = {"web-app", "mobile-app"}}).valid) << "braced list";
  EXPECT_TRUE(service.validar(token, {.audience = std::vector<std::string>{"mobile-app", "cli"}}).valid)
      << "vector";
  EXPECT_EQ(service.validar(token, {.audience = {"web-app", "cli"}}).reason, Reason::invalid_audience);
  EXPECT_EQ(service.validar(token, {.audience = std::vector<std::string>{"cli"}}).reason,
            Reason::invalid_audience);
  const auto r = service.validar(jt::forge_claims(claims_with({{"aud", json::array({"a", "mobile-app"})}})),
                                 {.audience = {"web-app", "mobile-app"}});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.aud, "mobile-app") << "a list aud reports the member that matched";
}

TEST_F(OptionsTest, UnsetOrEmptyBracedAudienceMeansTheConfigAudience) {
  auto service = make(with_audience("web-app"));
  const auto web = jt::forge_claims(claims_with({{"aud", "web-app"}}));
  const auto mobile = jt::forge_claims(claims_with({{"aud", "mobile-app"}}));
  EXPECT_TRUE(service.validar(web, ValidateOptions{}).valid) << "ValidateOptions{}";
  EXPECT_TRUE(service.validar(web, {.audience = {}}).valid) << ".audience = {}";
  EXPECT_TRUE(service.validar(web, {.action = JWTAction::VALIDAR_EMAIL}).valid) << "audience unset";
  EXPECT_EQ(service.validar(mobile, {.audience = {}}).reason, Reason::invalid_audience)
      << "{} must mean the config audience, not 'any'";
  EXPECT_EQ(service.validar(mobile, {.action = JWTAction::VALIDAR_EMAIL}).reason, Reason::invalid_audience);
  EXPECT_TRUE(service.validar(mobile, {.audience = "mobile-app"}).valid)
      << "a given audience replaces the config's";
}

TEST_F(OptionsTest, WithoutAnyAudienceUnsetMeansAudIsNotChecked) {
  EXPECT_EQ(reason_for(claims_with({{"aud", "anything"}}), {.audience = {}}), Reason::none);
}

TEST_F(OptionsTest, ExplicitlyEmptyAudienceListThrows) {
  auto service = make(with_audience("web-app"));
  const auto token = jt::forge_claims(claims_with({{"aud", "web-app"}}));
  EXPECT_THROW((void)service.validar(token, {.audience = std::vector<std::string>{}}), InvalidArgument);
  EXPECT_THROW((void)service.validar("", {.audience = std::vector<std::string>{}}), InvalidArgument)
      << "thrown before any check";
  EXPECT_THROW((void)service.validar(token, {.audience = std::initializer_list<std::string_view>{}}),
               InvalidArgument);
  EXPECT_THROW((void)service.consumir(token, {.audience = std::vector<std::string>{}}), InvalidArgument);
}

TEST_F(OptionsTest, AudienceOwnsItsStrings) {
  ValidateOptions options;
  {
    std::string temporary = "mobile-app";
    options.audience = std::string_view{temporary};
    temporary.assign(temporary.size(), 'x');
  }
  EXPECT_TRUE(make().validar(jt::forge_claims(claims_with({{"aud", "mobile-app"}})), options).valid)
      << "the options kept a view of a string that changed";
}

// --- binding (steps 5 and 15) ---------------------------------------------------------------------

TEST_F(OptionsTest, CreateWithBindingWritesBndAfterJtiAndBeforeExtraData) {
  auto service = make();
  const std::string state{kState};
  const auto token = service.criar({.action = JWTAction::RESET_PASSWORD,
                                    .sub = std::string{kSub},
                                    .jti = "jti-b",
                                    .extra_data = {{"flow", "reset"}},
                                    .binding = state});
  const std::string payload = payload_of(token);
  const auto jti_at = payload.find(R"("jti":)");
  const auto bnd_at = payload.find(R"("bnd":")");
  const auto extra_at = payload.find(R"("extra_data":)");
  ASSERT_NE(bnd_at, std::string::npos) << "no bnd claim was written";
  EXPECT_LT(jti_at, bnd_at) << "bnd must come after jti";
  EXPECT_LT(bnd_at, extra_at) << "bnd must come before extra_data";
  const auto claims = json::parse(payload);
  ASSERT_TRUE(claims["bnd"].is_string());
  const std::string bnd = claims["bnd"];
  EXPECT_EQ(bnd.size(), 22u) << "bnd is 16 bytes of unpadded base64url";
  EXPECT_EQ(bnd.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos)
      << "bnd must be base64url";
  EXPECT_EQ(payload.find(state), std::string::npos) << "the binding state was written into the payload";
  EXPECT_EQ(token.find(state), std::string::npos) << "the binding state is in the token";
  EXPECT_EQ(token.find(jwtservice::detail::base64url_encode(state)), std::string::npos)
      << "the binding state is in the token, base64url-encoded";
}

TEST_F(OptionsTest, BndIsTheDocumentedFormulaKnownAnswer) {
  // Computed with Python's hmac module from docs/password-reset.md's formula, independently of this library
  // and of binding_oracle.hpp.
  EXPECT_EQ(jt::oracle_bnd(jt::kSecret, "user@example.com", "hash-v1"), "eUAdWY1Ist-yAyamk0RXtQ");
  EXPECT_EQ(jt::oracle_bnd(jt::kSecret, "jos\xC3\xA9@example.com", "hash-v1"), "E3-1rlP68Jx83pgSEhoYWQ");
  auto service = make();
  const auto bnd_of = [&](std::string sub, std::string state) {
    return json::parse(payload_of(service.criar({.sub = std::move(sub), .binding = std::move(state)})))["bnd"]
        .get<std::string>();
  };
  EXPECT_EQ(bnd_of("user@example.com", "hash-v1"), "eUAdWY1Ist-yAyamk0RXtQ");
  EXPECT_EQ(bnd_of("jos\xC3\xA9@example.com", "hash-v1"), "E3-1rlP68Jx83pgSEhoYWQ");
}

TEST_F(OptionsTest, BndMatchesTheIndependentOracleForAwkwardSubsAndStates) {
  auto service = make();
  const std::string with_nul{"a\0b", 3};
  const std::pair<std::string, std::string> kCases[] = {
      {"user@example.com", std::string{kState}},
      {"quote\" backslash\\ newline\n tab\t bell\x07", "s"},
      {"jos\xC3\xA9 \xF0\x9F\x98\x80", "\xFF\xFE binary state"},
      {"u", with_nul},
      {"ab", "c"},
      {"a", "bc"},
  };
  for (const auto& [sub, state] : kCases) {
    const auto token = service.criar({.sub = sub, .binding = state});
    EXPECT_EQ(json::parse(payload_of(token))["bnd"].get<std::string>(),
              jt::oracle_bnd(jt::kSecret, sub, state))
        << "sub of " << sub.size() << " bytes, state of " << state.size() << " bytes";
    EXPECT_TRUE(service.validar(token, {.binding = state}).valid) << "sub of " << sub.size() << " bytes";
  }
  EXPECT_NE(jt::oracle_bnd(jt::kSecret, "ab", "c"), jt::oracle_bnd(jt::kSecret, "a", "bc"))
      << "the 0x00 separator keeps (ab, c) and (a, bc) apart";
}

TEST_F(OptionsTest, BoundTokenIsValidWithTheSameState) {
  auto service = make();
  const auto token = service.criar({.sub = std::string{kSub}, .binding = std::string{kState}});
  const auto r = service.validar(token, {.binding = std::string{kState}});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.sub, kSub);
}

TEST_F(OptionsTest, BoundTokenWithAnotherStateOrNoStateIsBindingMismatch) {
  auto service = make();
  const auto token = service.criar({.sub = std::string{kSub}, .binding = std::string{kState}});
  const auto r = service.validar(token, {.binding = std::string{kOtherState}});
  EXPECT_EQ(r.reason, Reason::binding_mismatch) << "another state";
  EXPECT_EQ(r.status, Status::invalid);
  EXPECT_FALSE(r.sub || r.jti) << "a refusal must not report claims";
  EXPECT_EQ(service.validar(token).reason, Reason::binding_mismatch) << "no options at all";
  EXPECT_EQ(service.validar(token, {.action = std::nullopt}).reason, Reason::binding_mismatch)
      << "no binding";
  EXPECT_EQ(service.validar(token, "aud").reason, Reason::invalid_audience)
      << "the older forms still check aud first";
  EXPECT_EQ(service.validar(token, std::vector<std::string>{"x"}).reason, Reason::invalid_audience);
}

TEST_F(OptionsTest, BindingStateOfOneByteMoreOrLessIsBindingMismatch) {
  auto service = make();
  const std::string state{kState};
  const auto token = service.criar({.sub = std::string{kSub}, .binding = state});
  EXPECT_EQ(service.validar(token, {.binding = state + "x"}).reason, Reason::binding_mismatch);
  EXPECT_EQ(service.validar(token, {.binding = state.substr(0, state.size() - 1)}).reason,
            Reason::binding_mismatch);
  EXPECT_EQ(service.validar(token, {.binding = state + std::string(1, '\0')}).reason,
            Reason::binding_mismatch);
}

TEST_F(OptionsTest, StateGivenForATokenWithoutBndIsBindingMismatch) {
  EXPECT_EQ(reason_for(jt::good_claims(), {.binding = std::string{kState}}), Reason::binding_mismatch);
}

TEST_F(OptionsTest, EmptyBindingOnCreateThrows) {
  EXPECT_THROW((void)make().criar({.sub = "u", .binding = ""}), InvalidArgument);
  EXPECT_THROW((void)make().create({.sub = "u", .binding = std::string{}}), InvalidArgument);
}

TEST_F(OptionsTest, EmptyBindingGivenToValidationDoesNotMatchABoundToken) {
  auto service = make();
  const auto token = service.criar({.sub = std::string{kSub}, .binding = std::string{kState}});
  EXPECT_EQ(service.validar(token, {.binding = ""}).reason, Reason::binding_mismatch);
  EXPECT_EQ(reason_for(jt::good_claims(), {.binding = ""}), Reason::binding_mismatch)
      << "an empty binding counts as given: a token without bnd does not match it";
}

// An empty state never matches, even a bnd a key holder computed over sub || 0x00 || "" (criar
// refuses to make one).
TEST_F(OptionsTest, EmptyBindingNeverMatchesEvenABndComputedOverAnEmptyState) {
  const auto token = jt::forge_claims(claims_with({{"bnd", bnd_for("")}}));
  EXPECT_EQ(make().validar(token, {.binding = ""}).reason, Reason::binding_mismatch)
      << "an empty binding matched the bnd of an empty state";
}

TEST_F(OptionsTest, BndThatIsNotAStringIsInvalid) {
  for (const json& bnd : {json(5), json(nullptr), json(true), json::array({bnd_for(kState)}),
                          json::object({{"bnd", bnd_for(kState)}})}) {
    EXPECT_EQ(reason_for(claims_with({{"bnd", bnd}}), {.binding = std::string{kState}}), Reason::invalid)
        << "bnd = " << bnd.dump() << " with a binding";
    EXPECT_EQ(reason_for(claims_with({{"bnd", bnd}}), {}), Reason::invalid)
        << "bnd = " << bnd.dump() << " without";
  }
}

TEST_F(OptionsTest, BndOfAnotherLengthIsBindingMismatch) {
  const std::string good = bnd_for(kState);
  const auto full = jt::oracle_hmac_sha256("", "");  // any 32 bytes: a bnd of the whole MAC's length
  for (const std::string& bnd : {good + "A", good.substr(0, 21), std::string{}, good + good,
                                 jt::oracle_base64url(full.data(), full.size()), good + "=="}) {
    EXPECT_EQ(reason_for(claims_with({{"bnd", bnd}}), {.binding = std::string{kState}}),
              Reason::binding_mismatch)
        << "a bnd of " << bnd.size() << " characters";
  }
  EXPECT_EQ(reason_for(claims_with({{"bnd", good}}), {.binding = std::string{kState}}), Reason::none)
      << "the forged bnd of the right value must be accepted (else the cases above prove nothing)";
}

TEST_F(OptionsTest, BndWithANonCanonicalLastCharacterIsBindingMismatch) {
  // 16 bytes in 22 characters: the last one carries 2 bits and 4 unused ones. Setting unused
  // bits keeps the decoded bytes but changes the text, which must then not match.
  const std::string good = bnd_for(kState);
  const auto value = jwtservice::detail::base64url_values[static_cast<unsigned char>(good.back())];
  ASSERT_EQ(value & 0x0F, 0) << "the oracle's last character must be canonical";
  for (const int unused : {1, 2, 4, 8, 15}) {
    std::string bnd = good;
    bnd.back() = jwtservice::detail::base64url_alphabet[value | unused];
    EXPECT_EQ(reason_for(claims_with({{"bnd", bnd}}), {.binding = std::string{kState}}),
              Reason::binding_mismatch)
        << "unused bits " << unused << " set in the last character";
  }
  std::string lowered = good;
  lowered[0] = static_cast<char>(lowered[0] ^ 0x20);  // flips the case of a letter (or changes a digit)
  EXPECT_EQ(reason_for(claims_with({{"bnd", lowered}}), {.binding = std::string{kState}}),
            Reason::binding_mismatch);
}

TEST_F(OptionsTest, BndWrittenWithJsonEscapesIsComparedDecoded) {
  const std::string good = bnd_for(kState);
  std::string escaped;
  for (const char c : good) {
    escaped += "\\u00";
    escaped += "0123456789abcdef"[(static_cast<unsigned char>(c) >> 4) & 0xF];
    escaped += "0123456789abcdef"[static_cast<unsigned char>(c) & 0xF];
  }
  const std::string payload =
      R"({"sub":"user@example.com","iat":1700000000,"iss":"JWTService","jti":"j","bnd":")" + escaped + "\"}";
  EXPECT_EQ(make().validar(jt::forge(jt::kHeader, payload), {.binding = std::string{kState}}).reason,
            Reason::none);
}

TEST_F(OptionsTest, SubWrittenWithJsonEscapesBindsToTheDecodedSub) {
  auto service = make();
  auto reason = [&](std::string_view sub_text, const std::string& bnd) {
    const std::string payload =
        R"({"sub":")" + std::string{sub_text} + R"(","iss":"JWTService","bnd":")" + bnd + "\"}";
    return service.validar(jt::forge(jt::kHeader, payload), {.binding = std::string{kState}}).reason;
  };
  // \u0075 is 'u': the sub is "user@example.com".
  EXPECT_EQ(reason(R"(\u0075ser@example.com)", jt::oracle_bnd(jt::kSecret, "user@example.com", kState)),
            Reason::none);
  EXPECT_EQ(
      reason(R"(\u0075ser@example.com)", jt::oracle_bnd(jt::kSecret, R"(\u0075ser@example.com)", kState)),
      Reason::binding_mismatch)
      << "bnd must bind the decoded sub, not its JSON text";
  // \u00e9 is é (C3 A9 in UTF-8), the surrogate pair is U+1F600 (F0 9F 98 80), \" and \\ themselves.
  EXPECT_EQ(reason(R"(jos\u00e9)", jt::oracle_bnd(jt::kSecret, "jos\xC3\xA9", kState)), Reason::none);
  EXPECT_EQ(reason(R"(smile \ud83d\ude00)", jt::oracle_bnd(jt::kSecret, "smile \xF0\x9F\x98\x80", kState)),
            Reason::none);
  EXPECT_EQ(reason(R"(q\"b\\s\/n\n)", jt::oracle_bnd(jt::kSecret, "q\"b\\s/n\n", kState)), Reason::none);
  EXPECT_EQ(reason(R"(nul\u0000in)", jt::oracle_bnd(jt::kSecret, std::string_view{"nul\0in", 6}, kState)),
            Reason::none);
}

TEST_F(OptionsTest, BindingStateIsNeverLoggedOrWrittenIntoTheToken) {
  auto service = make();
  const std::string state = "very-secret-password-hash";
  const auto token = service.criar({.sub = "u", .binding = state});
  (void)service.validar(token, {.binding = "another-password-hash"});
  (void)service.validar(token, {.binding = state});
  EXPECT_EQ(payload_of(token).find(state), std::string::npos);
  for (const auto& line : logs_)
    EXPECT_EQ(line.find("password-hash"), std::string::npos) << "a log line holds the binding state";
}

TEST_F(OptionsTest, RevogarIgnoresTheBindingButRefusesAMalformedBnd) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto bound =
      service.criar({.sub = std::string{kSub}, .jti = "bound", .binding = std::string{kState}});
  EXPECT_TRUE(service.revogar(bound)) << "revogar does not check the binding";
  EXPECT_FALSE(service.revogar(jt::forge_claims(claims_with({{"bnd", 5}, {"jti", "bad-bnd"}}))))
      << "a bnd that is not a string fails step 5, which revogar checks";
  EXPECT_FALSE(store->revoked.contains("bad-bnd"));
}

// --- consumir with options: a refusal before the insert never burns the token --------------------

TEST_F(OptionsTest, ConsumeRefusedForActionMismatchCanBeRetried) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto token = service.criar({.action = JWTAction::RESET_PASSWORD, .sub = "u"});
  EXPECT_EQ(service.consumir(token, {.action = JWTAction::VALIDAR_EMAIL}).reason, Reason::action_mismatch);
  EXPECT_TRUE(store->revoked.empty()) << "a refused consumir burned the token";
  EXPECT_TRUE(service.consumir(token, {.action = JWTAction::RESET_PASSWORD}).valid)
      << "the retry was refused";
  EXPECT_EQ(service.consumir(token, {.action = JWTAction::RESET_PASSWORD}).reason, Reason::revoked);
}

TEST_F(OptionsTest, ConsumeRefusedForBindingMismatchCanBeRetried) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto token = service.criar({.sub = "u", .binding = std::string{kState}});
  EXPECT_EQ(service.consumir(token, {.binding = std::string{kOtherState}}).reason, Reason::binding_mismatch);
  EXPECT_EQ(service.consumir(token).reason, Reason::binding_mismatch) << "no binding given";
  EXPECT_TRUE(store->revoked.empty()) << "a refused consumir burned the token";
  EXPECT_TRUE(service.consumir(token, {.binding = std::string{kState}}).valid) << "the retry was refused";
  EXPECT_EQ(service.consumir(token, {.binding = std::string{kState}}).reason, Reason::revoked);
}

TEST_F(OptionsTest, ConsumeRefusedForMaxAgeCanBeRetried) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto token = service.criar({.sub = "u"});
  now_ += 300;
  EXPECT_EQ(service.consumir(token, {.max_age = 300}).reason, Reason::expired);
  EXPECT_TRUE(store->revoked.empty()) << "a refused consumir burned the token";
  EXPECT_TRUE(service.consumir(token, {.max_age = 301}).valid) << "the retry was refused";
  EXPECT_EQ(service.consumir(token, {.max_age = 301}).reason, Reason::revoked);
}

TEST_F(OptionsTest, ConsumeRevocationTtlStaysExpBasedWithMaxAge) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(with_leeway(7), store);
  const auto token = service.criar({.sub = "u", .expires_in = 3600});
  now_ += 100;
  const auto r = service.consumir(token, {.max_age = 900});
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.expires_in, 3500);
  ASSERT_EQ(store->ttls.size(), 1u);
  EXPECT_EQ(store->ttls[0], 3500 + 7) << "TTL = exp - now + leeway, not the max_age window";
}

// --- the 18-step order where two checks fail: the earlier step wins -------------------------------

/// One token failing two steps, and the reason the earlier one gives.
struct PairCase {
  std::string name;  ///< states the outcome: which step beats which
  json claims = jt::good_claims();
  ValidateOptions options{};
  Reason expected = Reason::none;
  std::string_view secret = jt::kSecret;  ///< another key fails step 4
  std::string_view header = jt::kHeader;  ///< another header fails step 3
  bool blank_token = false;               ///< fails step 1
  bool rate_limited = false;              ///< fails step 2
  bool store = false;                     ///< steps 16-18 apply
  bool store_fails = false;               ///< fails step 17
  bool jti_revoked = false;               ///< fails step 18
};

void PrintTo(const PairCase& c, std::ostream* os) { *os << c.name; }

std::vector<PairCase> pair_cases() {
  const std::string state{kState};
  const std::string other{kOtherState};
  const json bound = bnd_for(kState);
  const auto c = [](std::initializer_list<std::pair<std::string, json>> changes) {
    return claims_with(changes);
  };
  constexpr auto kLater = jt::kNow + 10;
  const ValidateOptions wrong_action{.action = JWTAction::RESET_PASSWORD};
  const ValidateOptions wrong_binding{.binding = other};
  std::vector<PairCase> cases = {
      // Adjacent steps 5/6 ... 17/18.
      {.name = "Step5BndNotAStringBeatsStep6IatInTheFuture",
       .claims = c({{"bnd", 5}, {"iat", kLater}}),
       .expected = Reason::invalid},
      {.name = "Step5BndNotAStringBeatsStep6MaxAgeWithoutIat",
       .claims = c({{"bnd", nullptr}, {"iat", kAbsent}}),
       .options = {.max_age = 900},
       .expected = Reason::invalid},
      {.name = "Step6IatInTheFutureBeatsStep7Immature",
       .claims = c({{"iat", kLater}, {"nbf", kLater}}),
       .expected = Reason::invalid_iat},
      {.name = "Step6MaxAgeWithoutIatBeatsStep7Immature",
       .claims = c({{"iat", kAbsent}, {"nbf", kLater}}),
       .options = {.max_age = 900},
       .expected = Reason::invalid_iat},
      {.name = "Step6MaxAgeWithoutIatBeatsStep8Expired",
       .claims = c({{"iat", kAbsent}, {"exp", jt::kNow}}),
       .options = {.max_age = 900},
       .expected = Reason::invalid_iat},
      {.name = "Step7ImmatureBeatsStep8Expired",
       .claims = c({{"nbf", kLater}, {"exp", jt::kNow}}),
       .expected = Reason::immature},
      {.name = "Step7ImmatureBeatsStep8OlderThanMaxAge",
       .claims = c({{"nbf", kLater}, {"iat", jt::kNow - 900}}),
       .options = {.max_age = 900},
       .expected = Reason::immature},
      {.name = "Step8ExpiredBeatsStep9WrongIssuer",
       .claims = c({{"exp", jt::kNow}, {"iss", "other"}}),
       .expected = Reason::expired},
      {.name = "Step8OlderThanMaxAgeBeatsStep9WrongIssuer",
       .claims = c({{"iat", jt::kNow - 900}, {"iss", "other"}}),
       .options = {.max_age = 900},
       .expected = Reason::expired},
      {.name = "Step9WrongIssuerBeatsStep10WrongAudience",
       .claims = c({{"iss", "other"}}),
       .options = {.audience = "web-app"},
       .expected = Reason::invalid_issuer},
      {.name = "Step10WrongAudienceBeatsStep11MissingSub",
       .claims = c({{"sub", kAbsent}, {"aud", "mobile-app"}}),
       .options = {.audience = "web-app"},
       .expected = Reason::invalid_audience},
      {.name = "Step11MissingSubBeatsStep12InvalidAction",
       .claims = c({{"sub", kAbsent}, {"action", "NOPE"}}),
       .expected = Reason::missing_sub},
      {.name = "Step12InvalidActionBeatsStep13ActionMismatch",
       .claims = c({{"action", "NOPE"}}),
       .options = wrong_action,
       .expected = Reason::invalid_action},
      {.name = "Step13ActionMismatchBeatsStep14InvalidExtraData",
       .claims = c({{"extra_data", 1}}),
       .options = wrong_action,
       .expected = Reason::action_mismatch},
      {.name = "Step14InvalidExtraDataBeatsStep15BindingMismatch",
       .claims = c({{"extra_data", json::array()}}),
       .options = {.binding = state},
       .expected = Reason::invalid_extra_data},
      {.name = "Step15BindingMismatchBeatsStep16MissingJti",
       .claims = c({{"bnd", bound}, {"jti", kAbsent}}),
       .expected = Reason::binding_mismatch,
       .store = true},
      {.name = "Step16MissingJtiBeatsStep17StoreUnavailable",
       .claims = c({{"jti", kAbsent}}),
       .expected = Reason::missing_jti,
       .store = true,
       .store_fails = true},
      {.name = "Step17StoreUnavailableBeatsStep18Revoked",
       .expected = Reason::store_unavailable,
       .store = true,
       .store_fails = true,
       .jti_revoked = true},

      // Step 13 against every other step it can meet.
      {.name = "Step1MissingTokenBeatsStep13ActionMismatch",
       .options = wrong_action,
       .expected = Reason::missing_token,
       .blank_token = true},
      {.name = "Step2RateLimitedBeatsStep13ActionMismatch",
       .options = wrong_action,
       .expected = Reason::rate_limited,
       .rate_limited = true},
      {.name = "Step3InvalidHeaderBeatsStep13ActionMismatch",
       .options = wrong_action,
       .expected = Reason::invalid,
       .header = R"({"alg":"none","typ":"JWT"})"},
      {.name = "Step4BadSignatureBeatsStep13ActionMismatch",
       .options = wrong_action,
       .expected = Reason::bad_signature,
       .secret = jt::kOtherSecret},
      {.name = "Step5MalformedExpBeatsStep13ActionMismatch",
       .claims = c({{"exp", "soon"}}),
       .options = wrong_action,
       .expected = Reason::invalid},
      {.name = "Step5BndNotAStringBeatsStep13ActionMismatch",
       .claims = c({{"bnd", json::array()}}),
       .options = wrong_action,
       .expected = Reason::invalid},
      {.name = "Step6IatInTheFutureBeatsStep13ActionMismatch",
       .claims = c({{"iat", kLater}}),
       .options = wrong_action,
       .expected = Reason::invalid_iat},
      {.name = "Step7ImmatureBeatsStep13ActionMismatch",
       .claims = c({{"nbf", kLater}}),
       .options = wrong_action,
       .expected = Reason::immature},
      {.name = "Step8ExpiredBeatsStep13ActionMismatch",
       .claims = c({{"exp", jt::kNow}}),
       .options = wrong_action,
       .expected = Reason::expired},
      {.name = "Step8OlderThanMaxAgeBeatsStep13ActionMismatch",
       .claims = c({{"iat", jt::kNow - 60}}),
       .options = {.action = JWTAction::RESET_PASSWORD, .max_age = 60},
       .expected = Reason::expired},
      {.name = "Step9WrongIssuerBeatsStep13ActionMismatch",
       .claims = c({{"iss", kAbsent}}),
       .options = wrong_action,
       .expected = Reason::invalid_issuer},
      {.name = "Step10WrongAudienceBeatsStep13ActionMismatch",
       .claims = c({{"aud", json::array({"mobile-app"})}}),
       .options = {.action = JWTAction::RESET_PASSWORD, .audience = {"web-app", "cli"}},
       .expected = Reason::invalid_audience},
      {.name = "Step11MissingSubBeatsStep13ActionMismatch",
       .claims = c({{"sub", ""}}),
       .options = wrong_action,
       .expected = Reason::missing_sub},
      {.name = "Step13ActionMismatchBeatsStep15BindingMismatch",
       .claims = c({{"bnd", bound}}),
       .options = {.action = JWTAction::RESET_PASSWORD, .binding = other},
       .expected = Reason::action_mismatch},
      {.name = "Step13ExpectedNoActionBeatsStep15BndWithoutBinding",
       .claims = c({{"action", kAbsent}, {"bnd", bound}}),
       .options = {.action = JWTAction::NO_ACTION},
       .expected = Reason::action_mismatch},
      {.name = "Step13ActionMismatchBeatsStep16MissingJti",
       .claims = c({{"jti", " "}}),
       .options = wrong_action,
       .expected = Reason::action_mismatch,
       .store = true},
      {.name = "Step13ActionMismatchBeatsStep17StoreUnavailable",
       .options = wrong_action,
       .expected = Reason::action_mismatch,
       .store = true,
       .store_fails = true},
      {.name = "Step13ActionMismatchBeatsStep18Revoked",
       .options = wrong_action,
       .expected = Reason::action_mismatch,
       .store = true,
       .jti_revoked = true},

      // Step 15 against every other step it can meet.
      {.name = "Step1MissingTokenBeatsStep15BindingMismatch",
       .options = {.binding = state},
       .expected = Reason::missing_token,
       .blank_token = true},
      {.name = "Step2RateLimitedBeatsStep15BindingMismatch",
       .claims = c({{"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::rate_limited,
       .rate_limited = true},
      {.name = "Step3InvalidHeaderBeatsStep15BindingMismatch",
       .claims = c({{"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::invalid,
       .header = R"({"alg":"HS256","crit":["exp"]})"},
      {.name = "Step4BadSignatureBeatsStep15BindingMismatch",
       .claims = c({{"bnd", bound}}),
       .expected = Reason::bad_signature,
       .secret = jt::kOtherSecret},
      {.name = "Step5MalformedAudBeatsStep15BindingMismatch",
       .claims = c({{"aud", 1}, {"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::invalid},
      {.name = "Step5BndNotAStringBeatsStep15BindingGiven",
       .claims = c({{"bnd", 5}}),
       .options = {.binding = state},
       .expected = Reason::invalid},
      {.name = "Step6IatInTheFutureBeatsStep15BindingMismatch",
       .claims = c({{"iat", kLater}, {"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::invalid_iat},
      {.name = "Step7ImmatureBeatsStep15BindingMismatch",
       .claims = c({{"nbf", kLater}}),
       .options = {.binding = state},
       .expected = Reason::immature},
      {.name = "Step8ExpiredBeatsStep15BindingMismatch",
       .claims = c({{"exp", jt::kNow - 1}, {"bnd", bound}}),
       .expected = Reason::expired},
      {.name = "Step8OlderThanMaxAgeBeatsStep15BindingMismatch",
       .claims = c({{"iat", jt::kNow - 901}, {"bnd", bound}}),
       .options = {.binding = other, .max_age = 900},
       .expected = Reason::expired},
      {.name = "Step9WrongIssuerBeatsStep15BindingMismatch",
       .claims = c({{"iss", "JWTService "}, {"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::invalid_issuer},
      {.name = "Step10WrongAudienceBeatsStep15BindingMismatch",
       .claims = c({{"bnd", bound}}),
       .options = {.audience = "web-app", .binding = other},
       .expected = Reason::invalid_audience},
      {.name = "Step11MissingSubBeatsStep15BindingMismatch",
       .claims = c({{"sub", kAbsent}, {"bnd", bound}}),
       .options = {.binding = state},
       .expected = Reason::missing_sub},
      {.name = "Step11SubNotAStringBeatsStep15BindingMismatch",
       .claims = c({{"sub", 42}, {"bnd", bound}}),
       .options = {.binding = state},
       .expected = Reason::missing_sub},
      {.name = "Step12InvalidActionBeatsStep15BindingMismatch",
       .claims = c({{"action", 3}, {"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::invalid_action},
      {.name = "Step15BindingMismatchBeatsStep16BlankJti",
       .claims = c({{"jti", ""}}),
       .options = {.binding = state},
       .expected = Reason::binding_mismatch,
       .store = true},
      {.name = "Step15BindingMismatchBeatsStep17StoreUnavailable",
       .claims = c({{"bnd", bound}}),
       .options = wrong_binding,
       .expected = Reason::binding_mismatch,
       .store = true,
       .store_fails = true},
      {.name = "Step15BindingMismatchBeatsStep18Revoked",
       .claims = c({{"bnd", bound}}),
       .expected = Reason::binding_mismatch,
       .store = true,
       .jti_revoked = true},
  };
  return cases;
}

class EarlierStepWins : public ::testing::TestWithParam<PairCase> {
 protected:
  /// The reason validar (or consumir) gives; store_unavailable when consumir threw StoreError.
  Reason reason(bool consume, std::shared_ptr<FakeStore>& store_out) {
    const PairCase& c = GetParam();
    auto config = jt::test_config();
    std::shared_ptr<SpentLimiter> limiter;
    if (c.rate_limited) {
      config.rate_limit_validate = 100;
      limiter = std::make_shared<SpentLimiter>();
    }
    ServiceOptions options{.logger = jwtservice::null_logger(),
                           .clock = [] { return jt::kNow; },
                           .monotonic_clock = [] { return std::chrono::nanoseconds{1}; }};
    if (limiter) options.rate_limiter = limiter;
    // consumir needs a store: with none in the case, one that holds nothing stands in.
    if (c.store || consume) {
      store_out = std::make_shared<FakeStore>();
      if (c.jti_revoked) store_out->revoked.insert("jti-1");
      options.revocation_store = store_out;
    }
    Service service{config, std::move(options)};
    if (store_out) store_out->fail = c.store_fails;
    const std::string token =
        c.blank_token ? std::string{" "} : jt::forge(c.header, c.claims.dump(), c.secret);
    if (!consume) return service.validar(token, c.options).reason;
    try {
      return service.consumir(token, c.options).reason;
    } catch (const StoreError&) {
      return Reason::store_unavailable;
    }
  }
};

TEST_P(EarlierStepWins, InValidar) {
  std::shared_ptr<FakeStore> store;
  EXPECT_EQ(reason(false, store), GetParam().expected) << GetParam().name;
}

TEST_P(EarlierStepWins, InConsumirWithoutBurningTheToken) {
  std::shared_ptr<FakeStore> store;
  const Reason r = reason(true, store);
  EXPECT_EQ(r, GetParam().expected) << GetParam().name;
  if (GetParam().expected != Reason::store_unavailable && GetParam().expected != Reason::revoked) {
    ASSERT_TRUE(store);
    store->fail = false;
    EXPECT_EQ(store->revoked.contains("jti-1"), GetParam().jti_revoked)
        << GetParam().name << ": a refused consumir inserted the jti";
  }
}

INSTANTIATE_TEST_SUITE_P(Steps, EarlierStepWins, ::testing::ValuesIn(pair_cases()),
                         [](const ::testing::TestParamInfo<PairCase>& param) { return param.param.name; });

TEST(EarlierStepWinsTable, EachFailureAloneGivesItsOwnReason) {
  // Guards the table: each ingredient, alone on a good token, must fail where the table says,
  // so that a pair really fails two steps.
  auto service = Service{jt::test_config(), ServiceOptions{.logger = jwtservice::null_logger(),
                                                           .clock = [] { return jt::kNow; }}};
  const auto reason = [&](const json& claims, const ValidateOptions& options = {}) {
    return service.validar(jt::forge_claims(claims), options).reason;
  };
  EXPECT_EQ(reason(jt::good_claims()), Reason::none) << "the base claims must be valid";
  EXPECT_EQ(reason(claims_with({{"bnd", bnd_for(kState)}}), {.binding = std::string{kState}}), Reason::none)
      << "the bound base claims must be valid with their state";
  EXPECT_EQ(reason(claims_with({{"bnd", 5}})), Reason::invalid);
  EXPECT_EQ(reason(claims_with({{"iat", jt::kNow + 10}})), Reason::invalid_iat);
  EXPECT_EQ(reason(claims_with({{"nbf", jt::kNow + 10}})), Reason::immature);
  EXPECT_EQ(reason(claims_with({{"iat", jt::kNow - 900}}), {.max_age = 900}), Reason::expired);
  EXPECT_EQ(reason(claims_with({{"iss", "other"}})), Reason::invalid_issuer);
  EXPECT_EQ(reason(jt::good_claims(), {.audience = "web-app"}), Reason::invalid_audience);
  EXPECT_EQ(reason(claims_with({{"sub", kAbsent}})), Reason::missing_sub);
  EXPECT_EQ(reason(claims_with({{"action", "NOPE"}})), Reason::invalid_action);
  EXPECT_EQ(reason(jt::good_claims(), {.action = JWTAction::RESET_PASSWORD}), Reason::action_mismatch);
  EXPECT_EQ(reason(claims_with({{"extra_data", 1}})), Reason::invalid_extra_data);
  EXPECT_EQ(reason(claims_with({{"bnd", bnd_for(kState)}})), Reason::binding_mismatch);
}

// --- every call form of §3 and §7 -------------------------------------------------------------------

TEST_F(OptionsTest, EveryCallFormCompilesAndWorks) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const std::string s{kState};
  int n = 0;
  // A fresh token each time, so that consumir's forms each see an unused one.
  auto fresh = [&] {
    return service.criar({.action = JWTAction::RESET_PASSWORD,
                          .sub = "u",
                          .audience = "a",
                          .jti = "plain-" + std::to_string(++n)});
  };
  auto bound = [&] {
    return service.criar({.action = JWTAction::RESET_PASSWORD,
                          .sub = "u",
                          .audience = "a",
                          .jti = "bound-" + std::to_string(++n),
                          .binding = s});
  };
#define EXPECT_EVERY_FORM_VALID(METHOD)                                                                      \
  do {                                                                                                       \
    EXPECT_TRUE(service.METHOD(fresh()).valid) << #METHOD "(t)";                                             \
    EXPECT_TRUE(service.METHOD(fresh(), "a").valid) << #METHOD "(t, \"a\")";                                 \
    EXPECT_TRUE(service.METHOD(fresh(), {"a", "b"}).valid) << #METHOD "(t, {\"a\", \"b\"})";                 \
    EXPECT_TRUE(service.METHOD(fresh(), std::vector<std::string>{"b", "a"}).valid) << #METHOD "(t, vector)"; \
    EXPECT_TRUE(service.METHOD(fresh(), {.action = JWTAction::RESET_PASSWORD}).valid)                        \
        << #METHOD "(t, {.action})";                                                                         \
    EXPECT_TRUE(                                                                                             \
        service                                                                                              \
            .METHOD(bound(),                                                                                 \
                    {.action = JWTAction::RESET_PASSWORD, .audience = "a", .binding = s, .max_age = 900})    \
            .valid)                                                                                          \
        << #METHOD "(t, {.action, .audience, .binding, .max_age})";                                          \
    EXPECT_TRUE(service.METHOD(fresh(), {.audience = {"a", "b"}}).valid)                                     \
        << #METHOD "(t, {.audience = {...}})";                                                               \
    EXPECT_TRUE(service.METHOD(fresh(), {.max_age = 900}).valid) << #METHOD "(t, {.max_age})";               \
    EXPECT_EQ(service.METHOD(fresh(), "b").reason, Reason::invalid_audience) << #METHOD "(t, \"b\")";        \
    EXPECT_EQ(service.METHOD(fresh(), {.action = JWTAction::PENDING_2FA}).reason, Reason::action_mismatch)   \
        << #METHOD "(t, {.action = another})";                                                               \
  } while (0)
  EXPECT_EVERY_FORM_VALID(validar);
  EXPECT_EVERY_FORM_VALID(validate);
  EXPECT_EVERY_FORM_VALID(consumir);
  EXPECT_EVERY_FORM_VALID(consume);
#undef EXPECT_EVERY_FORM_VALID
  const auto once = fresh();
  EXPECT_TRUE(service.consumir(once, {.max_age = 900}).valid);
  EXPECT_EQ(service.consume(once, {.max_age = 900}).reason, Reason::revoked)
      << "consume shares consumir's store";
}

}  // namespace

// A user's own action enum, as docs/creating-and-validating.md shows it, with one enumerator left out of the
// traits.
namespace app {
enum class Flow { NO_ACTION, SIGNUP, LOGIN, UNLISTED };
}  // namespace app

template <>
struct jwtservice::action_traits<app::Flow> {
  static constexpr std::array names{std::pair{app::Flow::NO_ACTION, std::string_view{"NO_ACTION"}},
                                    std::pair{app::Flow::SIGNUP, std::string_view{"SIGNUP"}},
                                    std::pair{app::Flow::LOGIN, std::string_view{"LOGIN"}}};
};

namespace {

TEST_F(OptionsTest, CustomActionEnumTakesTheSameOptions) {
  auto store = std::make_shared<FakeStore>();
  jwtservice::BasicService<app::Flow> flows{
      jt::test_config(),
      ServiceOptions{
          .logger = jwtservice::null_logger(), .revocation_store = store, .clock = [this] { return now_; }}};
  const std::string s{kState};
  const auto token = flows.criar({.action = app::Flow::LOGIN, .sub = "u", .audience = "a", .binding = s});
  const jwtservice::BasicValidateOptions<app::Flow> login{
      .action = app::Flow::LOGIN, .audience = "a", .binding = s, .max_age = 900};
  const jwtservice::BasicVerificationResult<app::Flow> r = flows.validar(token, login);
  ASSERT_TRUE(r.valid) << r.reason;
  EXPECT_EQ(r.action, app::Flow::LOGIN);
  EXPECT_EQ(flows.validate(token, {.action = app::Flow::SIGNUP, .binding = s}).reason,
            Reason::action_mismatch);
  EXPECT_EQ(flows.validar(token, {.action = app::Flow::NO_ACTION, .binding = s}).reason,
            Reason::action_mismatch);
  EXPECT_THROW((void)flows.validar(token, {.action = app::Flow::UNLISTED}), InvalidArgument)
      << "an enumerator the traits do not list";
  EXPECT_THROW((void)flows.consume(token, {.action = app::Flow::UNLISTED}), InvalidArgument);
  EXPECT_EQ(flows.consumir(token, {.action = app::Flow::SIGNUP, .binding = s}).reason,
            Reason::action_mismatch);
  EXPECT_TRUE(flows.consume(token, login).valid);
  EXPECT_EQ(flows.consumir(token, login).reason, Reason::revoked);
}

}  // namespace
