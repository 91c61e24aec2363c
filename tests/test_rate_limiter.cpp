// TokenBucket and the service's two limiters: capacity, continuous refill, exact under contention;
// a shared limiter, its fall-back, and its fusion with a store that answers both in one call.
#include "jwtservice/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <latch>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "fake_store.hpp"
#include "token_forge.hpp"

namespace {

using namespace std::chrono_literals;
using jwtservice::Reason;
using jwtservice::TokenBucket;
namespace jt = jwtservice::testing;

int drain(TokenBucket& bucket, std::chrono::nanoseconds at) {
  int n = 0;
  while (bucket.try_acquire(at))
    ++n;
  return n;
}

TEST(TokenBucket, FullBucketHoldsExactlyThePerMinuteLimit) {
  TokenBucket bucket{60};
  EXPECT_EQ(drain(bucket, 1000s), 60);
  EXPECT_FALSE(bucket.try_acquire(1000s));
}

TEST(TokenBucket, RefillsContinuouslyAtLimitOverSixtyPerSecond) {
  TokenBucket bucket{60};  // one token per second
  ASSERT_EQ(drain(bucket, 1000s), 60);
  EXPECT_FALSE(bucket.try_acquire(1000s + 999ms)) << "refilled before a full second";
  EXPECT_TRUE(bucket.try_acquire(1001s));
  EXPECT_FALSE(bucket.try_acquire(1001s));
  EXPECT_EQ(drain(bucket, 1031s), 30) << "30 s refill 30 tokens";
}

TEST(TokenBucket, IdleBucketNeverHoldsMoreThanItsCapacity) {
  TokenBucket bucket{6000};
  ASSERT_EQ(drain(bucket, 10s), 6000);
  EXPECT_EQ(drain(bucket, 10h), 6000) << "an hour of idling refills to capacity, not beyond";
}

TEST(TokenBucket, FractionalRatesRefillProportionally) {
  TokenBucket bucket{6000};  // 100 per second, one every 10 ms
  ASSERT_EQ(drain(bucket, 10s), 6000);
  EXPECT_EQ(drain(bucket, 10s + 250ms), 25);
}

TEST(TokenBucket, OfTwentyThreadsRacingForFiveTokensExactlyFiveWin) {
  for (int round = 0; round < 20; ++round) {
    TokenBucket bucket{5};
    std::atomic<int> winners{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < 20; ++i) {
      threads.emplace_back([&] {
        while (!go)
          std::this_thread::yield();
        if (bucket.try_acquire(500s)) ++winners;
      });
    }
    go = true;
    for (auto& t : threads)
      t.join();
    ASSERT_EQ(winners, 5) << "round " << round;
  }
}

// The per-thread caches (batches borrowed from the global bucket) must not change a count.

TEST(TokenBucket, LargeBucketsLendBatchesAndSmallOnesOneTokenAtATime) {
  EXPECT_EQ(TokenBucket{6000}.batch(), 64);
  EXPECT_EQ(TokenBucket{127}.batch(), 1) << "a small bucket must be the plain GCRA";
}

TEST(TokenBucket, StressManyThreadsWinExactlyCapacityPlusRefillEveryRound) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  constexpr std::int64_t kPerMinute = 60000;  // one token per ms, batches of 64
  constexpr auto kStep = 123456us;            // not a whole number of tokens: 123.456 per round
  TokenBucket bucket{kPerMinute};
  std::atomic<std::chrono::nanoseconds> now{1000s};
  std::atomic<std::int64_t> wins{0};
  std::vector<std::int64_t> wins_by_round;
  std::barrier round_over{kThreads, [&]() noexcept {
                            wins_by_round.push_back(wins.exchange(0));
                            now = now.load() + kStep;
                          }};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < kRounds; ++round) {
        std::int64_t mine = 0;
        while (bucket.try_acquire(now.load()))
          ++mine;
        wins += mine;
        round_over.arrive_and_wait();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  ASSERT_EQ(wins_by_round.size(), static_cast<std::size_t>(kRounds));
  std::int64_t total = 0;
  for (int round = 0; round < kRounds; ++round) {
    total += wins_by_round[round];
    // Tokens earned by the end of round r: capacity plus floor(elapsed / 1 ms).
    const std::int64_t earned = kPerMinute + (std::chrono::nanoseconds{kStep} * round) / 1ms;
    ASSERT_EQ(total, earned) << "round " << round << ": the threads won " << wins_by_round[round]
                             << ", so the bucket gave " << (total > earned ? "more" : "fewer")
                             << " tokens than it held";
  }
}

TEST(TokenBucket, TokensCachedByAnIdleThreadAreReclaimedBeforeARefusal) {
  TokenBucket bucket{6000};
  std::latch took{1};
  std::latch drained{1};
  bool second_try = true;
  std::thread idle{[&] {
    EXPECT_TRUE(bucket.try_acquire(10s));  // borrows a batch, spends one
    took.count_down();
    drained.wait();
    second_try = bucket.try_acquire(10s);
  }};
  took.wait();
  EXPECT_EQ(drain(bucket, 10s), 5999) << "the idle thread's cached tokens were not reclaimed";
  drained.count_down();
  idle.join();
  EXPECT_FALSE(second_try) << "the idle thread still spent a token that had been reclaimed";
}

TEST(TokenBucket, AnIdlePeriodEarnsItsWholeRefillEvenAfterThreadsSpentTheirCaches) {
  TokenBucket bucket{4096};  // lends 64 at a time
  constexpr int kThreads = 8;
  std::latch spent{kThreads};
  std::latch done{1};
  std::vector<std::thread> spenders;
  for (int i = 0; i < kThreads; ++i) {
    spenders.emplace_back([&] {
      for (int n = 0; n < 64; ++n)
        EXPECT_TRUE(bucket.try_acquire(10s));  // borrows one batch and spends all of it
      spent.count_down();
      done.wait();  // stays alive: its (empty) cache is not given back by a thread exit
    });
  }
  spent.wait();
  EXPECT_EQ(drain(bucket, 10s + 1h), 4096)
      << "an hour idle must refill the whole bucket; spent cached tokens withheld their refill";
  done.count_down();
  for (auto& t : spenders)
    t.join();
}

TEST(TokenBucket, AThreadThatExitsGivesItsCacheBack) {
  TokenBucket bucket{6000};
  for (int i = 0; i < 10; ++i)
    std::thread{[&] { EXPECT_TRUE(bucket.try_acquire(10s)); }}.join();
  EXPECT_EQ(drain(bucket, 10s), 5990);
  EXPECT_EQ(drain(bucket, 10s + 20ms), 2) << "the refill after the exits is the plain one";
}

TEST(TokenBucket, ABucketNeverHoldsMoreThanItsCapacityWhileThreadsHoldCaches) {
  // The ideal bucket is full after an hour; the tokens the other threads borrowed and did not
  // spend must not come on top of it.
  TokenBucket bucket{6000};
  std::latch took{4};
  std::latch done{1};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      EXPECT_TRUE(bucket.try_acquire(10s));
      took.count_down();
      done.wait();
    });
  }
  took.wait();
  const int won = drain(bucket, 10s + 1h);
  done.count_down();
  for (auto& t : threads)
    t.join();
  EXPECT_LE(won, 6000) << "more than the capacity at one instant";
  EXPECT_GE(won, 6000 - 4) << "the four spent tokens aside, every cached token must come back";
}

TEST(TokenBucket, SeveralBucketsOnOneThreadKeepTheirOwnCounts) {
  constexpr int kThreads = 6;
  TokenBucket a{6000};
  TokenBucket b{3000};
  TokenBucket c{5};
  std::atomic<int> wins_a{0};
  std::atomic<int> wins_b{0};
  std::atomic<int> wins_c{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      bool more = true;
      while (more) {
        more = false;
        if (a.try_acquire(1s)) ++wins_a, more = true;
        if (b.try_acquire(1s)) ++wins_b, more = true;
        if (c.try_acquire(1s)) ++wins_c, more = true;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wins_a, 6000);
  EXPECT_EQ(wins_b, 3000);
  EXPECT_EQ(wins_c, 5);
}

TEST(TokenBucket, BucketsDestroyedWhileThreadsHoldCachesLeaveTheNextBucketsExact) {
  // A later bucket may reuse the address of a destroyed one: a thread's old cache must never
  // be taken for the new bucket's.
  constexpr int kThreads = 4;
  std::barrier sync{kThreads + 1};
  auto bucket = std::make_unique<TokenBucket>(6000);
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        sync.arrive_and_wait();               // a fresh bucket is ready
        if (bucket->try_acquire(5s)) ++wins;  // borrow a batch, leave it cached
        sync.arrive_and_wait();               // the main thread destroys the bucket and counts
      }
    });
  }
  for (int round = 0; round < 20; ++round) {
    bucket = std::make_unique<TokenBucket>(6000);
    wins = 0;
    sync.arrive_and_wait();
    sync.arrive_and_wait();
    ASSERT_EQ(wins, kThreads) << "round " << round;
    ASSERT_EQ(drain(*bucket, 5s), 6000 - kThreads) << "round " << round;
  }
  bucket.reset();
  for (auto& t : threads)
    t.join();
}

class ServiceRateLimit : public ::testing::Test {
 protected:
  jwtservice::Service make(std::int64_t create_limit, std::int64_t validate_limit) {
    auto config = jt::test_config();
    config.rate_limit_create = create_limit;
    config.rate_limit_validate = validate_limit;
    return jwtservice::Service{
        config, jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                           .clock = [] { return jt::kNow; },
                                           .monotonic_clock = [this] { return mono_.load(); }}};
  }
  /// A service asking `limiter`, its warnings collected in `warnings` from the first call on
  /// (construction's own, such as an unlimited create limit, are dropped).
  template <class Limiter>
  jwtservice::Service with_shared(const jwtservice::Config& config, std::shared_ptr<Limiter> limiter,
                                  std::vector<std::string>& warnings) {
    jwtservice::Service service{config,
                                {.logger =
                                     [&warnings](jwtservice::LogLevel level, std::string_view m) {
                                       if (level == jwtservice::LogLevel::warning) warnings.emplace_back(m);
                                     },
                                 .clock = [] { return jt::kNow; },
                                 .monotonic_clock = [this] { return mono_.load(); },
                                 .rate_limiter = std::move(limiter)}};
    warnings.clear();
    return service;
  }
  std::atomic<std::chrono::nanoseconds> mono_{100s};
};

TEST_F(ServiceRateLimit, CreateBeyondTheLimitThrowsRateLimitExceeded) {
  auto service = make(3, 0);
  for (int i = 0; i < 3; ++i)
    (void)service.criar({.sub = "u"});
  EXPECT_THROW((void)service.criar({.sub = "u"}), jwtservice::RateLimitExceeded);
  try {
    (void)service.criar({.sub = "u"});
  } catch (const jwtservice::TokenCreationError& e) {
    EXPECT_NE(std::string{e.what()}.find("JWTSERVICE_RATELIMIT_CREATE"), std::string::npos) << e.what();
  }
  mono_ = mono_.load() + 20s;  // 3 per minute: one token every 20 s
  EXPECT_NO_THROW((void)service.criar({.sub = "u"}));
}

TEST_F(ServiceRateLimit, InvalidArgumentsDoNotSpendTheCreateBudget) {
  auto service = make(1, 0);
  EXPECT_THROW((void)service.criar({.sub = ""}), jwtservice::InvalidArgument);
  EXPECT_NO_THROW((void)service.criar({.sub = "u"}));
}

TEST_F(ServiceRateLimit, ValidateBeyondTheLimitIsRateLimited) {
  auto service = make(0, 2);
  const auto token = service.criar({.sub = "u"});
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_TRUE(service.validar(token).valid);
  const auto r = service.validar(token);
  EXPECT_EQ(r.reason, Reason::rate_limited);
  EXPECT_EQ(r.status, jwtservice::Status::invalid);
  EXPECT_EQ(service.validar("garbage").reason, Reason::rate_limited) << "step 2 comes before parsing";
  mono_ = mono_.load() + 30s;
  EXPECT_TRUE(service.validar(token).valid);
}

TEST_F(ServiceRateLimit, MissingTokenComesBeforeTheLimitAndSpendsNothing) {
  auto service = make(0, 1);
  EXPECT_EQ(service.validar("").reason, Reason::missing_token);
  EXPECT_EQ(service.validar("  ").reason, Reason::missing_token);
  EXPECT_TRUE(service.validar(service.criar({.sub = "u"})).valid)
      << "the one token was spent by an empty call";
}

TEST_F(ServiceRateLimit, ZeroMeansUnlimitedAndIsLoggedNamingTheKey) {
  std::vector<std::string> warnings;
  auto config = jt::test_config();
  jwtservice::Service service{
      config, jwtservice::ServiceOptions{.logger =
                                             [&](jwtservice::LogLevel level, std::string_view m) {
                                               if (level == jwtservice::LogLevel::warning)
                                                 warnings.emplace_back(m);
                                             },
                                         .monotonic_clock = [this] { return mono_.load(); }}};
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], "JWTSERVICE_RATELIMIT_CREATE=0 (token creation unlimited)");
  EXPECT_EQ(warnings[1], "JWTSERVICE_RATELIMIT_VALIDATE=0 (token validation unlimited)");
  for (int i = 0; i < 10000; ++i)
    ASSERT_NO_THROW((void)service.criar({.sub = "u", .jti = "j"}));
}

TEST_F(ServiceRateLimit, OfTwentyThreadsRacingForFiveValidationsExactlyFiveWin) {
  auto service = make(0, 5);
  const auto token = jt::forge_claims(jt::good_claims());
  std::atomic<int> valid{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&] {
      const auto r = service.validar(token);
      if (r.valid) ++valid;
      if (r.reason == Reason::rate_limited) ++limited;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(valid, 5);
  EXPECT_EQ(limited, 15);
}

/// A shared limiter the tests control: a budget per operation, or a failure.
struct FakeSharedLimiter {
  std::map<std::string, int, std::less<>> budget;
  std::vector<std::pair<std::string, std::int64_t>> calls;
  bool fail = false;
  bool fail_without_std_exception = false;  // as a C library's wrapper might
  bool try_acquire(std::string_view operation, std::int64_t per_minute) {
    calls.emplace_back(std::string{operation}, per_minute);
    if (fail) throw std::runtime_error("limiter unreachable");
    if (fail_without_std_exception) throw 42;  // NOLINT(hicpp-exception-baseclass): the case under test
    auto& left = budget[std::string{operation}];
    return left-- > 0;
  }
};

static_assert(jwtservice::RateLimiter<FakeSharedLimiter>);
static_assert(!jwtservice::RateLimiter<int>);

TEST_F(ServiceRateLimit, ASharedLimiterDecidesWithTheConfiguredLimits) {
  auto limiter = std::make_shared<FakeSharedLimiter>();
  limiter->budget = {{"create", 1}, {"validate", 1}};
  auto config = jt::test_config();
  config.rate_limit_create = 100;
  config.rate_limit_validate = 200;
  jwtservice::Service service{config, jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                                                 .clock = [] { return jt::kNow; },
                                                                 .rate_limiter = limiter}};
  const auto token = service.criar({.sub = "u"});
  EXPECT_THROW((void)service.criar({.sub = "u"}), jwtservice::RateLimitExceeded)
      << "the shared budget is spent";
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited);
  const std::vector<std::pair<std::string, std::int64_t>> expected{
      {"create", 100}, {"create", 100}, {"validate", 200}, {"validate", 200}};
  EXPECT_EQ(limiter->calls, expected);
}

TEST_F(ServiceRateLimit, AFailingSharedLimiterFallsBackToTheLocalBucketAndLogsOnce) {
  auto limiter = std::make_shared<FakeSharedLimiter>();
  limiter->fail = true;
  std::vector<std::string> warnings;
  auto config = jt::test_config();
  config.rate_limit_validate = 2;
  const auto service = with_shared(config, limiter, warnings);
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited) << "the local bucket of 2 still limits";
  EXPECT_EQ(warnings.size(), 1u) << "the limiter failure is logged once, not per call";
}

TEST_F(ServiceRateLimit, ASharedLimiterThrowingANonStandardExceptionFallsBackToo) {
  auto limiter = std::make_shared<FakeSharedLimiter>();
  limiter->fail_without_std_exception = true;
  std::vector<std::string> warnings;
  auto config = jt::test_config();
  config.rate_limit_create = 1;
  const auto service = with_shared(config, limiter, warnings);
  EXPECT_NO_THROW((void)service.criar({.sub = "u"})) << "the local bucket of 1 allows one token";
  EXPECT_THROW((void)service.criar({.sub = "u"}), jwtservice::RateLimitExceeded)
      << "the local bucket must limit";
  ASSERT_EQ(warnings.size(), 1u) << "the limiter failure is logged once";
  EXPECT_NE(warnings[0].find("shared rate limiter failed"), std::string::npos) << "warning: " << warnings[0];
}

TEST_F(ServiceRateLimit, EverySharedLimiterOutageIsLoggedAndEachRecoveryToo) {
  // Only the first outage used to be logged: after a recovery, a second outage went unseen.
  auto limiter = std::make_shared<FakeSharedLimiter>();
  limiter->budget = {{"validate", 1000}};
  std::vector<std::pair<jwtservice::LogLevel, std::string>> logs;
  auto config = jt::test_config();
  config.rate_limit_validate = 1000;
  jwtservice::Service service{
      config, jwtservice::ServiceOptions{.logger = [&](jwtservice::LogLevel level,
                                                       std::string_view m) { logs.emplace_back(level, m); },
                                         .clock = [] { return jt::kNow; },
                                         .monotonic_clock = [this] { return mono_.load(); },
                                         .rate_limiter = limiter}};
  logs.clear();  // construction warns about the unlimited create limit
  const auto token = jt::forge_claims(jt::good_claims());
  auto count = [&](jwtservice::LogLevel level) {
    int n = 0;
    for (const auto& [l, m] : logs)
      n += l == level && m.find("shared rate limiter") != std::string::npos ? 1 : 0;
    return n;
  };
  auto run = [&](int calls) {
    for (int i = 0; i < calls; ++i)
      ASSERT_TRUE(service.validar(token).valid) << "a call was refused while the limits allowed it";
  };
  run(3);
  EXPECT_EQ(logs.size(), 0u) << "a healthy limiter logs nothing";
  limiter->fail = true;
  run(3);
  EXPECT_EQ(count(jwtservice::LogLevel::warning), 1) << "the first outage must be logged once as a warning";
  limiter->fail = false;
  run(3);
  EXPECT_EQ(count(jwtservice::LogLevel::info), 1) << "the recovery must be logged once as info";
  limiter->fail = true;
  run(3);
  EXPECT_EQ(count(jwtservice::LogLevel::warning), 2) << "the second outage must be logged as a warning too";
  limiter->fail = false;
  run(1);
  EXPECT_EQ(count(jwtservice::LogLevel::info), 2) << "the second recovery must be logged as info";
  for (const auto& [level, m] : logs)
    EXPECT_EQ(m.find(token), std::string::npos) << "a log line holds the token";
}

TEST_F(ServiceRateLimit, ZeroLimitNeverAsksTheSharedLimiter) {
  auto limiter = std::make_shared<FakeSharedLimiter>();
  auto service = jwtservice::Service{
      jt::test_config(),
      jwtservice::ServiceOptions{.logger = jwtservice::null_logger(), .rate_limiter = limiter}};
  (void)service.criar({.sub = "u"});
  EXPECT_TRUE(limiter->calls.empty());
}

TEST(RateLimiterHandle, TargetIsTheLimiterOnlyForItsOwnType) {
  auto limiter = std::make_shared<FakeSharedLimiter>();
  const jwtservice::RateLimiterHandle handle{limiter};
  EXPECT_EQ(handle.target<FakeSharedLimiter>(), limiter.get());
  EXPECT_EQ(handle.target<int>(), nullptr);
  EXPECT_EQ(jwtservice::RateLimiterHandle{}.target<FakeSharedLimiter>(), nullptr);
}

/// A store that fuses with a FakeSharedLimiter: its fused check spends the limiter's budget and
/// reads the store's set in one call, counted, or fails on demand.
struct FusingStore : jt::FakeStore {
  std::atomic<int> fused_calls{0};
  std::atomic<bool> fused_fail{false};

  jwtservice::FusedCheck fuse_with(const jwtservice::RateLimiterHandle& limiter) {
    auto* shared = limiter.target<FakeSharedLimiter>();
    if (shared == nullptr) return {};
    return [this, shared](std::string_view operation, std::int64_t, std::string_view jti) {
      ++fused_calls;
      if (fused_fail) throw std::runtime_error("OOM command not allowed");
      if (shared->budget[std::string{operation}]-- <= 0) return jwtservice::FusedVerdict::rate_limited;
      return revoked.contains(jti) ? jwtservice::FusedVerdict::revoked
                                   : jwtservice::FusedVerdict::not_revoked;
    };
  }
};

static_assert(jwtservice::FusingRevocationStore<FusingStore>);
static_assert(!jwtservice::FusingRevocationStore<jt::FakeStore>);

class FusedServiceRateLimit : public ServiceRateLimit {
 protected:
  jwtservice::Service fused(std::int64_t per_minute) {
    limiter_->budget = {{"validate", 1000}};
    auto config = jt::test_config();
    config.rate_limit_validate = per_minute;
    return jwtservice::Service{
        config, jwtservice::ServiceOptions{.logger =
                                               [this](jwtservice::LogLevel level, std::string_view m) {
                                                 if (level >= jwtservice::LogLevel::info)
                                                   logs_.emplace_back(level, m);
                                               },
                                           .revocation_store = store_,
                                           .clock = [] { return jt::kNow; },
                                           .monotonic_clock = [this] { return mono_.load(); },
                                           .rate_limiter = limiter_}};
  }
  int logged(jwtservice::LogLevel level, std::string_view part) const {
    int n = 0;
    for (const auto& [l, m] : logs_)
      n += l == level && m.find(part) != std::string::npos ? 1 : 0;
    return n;
  }

  std::shared_ptr<FusingStore> store_ = std::make_shared<FusingStore>();
  std::shared_ptr<FakeSharedLimiter> limiter_ = std::make_shared<FakeSharedLimiter>();
  std::vector<std::pair<jwtservice::LogLevel, std::string>> logs_;
};

TEST_F(FusedServiceRateLimit, AValidTokenMakesOneFusedCallAndNoOther) {
  auto service = fused(100);
  EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims())).valid);
  EXPECT_EQ(store_->fused_calls, 1);
  EXPECT_EQ(store_->calls, 0) << "is_revoked was asked besides the fused call";
  EXPECT_TRUE(limiter_->calls.empty()) << "the limiter was asked besides the fused call";
  store_->revoked.insert("jti-1");
  const auto r = service.validar(jt::forge_claims(jt::good_claims()));
  EXPECT_EQ(r.reason, Reason::revoked);
  EXPECT_EQ(r.jti, "jti-1");
}

TEST_F(FusedServiceRateLimit, ALocalFailureTakesOnlyTheLimitersTokenAndKeepsItsReason) {
  auto service = fused(100);
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), "not-the-secret-of-this-service-0")).reason,
            Reason::bad_signature);
  EXPECT_EQ(limiter_->calls.size(), 1U) << "the failing token still takes its limiter token";
  EXPECT_EQ(store_->fused_calls, 0);
  EXPECT_EQ(store_->calls, 0);
}

TEST_F(FusedServiceRateLimit, AnEmptySharedBucketAnswersRateLimitedWhateverTheToken) {
  auto service = fused(100);
  limiter_->budget["validate"] = 0;
  store_->revoked.insert("jti-1");
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims())).reason, Reason::rate_limited) << "revoked";
  EXPECT_EQ(service.validar("x.y.z").reason, Reason::rate_limited) << "malformed";
  auto expired = jt::good_claims();
  expired["exp"] = jt::kNow - 1;
  EXPECT_EQ(service.validar(jt::forge_claims(expired)).reason, Reason::rate_limited) << "expired";
}

TEST_F(FusedServiceRateLimit, WhenTheFusedCallFailsTheLimiterDecidesOnItsOwnAndTheStoreIsAsked) {
  auto service = fused(100);
  limiter_->budget["validate"] = 1;
  const auto token = jt::forge_claims(jt::good_claims());
  store_->fused_fail = true;  // e.g. only the store's connections fail (its eviction check)
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_EQ(limiter_->calls.size(), 1U) << "the shared limiter is asked on its own";
  EXPECT_EQ(store_->calls, 1) << "the store's own lookup answers the revocation";
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited)
      << "the empty shared bucket answers, as without fusion";
  EXPECT_EQ(logged(jwtservice::LogLevel::warning, "shared rate limiter failed"), 0)
      << "the limiter answered: nothing of its to log";
}

TEST_F(FusedServiceRateLimit, WhenTheFusedCallAndTheLimiterFailTheLocalBucketDecides) {
  auto service = fused(2);
  const auto token = jt::forge_claims(jt::good_claims());
  store_->fused_fail = true;
  limiter_->fail = true;
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_EQ(store_->calls, 1) << "the store's own lookup answers the revocation";
  store_->revoked.insert("jti-1");
  EXPECT_EQ(service.validar(token).reason, Reason::revoked);
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited) << "the local bucket of 2 is spent";
  EXPECT_EQ(logged(jwtservice::LogLevel::warning, "limiter unreachable"), 1) << "the outage is logged once";
  store_->fused_fail = false;
  limiter_->fail = false;
  EXPECT_EQ(service.validar(token).reason, Reason::revoked) << "the fused call answers again";
  EXPECT_EQ(logged(jwtservice::LogLevel::info, "answers again"), 1) << "the recovery is logged once";
}

TEST_F(FusedServiceRateLimit, WhenTheFusedCallFailsAndTheStoreTooValidationFailsClosed) {
  auto service = fused(2);
  store_->fused_fail = true;
  store_->fail = true;
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims())).reason, Reason::store_unavailable);
}

TEST_F(FusedServiceRateLimit, ConsumeTakesTheLimiterTokenAndInsertsSeparately) {
  auto service = fused(100);
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.consumir(token).valid);
  EXPECT_EQ(service.consumir(token).reason, Reason::revoked);
  EXPECT_EQ(store_->fused_calls, 0) << "consume keeps its own atomic insert";
  EXPECT_EQ(limiter_->calls.size(), 2U);
}

TEST_F(FusedServiceRateLimit, WithoutAValidateLimitNothingIsFused) {
  auto service = fused(0);
  EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims())).valid);
  EXPECT_EQ(store_->fused_calls, 0);
  EXPECT_EQ(store_->calls, 1);
  EXPECT_TRUE(limiter_->calls.empty());
}

}  // namespace
