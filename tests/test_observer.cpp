// Observation (docs/metrics.md): one Event per call with the documented reason and claims, durations
// from the injected monotonic clock, an observer that throws changing nothing, Stats counters
// (exact under threads) and their Prometheus text.
#include "jwtservice/observer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fake_store.hpp"
#include "token_forge.hpp"

namespace {

using namespace std::chrono_literals;
using jwtservice::Config;
using jwtservice::Event;
using jwtservice::InvalidArgument;
using jwtservice::JWTAction;
using jwtservice::LogLevel;
using jwtservice::Operation;
using jwtservice::RateLimitExceeded;
using jwtservice::Reason;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using jwtservice::Stats;
using jwtservice::StoreError;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

constexpr std::string_view kState = "binding-state-password-hash";

/// An Event with owned strings, kept after the call.
struct Recorded {
  Operation operation = Operation::validate;
  Reason reason = Reason::none;
  std::string action, sub, jti;
  std::chrono::nanoseconds duration{};
};

using jwtservice::testing::FakeStore;

class ObserverTest : public ::testing::Test {
 protected:
  /// A service whose observer records into events_ (or runs `observer` when given).
  Service make(Config config = jt::test_config(), std::shared_ptr<FakeStore> store = nullptr,
               jwtservice::Observer observer = {}) {
    if (!observer) {
      observer = [this](const Event& e) {
        events_.push_back({e.operation, e.reason, std::string{e.action}, std::string{e.sub},
                           std::string{e.jti}, e.duration});
      };
    }
    ServiceOptions options{
        .logger = [this](LogLevel level, std::string_view m) { logs_.emplace_back(level, m); },
        .clock = [this] { return now_; },
        .monotonic_clock = [this] { return mono_; },
        .observer = std::move(observer)};
    if (store) options.revocation_store = store;
    return Service{std::move(config), std::move(options)};
  }
  /// The only event since the last call of take(); fails the test when there is not exactly one.
  Recorded take() {
    EXPECT_EQ(events_.size(), 1u) << "one call must give exactly one event";
    Recorded r = events_.empty() ? Recorded{} : events_.back();
    events_.clear();
    return r;
  }
  int error_logs() const {
    int n = 0;
    for (const auto& [level, line] : logs_)
      n += level == LogLevel::error ? 1 : 0;
    return n;
  }

  std::int64_t now_ = jt::kNow;
  std::chrono::nanoseconds mono_ = 1000s;
  std::vector<Recorded> events_;
  std::vector<std::pair<LogLevel, std::string>> logs_;
};

/// Checks one recorded event; the message says which field is wrong, never a token.
testing::AssertionResult is_event(const Recorded& e, Operation operation, Reason reason,
                                  std::string_view action, std::string_view sub, std::string_view jti) {
  if (e.operation != operation) {
    return testing::AssertionFailure()
           << "operation " << to_string(e.operation) << ", expected " << to_string(operation);
  }
  if (e.reason != reason)
    return testing::AssertionFailure() << "reason " << e.reason << ", expected " << reason;
  if (e.action != action)
    return testing::AssertionFailure() << "action \"" << e.action << "\", expected \"" << action << "\"";
  if (e.sub != sub)
    return testing::AssertionFailure() << "sub \"" << e.sub << "\", expected \"" << sub << "\"";
  if (e.jti != jti)
    return testing::AssertionFailure() << "jti \"" << e.jti << "\", expected \"" << jti << "\"";
  return testing::AssertionSuccess();
}

std::string jti_of(const std::string& token) {
  const auto dot1 = token.find('.');
  std::string payload;
  EXPECT_TRUE(
      jwtservice::detail::base64url_decode(token.substr(dot1 + 1, token.rfind('.') - dot1 - 1), payload));
  return json::parse(payload).value("jti", "");
}

Config with_limits(std::int64_t create, std::int64_t validate) {
  auto config = jt::test_config();
  config.rate_limit_create = create;
  config.rate_limit_validate = validate;
  return config;
}

// --- create ------------------------------------------------------------------------------------

TEST_F(ObserverTest, IssuedTokenIsReportedWithItsClaims) {
  auto service = make();
  (void)service.criar({.action = JWTAction::RESET_PASSWORD, .sub = "ana@example.com", .jti = "j-1"});
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::none, "RESET_PASSWORD", "ana@example.com", "j-1"));
  const auto token = service.criar({.sub = "bob@example.com"});
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::none, "", "bob@example.com", jti_of(token)))
      << "the random jti of the issued token";
}

TEST_F(ObserverTest, CreateRefusedByTheRateLimitIsReportedRateLimited) {
  auto service = make(with_limits(1, 0));
  (void)service.criar({.sub = "u"});
  events_.clear();
  EXPECT_THROW((void)service.criar({.action = JWTAction::VALIDAR_EMAIL, .sub = "u", .jti = "j"}),
               RateLimitExceeded);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::rate_limited, "", "", ""))
      << "a refused create issued no token, so it reports no claims";
}

TEST_F(ObserverTest, CreateRefusedForAnyOtherReasonIsReportedInvalid) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.sub = " "}), InvalidArgument);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::invalid, "", "", "")) << "blank sub";
  EXPECT_THROW((void)service.criar({.sub = "u", .expires_in = -1}), InvalidArgument);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::invalid, "", "", "")) << "negative expires_in";
  EXPECT_THROW((void)service.criar({.sub = "u", .binding = ""}), InvalidArgument);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::invalid, "", "", "")) << "empty binding";
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = {{"x", std::string(9000, 'x')}}}),
               InvalidArgument);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::invalid, "", "", "")) << "over max_token_bytes";
}

// A refusal for an action not listed in action_traits is a create refusal like any other: one
// event, reason invalid, counted (it used to be thrown before the engine saw the call).
TEST_F(ObserverTest, CreateWithAnUnlistedActionIsReportedInvalidAndCounted) {
  auto service = make();
  EXPECT_THROW((void)service.criar({.action = static_cast<JWTAction>(99), .sub = "u"}), InvalidArgument);
  EXPECT_TRUE(is_event(take(), Operation::create, Reason::invalid, "", "", ""));
  EXPECT_EQ(service.stats().creation_refusals, 1u) << "the refused create was not counted";
}

// --- validate and consume ------------------------------------------------------------------------

TEST_F(ObserverTest, ValidateReportsTheResultsReason) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(with_limits(0, 0), store);
  const auto good = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.validar(good).valid);
  EXPECT_TRUE(
      is_event(take(), Operation::validate, Reason::none, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  EXPECT_EQ(service.validar(" ").reason, Reason::missing_token);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::missing_token, "", "", ""));
  EXPECT_EQ(service.validar(good, {.action = JWTAction::RESET_PASSWORD}).reason, Reason::action_mismatch);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::action_mismatch, "VALIDAR_EMAIL",
                       "user@example.com", "jti-1"));
  EXPECT_EQ(service.validar(good, {.binding = std::string{kState}}).reason, Reason::binding_mismatch);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::binding_mismatch, "VALIDAR_EMAIL",
                       "user@example.com", "jti-1"));
  store->revoked.insert("jti-1");
  EXPECT_EQ(service.validar(good).reason, Reason::revoked);
  EXPECT_TRUE(
      is_event(take(), Operation::validate, Reason::revoked, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  store->fail = true;
  EXPECT_EQ(service.validar(good).reason, Reason::store_unavailable);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::store_unavailable, "VALIDAR_EMAIL",
                       "user@example.com", "jti-1"));
}

TEST_F(ObserverTest, RateLimitedValidationIsReportedWithoutClaims) {
  auto service = make(with_limits(0, 1));
  const auto good = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.validar(good).valid);
  events_.clear();
  EXPECT_EQ(service.validar(good).reason, Reason::rate_limited);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::rate_limited, "", "", ""));
}

TEST_F(ObserverTest, ClaimsAreEmptyWhenTheSignatureFailed) {
  auto service = make();
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret)).reason,
            Reason::bad_signature);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::bad_signature, "", "", ""));
  EXPECT_EQ(service.validar(jt::forge(R"({"alg":"none"})", jt::good_claims().dump())).reason,
            Reason::invalid);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::invalid, "", "", ""))
      << "a header refused at step 3";
  EXPECT_EQ(service.validar("a.b.c").reason, Reason::invalid);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::invalid, "", "", ""));
}

TEST_F(ObserverTest, ClaimsAreFilledWhenTheSignatureWasVerified) {
  auto service = make();
  auto claims = jt::good_claims();
  claims["exp"] = jt::kNow;
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::expired);
  EXPECT_TRUE(
      is_event(take(), Operation::validate, Reason::expired, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  claims = jt::good_claims();
  claims["iss"] = "someone-else";
  claims["sub"] = "sub with \"quotes\" and \xC3\xA9";
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::invalid_issuer);
  EXPECT_TRUE(is_event(take(), Operation::validate, Reason::invalid_issuer, "VALIDAR_EMAIL",
                       "sub with \"quotes\" and \xC3\xA9", "jti-1"))
      << "the sub decoded from its JSON escapes";
}

TEST_F(ObserverTest, ConsumeReportsTheResultsReasonAndStoreUnavailableWhenItThrows) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto good = jt::forge_claims(jt::good_claims());
  EXPECT_EQ(service.consumir(good, {.action = JWTAction::PENDING_2FA}).reason, Reason::action_mismatch);
  EXPECT_TRUE(is_event(take(), Operation::consume, Reason::action_mismatch, "VALIDAR_EMAIL",
                       "user@example.com", "jti-1"));
  EXPECT_TRUE(service.consumir(good).valid);
  EXPECT_TRUE(
      is_event(take(), Operation::consume, Reason::none, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  EXPECT_EQ(service.consume(good).reason, Reason::revoked);
  EXPECT_TRUE(
      is_event(take(), Operation::consume, Reason::revoked, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  EXPECT_EQ(service.consumir(jt::forge_claims(jt::good_claims(), jt::kOtherSecret)).reason,
            Reason::bad_signature);
  EXPECT_TRUE(is_event(take(), Operation::consume, Reason::bad_signature, "", "", ""));
  store->fail = true;
  auto claims = jt::good_claims();
  claims["jti"] = "jti-2";
  EXPECT_THROW((void)service.consumir(jt::forge_claims(claims)), StoreError);
  EXPECT_TRUE(is_event(take(), Operation::consume, Reason::store_unavailable, "VALIDAR_EMAIL",
                       "user@example.com", "jti-2"));
}

TEST_F(ObserverTest, ConsumeWithoutAStoreIsReportedStoreUnavailable) {
  auto service = make();
  EXPECT_THROW((void)service.consumir(jt::forge_claims(jt::good_claims())), StoreError);
  const Recorded e = take();
  EXPECT_EQ(e.operation, Operation::consume);
  EXPECT_EQ(e.reason, Reason::store_unavailable);
}

// --- revoke and revoke_jti -------------------------------------------------------------------------

TEST_F(ObserverTest, RevokeReportsNoneInvalidOrStoreUnavailable) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const auto good = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.revogar(good, "logout"));
  EXPECT_TRUE(
      is_event(take(), Operation::revoke, Reason::none, "VALIDAR_EMAIL", "user@example.com", "jti-1"));
  EXPECT_FALSE(service.revoke(good));
  EXPECT_TRUE(
      is_event(take(), Operation::revoke, Reason::invalid, "VALIDAR_EMAIL", "user@example.com", "jti-1"))
      << "already revoked: false, with the verified claims";
  EXPECT_FALSE(service.revogar(jt::forge_claims(jt::good_claims(), jt::kOtherSecret)));
  EXPECT_TRUE(is_event(take(), Operation::revoke, Reason::invalid, "", "", "")) << "bad signature";
  store->fail = true;
  auto claims = jt::good_claims();
  claims["jti"] = "jti-2";
  EXPECT_THROW((void)service.revogar(jt::forge_claims(claims)), StoreError);
  EXPECT_TRUE(is_event(take(), Operation::revoke, Reason::store_unavailable, "VALIDAR_EMAIL",
                       "user@example.com", "jti-2"));
}

TEST_F(ObserverTest, RevokeWithoutAStoreIsReportedInvalid) {
  auto service = make();
  EXPECT_FALSE(service.revogar(jt::forge_claims(jt::good_claims())));
  EXPECT_EQ(take().reason, Reason::invalid);
  EXPECT_FALSE(service.revogar_jti("j", jt::kNow + 60));
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::invalid, "", "", "j"));
}

TEST_F(ObserverTest, RevokeJtiReportsItsJtiArgument) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  EXPECT_TRUE(service.revogar_jti("incident-1", jt::kNow + 60, "incident"));
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::none, "", "", "incident-1"));
  EXPECT_FALSE(service.revoke_jti("incident-1", jt::kNow + 60));
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::invalid, "", "", "incident-1"))
      << "already revoked";
  EXPECT_FALSE(service.revogar_jti("incident-2", jt::kNow));
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::invalid, "", "", "incident-2"))
      << "exp already past";
  EXPECT_FALSE(service.revogar_jti(" ", jt::kNow + 60));
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::invalid, "", "", " ")) << "blank jti";
  store->fail = true;
  EXPECT_THROW((void)service.revogar_jti("incident-3", jt::kNow + 60), StoreError);
  EXPECT_TRUE(is_event(take(), Operation::revoke_jti, Reason::store_unavailable, "", "", "incident-3"));
}

// --- what never reaches the observer -------------------------------------------------------------

TEST_F(ObserverTest, NoTokenStateOrSecretReachesTheObserver) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(jt::test_config(), store);
  const std::string state{kState};
  std::vector<std::string> tokens;
  tokens.push_back(service.criar({.action = JWTAction::RESET_PASSWORD, .sub = "u", .binding = state}));
  tokens.push_back(jt::forge_claims(jt::good_claims()));
  tokens.push_back(jt::forge_claims(jt::good_claims(), jt::kOtherSecret));
  for (const auto& token : tokens) {
    (void)service.validar(token, {.binding = state});
    (void)service.validar(token, {.binding = "another-binding-state"});
    (void)service.consumir(token, {.binding = state});
    (void)service.revogar(token);
  }
  (void)service.revogar_jti("j", jt::kNow + 60);
  ASSERT_EQ(events_.size(), 1 + tokens.size() * 4 + 1);
  for (const auto& e : events_) {
    for (const std::string_view field :
         {std::string_view{e.action}, std::string_view{e.sub}, std::string_view{e.jti}}) {
      EXPECT_EQ(field.find(jt::kSecret), std::string_view::npos) << to_string(e.operation) << ": the secret";
      EXPECT_EQ(field.find(state), std::string_view::npos) << to_string(e.operation) << ": the binding state";
      EXPECT_EQ(field.find("another-binding-state"), std::string_view::npos) << to_string(e.operation);
      for (const auto& token : tokens) {
        EXPECT_EQ(field.find(token.substr(token.rfind('.') + 1)), std::string_view::npos)
            << to_string(e.operation) << ": a token's signature";
        EXPECT_EQ(field.find(token.substr(0, token.find('.', token.find('.') + 1))), std::string_view::npos)
            << to_string(e.operation) << ": a token's signing input";
      }
    }
  }
}

// --- duration -------------------------------------------------------------------------------------

TEST_F(ObserverTest, DurationIsTheMonotonicTimeTheCallTook) {
  auto store = std::make_shared<FakeStore>();
  store->on_call = [this] { mono_ += 5ms; };
  auto service = make(jt::test_config(), store);
  const auto good = jt::forge_claims(jt::good_claims());
  (void)service.validar(good);
  EXPECT_EQ(take().duration, 5ms) << "validate: one store call of 5 ms";
  (void)service.consumir(good);
  EXPECT_EQ(take().duration, 5ms) << "consume";
  (void)service.revogar_jti("j", jt::kNow + 60);
  EXPECT_EQ(take().duration, 5ms) << "revoke_jti";
  (void)service.criar({.sub = "u"});
  EXPECT_EQ(take().duration, 0ns) << "create: the clock did not move";
  (void)service.validar("");
  EXPECT_EQ(take().duration, 0ns) << "missing token: the clock did not move";
}

// --- a throwing observer --------------------------------------------------------------------------

TEST_F(ObserverTest, ObserverThatThrowsChangesNoOutcome) {
  auto quiet_store = std::make_shared<FakeStore>();
  auto loud_store = std::make_shared<FakeStore>();
  auto quiet = make(jt::test_config(), quiet_store);
  int thrown = 0;
  auto loud = make(jt::test_config(), loud_store, [&](const Event&) {
    ++thrown;
    if (thrown % 2 == 0) throw 42;  // not even a std::exception
    throw std::runtime_error("observer failed");
  });
  const auto token = quiet.criar({.action = JWTAction::RESET_PASSWORD, .sub = "u", .jti = "j-1"});
  const auto loud_token = loud.criar({.action = JWTAction::RESET_PASSWORD, .sub = "u", .jti = "j-1"});
  EXPECT_TRUE(loud_token == token) << "create returned another token";
  for (const auto& options :
       {jwtservice::ValidateOptions{}, jwtservice::ValidateOptions{.action = JWTAction::NO_ACTION},
        jwtservice::ValidateOptions{.binding = "x"}}) {
    const auto a = quiet.validar(token, options);
    const auto b = loud.validar(token, options);
    EXPECT_EQ(a.reason, b.reason);
    EXPECT_EQ(a.sub, b.sub);
    EXPECT_EQ(a.jti, b.jti);
  }
  EXPECT_EQ(loud.consumir(token).reason, quiet.consumir(token).reason);
  EXPECT_EQ(loud.consumir(token).reason, Reason::revoked);
  EXPECT_EQ(loud.revogar_jti("x", jt::kNow + 60), quiet.revogar_jti("x", jt::kNow + 60));
  EXPECT_EQ(loud.revogar(token), quiet.revogar(token));
  EXPECT_THROW((void)loud.criar({.sub = ""}), InvalidArgument)
      << "the create's own error, not the observer's";
  loud_store->fail = true;
  EXPECT_THROW((void)loud.revogar_jti("y", jt::kNow + 60), StoreError)
      << "the store's error, not the observer's";
  EXPECT_THROW((void)loud.consumir(quiet.criar({.sub = "v"})), StoreError);
  EXPECT_GE(thrown, 10) << "the observer was not called for every call";
  EXPECT_EQ(loud.stats().creations, 1u) << "counting must not depend on the observer";
  EXPECT_EQ(loud.stats().creation_refusals, 1u);
}

TEST_F(ObserverTest, ObserverFailuresAreLoggedAtMostOnceAMinute) {
  auto service =
      make(jt::test_config(), nullptr, [](const Event&) { throw std::runtime_error("observer failed"); });
  const auto token = jt::forge_claims(jt::good_claims());
  logs_.clear();  // construction warns about the unlimited limits
  for (int i = 0; i < 5; ++i)
    (void)service.validar(token);
  EXPECT_EQ(error_logs(), 1) << "five failures at one instant";
  mono_ += 30s;
  (void)service.validar(token);
  mono_ += 29s;
  (void)service.criar({.sub = "u"});
  EXPECT_EQ(error_logs(), 1) << "59 s after the first log";
  mono_ += 2s;
  (void)service.validar(token);
  EXPECT_EQ(error_logs(), 2) << "61 s after the first log the failure is logged again";
  for (int i = 0; i < 5; ++i)
    (void)service.validar(token);
  EXPECT_EQ(error_logs(), 2);
  mono_ += 10min;
  (void)service.validar(token);
  EXPECT_EQ(error_logs(), 3);
  for (const auto& [level, line] : logs_)
    EXPECT_EQ(line.find(token), std::string::npos) << "a log line holds the token";
}

// --- stats -----------------------------------------------------------------------------------------

TEST_F(ObserverTest, StatsCountEachReasonCreationsRefusalsAndRevocations) {
  auto store = std::make_shared<FakeStore>();
  auto service = make(with_limits(3, 0), store);
  const auto a = service.criar({.sub = "a", .jti = "a"});
  const auto b = service.criar({.sub = "b", .jti = "b"});
  EXPECT_THROW((void)service.criar({.sub = ""}), InvalidArgument);
  (void)service.criar({.sub = "c", .jti = "c"});
  EXPECT_THROW((void)service.criar({.sub = "d"}), RateLimitExceeded);
  (void)service.validar(a);
  (void)service.validar(a);
  (void)service.validar("");
  (void)service.validar(a, {.action = JWTAction::VALIDAR_EMAIL});
  (void)service.consumir(a);
  (void)service.consumir(a);
  (void)service.consumir(b, {.binding = "s"});
  EXPECT_TRUE(service.revogar(b));
  EXPECT_FALSE(service.revogar(b));
  EXPECT_TRUE(service.revogar_jti("x", jt::kNow + 60));
  EXPECT_FALSE(service.revogar_jti("x", jt::kNow + 60));
  store->fail = true;
  EXPECT_EQ(service.validar(a).reason, Reason::store_unavailable);
  EXPECT_THROW((void)service.consumir(a), StoreError);

  Stats expected;
  expected.validations[static_cast<std::size_t>(Reason::none)] = 2;
  expected.validations[static_cast<std::size_t>(Reason::missing_token)] = 1;
  expected.validations[static_cast<std::size_t>(Reason::action_mismatch)] = 1;
  expected.validations[static_cast<std::size_t>(Reason::store_unavailable)] = 1;
  expected.consumptions[static_cast<std::size_t>(Reason::none)] = 1;
  expected.consumptions[static_cast<std::size_t>(Reason::revoked)] = 1;
  expected.consumptions[static_cast<std::size_t>(Reason::binding_mismatch)] = 1;
  expected.consumptions[static_cast<std::size_t>(Reason::store_unavailable)] = 1;
  expected.creations = 3;
  expected.creation_refusals = 2;
  expected.revocations = 2;
  const Stats s = service.stats();
  for (std::size_t r = 0; r < jwtservice::reason_count; ++r) {
    EXPECT_EQ(s.validations[r], expected.validations[r]) << "validations of " << static_cast<Reason>(r);
    EXPECT_EQ(s.consumptions[r], expected.consumptions[r]) << "consumptions of " << static_cast<Reason>(r);
  }
  EXPECT_EQ(s.creations, expected.creations);
  EXPECT_EQ(s.creation_refusals, expected.creation_refusals) << "one invalid and one rate-limited create";
  EXPECT_EQ(s.revocations, expected.revocations) << "only calls that returned true count";
}

TEST_F(ObserverTest, StatsAreCountedWithoutAnObserver) {
  Service service{jt::test_config(),
                  ServiceOptions{.logger = jwtservice::null_logger(), .clock = [] { return jt::kNow; }}};
  (void)service.validar(service.criar({.sub = "u"}));
  (void)service.validar("x");
  const Stats s = service.stats();
  EXPECT_EQ(s.creations, 1u);
  EXPECT_EQ(s.validations[static_cast<std::size_t>(Reason::none)], 1u);
  EXPECT_EQ(s.validations[static_cast<std::size_t>(Reason::invalid)], 1u);
}

TEST(ObserverThreads, StatsFromEightThreadsSumExactly) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 250;
  auto store = std::make_shared<jwtservice::InMemoryRevocationStore>([] { return jt::kNow; });
  std::atomic<std::uint64_t> events{0};
  Service service{jt::test_config(), ServiceOptions{.logger = jwtservice::null_logger(),
                                                    .revocation_store = store,
                                                    .clock = [] { return jt::kNow; },
                                                    .observer = [&](const Event&) { ++events; }}};
  const auto good = jt::forge_claims(jt::good_claims());
  const auto forged = jt::forge_claims(jt::good_claims(), jt::kOtherSecret);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        if (!service.validar(good).valid) ++wrong;
        if (service.validar(forged).reason != Reason::bad_signature) ++wrong;
        const auto token = service.criar({.sub = "u", .jti = "c-" + id});
        if (!service.consumir(token).valid) ++wrong;
        if (service.consumir(token).reason != Reason::revoked) ++wrong;
        if (!service.revogar_jti("r-" + id, jt::kNow + 60)) ++wrong;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  ASSERT_EQ(wrong, 0) << "calls answered wrongly under concurrency";
  constexpr std::uint64_t n = kThreads * kCalls;
  const Stats s = service.stats();
  EXPECT_EQ(s.validations[static_cast<std::size_t>(Reason::none)], n);
  EXPECT_EQ(s.validations[static_cast<std::size_t>(Reason::bad_signature)], n);
  EXPECT_EQ(s.consumptions[static_cast<std::size_t>(Reason::none)], n);
  EXPECT_EQ(s.consumptions[static_cast<std::size_t>(Reason::revoked)], n);
  EXPECT_EQ(s.creations, n);
  EXPECT_EQ(s.revocations, n);
  EXPECT_EQ(s.creation_refusals, 0u);
  std::uint64_t total = s.creations + s.creation_refusals;
  for (std::size_t r = 0; r < jwtservice::reason_count; ++r)
    total += s.validations[r] + s.consumptions[r];
  EXPECT_EQ(total, 5 * n) << "a counter other than the expected ones moved";
  EXPECT_EQ(events.load(), 6 * n) << "one event per call";
}

// --- to_prometheus ---------------------------------------------------------------------------------

Stats small_stats() {
  Stats s;
  s.validations[static_cast<std::size_t>(Reason::none)] = 12;
  s.consumptions[static_cast<std::size_t>(Reason::none)] = 3;
  s.validations[static_cast<std::size_t>(Reason::expired)] = 2;
  s.consumptions[static_cast<std::size_t>(Reason::revoked)] = 1;
  s.consumptions[static_cast<std::size_t>(Reason::binding_mismatch)] = 4;
  s.creations = 7;
  s.creation_refusals = 1;
  s.revocations = 3;
  return s;
}

TEST(ToPrometheus, SmallStatsGiveExactlyTheDocumentedText) {
  const std::string expected =
      "# HELP jwtservice_validations_total Tokens validated (validar and consumir), by reason; \"none\" is "
      "valid.\n"
      "# TYPE jwtservice_validations_total counter\n"
      "jwtservice_validations_total{reason=\"none\"} 15\n"
      "jwtservice_validations_total{reason=\"missing_token\"} 0\n"
      "jwtservice_validations_total{reason=\"invalid\"} 0\n"
      "jwtservice_validations_total{reason=\"bad_signature\"} 0\n"
      "jwtservice_validations_total{reason=\"invalid_iat\"} 0\n"
      "jwtservice_validations_total{reason=\"immature\"} 0\n"
      "jwtservice_validations_total{reason=\"expired\"} 2\n"
      "jwtservice_validations_total{reason=\"invalid_issuer\"} 0\n"
      "jwtservice_validations_total{reason=\"invalid_audience\"} 0\n"
      "jwtservice_validations_total{reason=\"missing_sub\"} 0\n"
      "jwtservice_validations_total{reason=\"invalid_action\"} 0\n"
      "jwtservice_validations_total{reason=\"invalid_extra_data\"} 0\n"
      "jwtservice_validations_total{reason=\"missing_jti\"} 0\n"
      "jwtservice_validations_total{reason=\"revoked\"} 1\n"
      "jwtservice_validations_total{reason=\"rate_limited\"} 0\n"
      "jwtservice_validations_total{reason=\"store_unavailable\"} 0\n"
      "jwtservice_validations_total{reason=\"action_mismatch\"} 0\n"
      "jwtservice_validations_total{reason=\"binding_mismatch\"} 4\n"
      "# HELP jwtservice_creations_total Tokens issued.\n"
      "# TYPE jwtservice_creations_total counter\n"
      "jwtservice_creations_total 7\n"
      "# HELP jwtservice_creation_refusals_total Token creations refused (rate limit or invalid request).\n"
      "# TYPE jwtservice_creation_refusals_total counter\n"
      "jwtservice_creation_refusals_total 1\n"
      "# HELP jwtservice_revocations_total Revocations stored (revogar and revogar_jti that returned true).\n"
      "# TYPE jwtservice_revocations_total counter\n"
      "jwtservice_revocations_total 3\n";
  EXPECT_EQ(jwtservice::to_prometheus(small_stats()), expected);
}

TEST(ToPrometheus, AllZeroStatsListEveryReason) {
  const std::string text = jwtservice::to_prometheus(Stats{});
  for (std::size_t r = 0; r < jwtservice::reason_count; ++r) {
    const std::string line =
        "jwtservice_validations_total{reason=\"" + std::string{to_string(static_cast<Reason>(r))} + "\"} 0\n";
    EXPECT_NE(text.find(line), std::string::npos) << "no zero line for " << static_cast<Reason>(r);
  }
}

TEST(ToPrometheus, CustomPrefixNamesEveryMetric) {
  const std::string text = jwtservice::to_prometheus(small_stats(), "auth:tokens_");
  std::string expected = jwtservice::to_prometheus(small_stats());
  for (auto at = expected.find("jwtservice_"); at != std::string::npos;
       at = expected.find("jwtservice_", at)) {
    expected.replace(at, std::string_view{"jwtservice"}.size(), "auth:tokens_");
    at += std::string_view{"auth:tokens_"}.size();
  }
  EXPECT_EQ(text, expected);
  EXPECT_TRUE(text.ends_with("\nauth:tokens__revocations_total 3\n")) << "the prefix, then _ and the name";
}

TEST(ToPrometheus, PrefixOutsideTheMetricNameGrammarThrows) {
  for (const std::string_view prefix :
       {std::string_view{}, std::string_view{"1abc"}, std::string_view{"a-b"}, std::string_view{"a b"},
        std::string_view{"a.b"}, std::string_view{"caf\xC3\xA9"}, std::string_view{"abc\n"},
        std::string_view{"a{b"}, std::string_view{"a\0b", 3}}) {
    EXPECT_THROW((void)jwtservice::to_prometheus(Stats{}, prefix), InvalidArgument)
        << "prefix of " << prefix.size() << " bytes";
  }
  for (const std::string_view prefix : {"a", "_", ":", "A_b:9", "jwtservice"}) {
    EXPECT_NO_THROW((void)jwtservice::to_prometheus(Stats{}, prefix)) << "prefix \"" << prefix << "\"";
  }
}

TEST(OperationNames, EveryOperationIsNamed) {
  EXPECT_EQ(to_string(Operation::create), "create");
  EXPECT_EQ(to_string(Operation::validate), "validate");
  EXPECT_EQ(to_string(Operation::consume), "consume");
  EXPECT_EQ(to_string(Operation::revoke), "revoke");
  EXPECT_EQ(to_string(Operation::revoke_jti), "revoke_jti");
}

}  // namespace
