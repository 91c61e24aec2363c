// revogar, revogar_jti and consumir: what they check, the TTL they give the store, and how
// store failures surface (StoreError, never a valid token).
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Reason;
using jwtservice::StoreError;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

/// Records every call; can be told to throw.
struct RecordingStore {
  struct Call {
    std::string jti;
    std::int64_t ttl;
    std::optional<std::string> reason;
  };
  std::vector<Call> revokes;
  bool fail = false;
  bool fail_without_std_exception = false;
  bool answer = true;

  bool is_revoked(std::string_view) {
    if (fail) throw std::runtime_error("down");
    return false;
  }
  bool revoke(std::string_view jti, std::int64_t ttl, const jwtservice::RevocationMetadata& meta) {
    if (fail) throw std::runtime_error("down");
    if (fail_without_std_exception) throw 42;  // NOLINT(hicpp-exception-baseclass): the case under test
    revokes.push_back({std::string{jti}, ttl, meta.reason});
    return answer;
  }
};

class RevokeTest : public ::testing::Test {
 protected:
  jwtservice::Service make(std::int64_t leeway = 0, std::optional<std::int64_t> ttl_max = std::nullopt,
                           bool with_store = true) {
    auto config = jt::test_config();
    config.leeway = leeway;
    jwtservice::ServiceOptions options{
        .logger = [this](jwtservice::LogLevel level, std::string_view m) { logs_.emplace_back(level, m); },
        .revocation_ttl_max = ttl_max,
        .clock = clock_};
    if (with_store) options.revocation_store = store_;
    return jwtservice::Service{config, std::move(options)};
  }
  static std::string token_with(const json& changes) {
    auto claims = jt::good_claims();
    for (const auto& [k, v] : changes.items())
      claims[k] = v;
    return jt::forge_claims(claims);
  }

  jt::FakeClock clock_{jt::kNow};
  std::shared_ptr<RecordingStore> store_ = std::make_shared<RecordingStore>();
  std::vector<std::pair<jwtservice::LogLevel, std::string>> logs_;
};

TEST_F(RevokeTest, TtlIsExpMinusNowPlusLeeway) {
  auto service = make(30);
  ASSERT_TRUE(service.revogar(jt::forge_claims(jt::good_claims()), "logout"));
  ASSERT_EQ(store_->revokes.size(), 1u);
  EXPECT_EQ(store_->revokes[0].jti, "jti-1");
  EXPECT_EQ(store_->revokes[0].ttl, 600 + 30);
  EXPECT_EQ(store_->revokes[0].reason, "logout");
}

TEST_F(RevokeTest, TtlIsCappedByRevocationTtlMax) {
  auto service = make(0, 100);
  ASSERT_TRUE(service.revogar(jt::forge_claims(jt::good_claims())));
  EXPECT_EQ(store_->revokes.at(0).ttl, 100);
  EXPECT_EQ(store_->revokes.at(0).reason, std::nullopt);
}

TEST_F(RevokeTest, TokenWithoutExpIsRevokedForTtlMaxElsePermanently) {
  auto claims = jt::good_claims();
  claims.erase("exp");
  ASSERT_TRUE(make(0, 3600).revogar(jt::forge_claims(claims)));
  EXPECT_EQ(store_->revokes.at(0).ttl, 3600);
  ASSERT_TRUE(make().revogar(jt::forge_claims(claims)));
  EXPECT_EQ(store_->revokes.at(1).ttl, jwtservice::permanent_ttl);
}

TEST_F(RevokeTest, ReturnsTheStoresAnswer) {
  store_->answer = false;
  EXPECT_FALSE(make().revogar(jt::forge_claims(jt::good_claims())));
}

TEST_F(RevokeTest, OnlySignatureAndExpiryAreChecked) {
  auto service = make();
  EXPECT_TRUE(service.revogar(token_with({{"iss", "someone-else"}})));
  EXPECT_TRUE(service.revogar(token_with({{"aud", "elsewhere"}})));
  EXPECT_TRUE(service.revogar(token_with({{"nbf", jt::kNow + 100}})));
  EXPECT_TRUE(service.revogar(token_with({{"iat", jt::kNow + 100}})));
  EXPECT_EQ(store_->revokes.size(), 4u);
}

TEST_F(RevokeTest, InvalidExpiredOrJtiLessTokensAreNotRevoked) {
  auto service = make();
  EXPECT_FALSE(service.revogar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret))) << "bad signature";
  EXPECT_FALSE(service.revogar("not.a.token"));
  EXPECT_FALSE(service.revogar(""));
  EXPECT_FALSE(service.revogar(token_with({{"exp", jt::kNow}}))) << "expired at its exp second";
  auto claims = jt::good_claims();
  claims.erase("jti");
  EXPECT_FALSE(service.revogar(jt::forge_claims(claims))) << "no jti";
  EXPECT_FALSE(service.revogar(token_with({{"jti", " "}}))) << "blank jti";
  EXPECT_FALSE(service.revogar(token_with({{"jti", 5}}))) << "jti not a string";
  EXPECT_TRUE(store_->revokes.empty());
}

TEST_F(RevokeTest, ExpiredButWithinLeewayIsStillRevoked) {
  auto service = make(10);
  ASSERT_TRUE(service.revogar(token_with({{"exp", jt::kNow - 5}})));
  EXPECT_EQ(store_->revokes.at(0).ttl, 5);
}

TEST_F(RevokeTest, WithoutAStoreRevokingReturnsFalseAndWarns) {
  auto service = make(0, std::nullopt, /*with_store=*/false);
  EXPECT_FALSE(service.revogar(jt::forge_claims(jt::good_claims())));
  EXPECT_FALSE(service.revogar_jti("x", jt::kNow + 60));
  ASSERT_FALSE(logs_.empty());
  EXPECT_EQ(logs_.back().first, jwtservice::LogLevel::warning);
}

TEST_F(RevokeTest, RevokeJtiUsesTheSameTtlRule) {
  auto service = make(5, 50);
  EXPECT_TRUE(service.revogar_jti("the-jti", jt::kNow + 20, "incident"));
  EXPECT_TRUE(service.revogar_jti("capped", jt::kNow + 1000));
  ASSERT_EQ(store_->revokes.size(), 2u);
  EXPECT_EQ(store_->revokes[0].ttl, 25);
  EXPECT_EQ(store_->revokes[0].reason, "incident");
  EXPECT_EQ(store_->revokes[1].ttl, 50);
}

TEST_F(RevokeTest, RevokeJtiRefusesBlankJtiAndPastExp) {
  auto service = make();
  EXPECT_FALSE(service.revogar_jti("", jt::kNow + 60));
  EXPECT_FALSE(service.revogar_jti("  ", jt::kNow + 60));
  EXPECT_FALSE(service.revogar_jti("x", jt::kNow));
  EXPECT_FALSE(service.revogar_jti("x", jt::kNow - 100));
  EXPECT_TRUE(store_->revokes.empty());
}

TEST_F(RevokeTest, StoreFailureThrowsStoreErrorFromEveryWriter) {
  auto service = make();
  store_->fail = true;
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_THROW((void)service.revogar(token), StoreError);
  EXPECT_THROW((void)service.revogar_jti("x", jt::kNow + 60), StoreError);
  EXPECT_THROW((void)service.consumir(token), StoreError);
  EXPECT_EQ(service.validar(token).reason, Reason::store_unavailable);
}

TEST_F(RevokeTest, AStoreThrowingANonStandardExceptionStillGivesStoreError) {
  auto service = make();
  store_->fail_without_std_exception = true;
  try {
    (void)service.revogar_jti("x", jt::kNow + 60);
    FAIL() << "revogar_jti returned although the store threw";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("revocation store failed"), std::string::npos)
        << "message: " << e.what();
  }
}

TEST_F(RevokeTest, ConsumeInsertsTheJtiWithTheRevocationTtl) {
  auto service = make(0, std::nullopt);
  const auto r = service.consumir(jt::forge_claims(jt::good_claims()));
  ASSERT_TRUE(r.valid) << r.reason;
  ASSERT_EQ(store_->revokes.size(), 1u);
  EXPECT_EQ(store_->revokes[0].ttl, 600);
  EXPECT_EQ(store_->revokes[0].reason, "consumed");
  store_->answer = false;  // somebody else inserted it first
  const auto again = service.consumir(jt::forge_claims(jt::good_claims()));
  EXPECT_EQ(again.reason, Reason::revoked);
  EXPECT_EQ(again.jti, "jti-1");
  EXPECT_FALSE(again.sub.has_value());
}

TEST_F(RevokeTest, ConsumeRunsTheFullValidationFirst) {
  auto service = make();
  EXPECT_EQ(service.consumir(token_with({{"exp", jt::kNow}})).reason, Reason::expired);
  EXPECT_EQ(service.consumir(token_with({{"iss", "x"}})).reason, Reason::invalid_issuer);
  EXPECT_EQ(service.consumir(token_with({{"aud", "a"}}), "b").reason, Reason::invalid_audience);
  EXPECT_EQ(service.consumir(token_with({{"jti", " "}})).reason, Reason::missing_jti);
  EXPECT_TRUE(store_->revokes.empty()) << "nothing is consumed for a token that fails validation";
}

TEST_F(RevokeTest, ConsumeTakesTheAudienceFormsOfValidate) {
  auto service = make();
  EXPECT_TRUE(service.consumir(token_with({{"aud", "a"}, {"jti", "1"}}), "a").valid);
  EXPECT_TRUE(service.consumir(token_with({{"aud", "a"}, {"jti", "2"}}), {"b", "a"}).valid);
  EXPECT_TRUE(
      service.consumir(token_with({{"aud", "a"}, {"jti", "3"}}), std::vector<std::string>{"a"}).valid);
  EXPECT_TRUE(service.consume(token_with({{"jti", "4"}})).valid);
}

TEST_F(RevokeTest, ConsumeWithoutAStoreThrowsStoreError) {
  auto service = make(0, std::nullopt, /*with_store=*/false);
  EXPECT_THROW((void)service.consumir(jt::forge_claims(jt::good_claims())), StoreError);
}

TEST_F(RevokeTest, EnglishNamesBehaveIdentically) {
  auto service = make();
  EXPECT_TRUE(service.revoke(jt::forge_claims(jt::good_claims()), "logout"));
  EXPECT_TRUE(service.revoke_jti("j", jt::kNow + 10));
  EXPECT_EQ(store_->revokes.size(), 2u);
}

}  // namespace
