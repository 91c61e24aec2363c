// RedisRateLimiter against a redis-server the test starts itself on a free loopback port: one
// exact bucket shared by every limiter and process, the Lua script and its NOSCRIPT fall-back,
// StoreError while Redis is down, and the service's local fall-back (each outage logged once).
#include "jwtservice/redis_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "child_process.hpp"
#include "raw_redis.hpp"
#include "redis_server.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::LogLevel;
using jwtservice::Reason;
using jwtservice::RedisOptions;
using jwtservice::RedisRateLimiter;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

static_assert(jwtservice::RateLimiter<RedisRateLimiter>);

/// Log lines kept for inspection; safe from many threads.
struct CapturedLog {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::pair<LogLevel, std::string>>> lines =
      std::make_shared<std::vector<std::pair<LogLevel, std::string>>>();

  jwtservice::Logger logger() const {
    return [m = mutex, l = lines](LogLevel level, std::string_view message) {
      std::lock_guard lock{*m};
      l->emplace_back(level, std::string{message});
    };
  }
  /// Lines at `level` that contain `part`.
  int count(LogLevel level, std::string_view part = {}) const {
    std::lock_guard lock{*mutex};
    int n = 0;
    for (const auto& [lvl, text] : *lines)
      n += lvl == level && text.find(part) != std::string::npos ? 1 : 0;
    return n;
  }
};

class RedisLimiter : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.running()) << server_.error(); }

  std::shared_ptr<RedisRateLimiter> open(RedisOptions options = {}) {
    options.prefix = prefix_;
    return std::make_shared<RedisRateLimiter>(server_.url(), std::move(options));
  }
  int take(RedisRateLimiter& limiter, int tries, std::int64_t per_minute, std::string_view op = "validate") {
    int taken = 0;
    for (int i = 0; i < tries; ++i)
      taken += limiter.try_acquire(op, per_minute) ? 1 : 0;
    return taken;
  }

  jt::RedisServer server_;
  std::string prefix_ = jt::unique_redis_prefix();
  CapturedLog log_;
  std::atomic<std::chrono::nanoseconds> mono_{std::chrono::hours(1)};
};

TEST_F(RedisLimiter, AFullBucketHoldsExactlyThePerMinuteLimit) {
  auto limiter = open();
  EXPECT_EQ(take(*limiter, 12, 5), 5);
  EXPECT_FALSE(limiter->degraded());
  EXPECT_EQ(log_.count(LogLevel::warning), 0);
}

TEST_F(RedisLimiter, LimitersWithOnePrefixShareOneBudget) {
  auto a = open();
  auto b = open();
  EXPECT_EQ(take(*a, 3, 5), 3);
  EXPECT_EQ(take(*b, 10, 5), 2);
  EXPECT_FALSE(a->try_acquire("validate", 5));
}

TEST_F(RedisLimiter, OperationsAndPrefixesHaveTheirOwnBuckets) {
  auto a = open();
  auto other = std::make_shared<RedisRateLimiter>(server_.url(), RedisOptions{.prefix = prefix_ + "other:"});
  EXPECT_EQ(take(*a, 5, 2, "validate"), 2);
  EXPECT_EQ(take(*a, 5, 2, "create"), 2);
  EXPECT_EQ(take(*other, 5, 2, "validate"), 2);
}

TEST_F(RedisLimiter, TheBucketRefillsAtTheLimitPerMinuteOnTheServersClock) {
  auto limiter = open();
  ASSERT_EQ(take(*limiter, 60, 60), 60);
  ASSERT_FALSE(limiter->try_acquire("validate", 60));
  // Two seconds pass for the bucket: its arrival time (microseconds of the server's TIME) moves
  // back by two refill intervals of one second each. No sleeping, and no client clock involved.
  jt::RawRedis raw{server_.port()};
  const std::string key = limiter->key_for("validate");
  const long long tat = std::stoll(raw.text({"GET", key}));
  ASSERT_EQ(raw.text({"SET", key, std::to_string(tat - 2'000'000), "KEEPTTL"}), "OK");
  EXPECT_EQ(take(*limiter, 5, 60), 2);
}

TEST_F(RedisLimiter, AnIdleBucketKeyExpiresOnceTheBucketIsFullAgain) {
  auto limiter = open();
  ASSERT_TRUE(limiter->try_acquire("validate", 60));  // one token: full again in one second
  jt::RawRedis raw{server_.port()};
  const auto pttl = raw.integer({"PTTL", prefix_ + "ratelimit:validate"});
  EXPECT_GT(pttl, 0);
  EXPECT_LE(pttl, 1000);
}

TEST_F(RedisLimiter, AScriptTheServerForgotIsSentAgain) {
  auto limiter = open();
  ASSERT_TRUE(limiter->try_acquire("validate", 5));
  jt::RawRedis raw{server_.port()};
  ASSERT_EQ(raw.text({"SCRIPT", "FLUSH"}), "OK");
  EXPECT_EQ(take(*limiter, 10, 5), 4) << "NOSCRIPT falls back to EVAL on the same bucket";
  EXPECT_FALSE(limiter->degraded());
}

TEST_F(RedisLimiter, ZeroOrNegativeLimitsAreUnlimitedWithoutACall) {
  server_.stop();
  auto limiter = open();
  EXPECT_TRUE(limiter->try_acquire("validate", 0));
  EXPECT_TRUE(limiter->try_acquire("validate", -1));
  EXPECT_FALSE(limiter->degraded()) << "Redis was not asked";
}

TEST_F(RedisLimiter, ServiceLimitsAreSharedByEveryServiceOnTheServer) {
  auto config = jt::test_config();
  config.rate_limit_validate = 3;
  const jwtservice::Service a{
      config,
      {.logger = jwtservice::null_logger(), .clock = [] { return jt::kNow; }, .rate_limiter = open()}};
  const jwtservice::Service b{
      config,
      {.logger = jwtservice::null_logger(), .clock = [] { return jt::kNow; }, .rate_limiter = open()}};
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(a.validar(token).valid);
  EXPECT_TRUE(b.validar(token).valid);
  EXPECT_TRUE(a.validar(token).valid);
  EXPECT_EQ(b.validar(token).reason, Reason::rate_limited) << "b sees the budget a spent";
  EXPECT_EQ(a.validar(token).reason, Reason::rate_limited);
}

TEST_F(RedisLimiter, ManyThreadsGetExactlyTheLimit) {
  auto limiter = open();
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i)
        taken += limiter->try_acquire("validate", 25) ? 1 : 0;
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(taken, 25);
}

TEST_F(RedisLimiter, WhileRedisIsDownTryAcquireThrowsStoreErrorAndRecoversAfterARestart) {
  auto limiter = open({.reconnect_backoff = 0ms});
  ASSERT_EQ(take(*limiter, 2, 5), 2);
  server_.stop();
  EXPECT_THROW((void)limiter->try_acquire("validate", 5), jwtservice::StoreError);
  EXPECT_TRUE(limiter->degraded());
  ASSERT_TRUE(server_.restart()) << server_.error();  // an empty server: a full shared bucket
  EXPECT_EQ(take(*limiter, 10, 5), 5) << "shared again";
  EXPECT_FALSE(limiter->degraded());
}

/// A service limited through the Redis limiter, its monotonic clock and log in the fixture.
class RedisLimitedService : public RedisLimiter {
 protected:
  jwtservice::Service make(std::int64_t per_minute, jwtservice::Logger logger = {}) {
    auto config = jt::test_config();
    config.rate_limit_validate = per_minute;
    return jwtservice::Service{config,
                               {.logger = logger ? std::move(logger) : log_.logger(),
                                .monotonic_clock = [this] { return mono_.load(); },
                                .rate_limiter = open({.reconnect_backoff = 0ms})}};
  }
  static int allowed(const jwtservice::Service& service, int tries) {
    int n = 0;
    for (int i = 0; i < tries; ++i)
      n += service.validar("x.y.z").reason != Reason::rate_limited ? 1 : 0;
    return n;
  }
};

TEST_F(RedisLimitedService, WhileRedisIsDownTheLocalBucketDecidesAndEachOutageIsLoggedOnce) {
  const auto service = make(5);
  ASSERT_EQ(allowed(service, 2), 2);  // shared
  server_.stop();
  EXPECT_EQ(allowed(service, 10), 5) << "a full local bucket of the same limit";
  EXPECT_EQ(log_.count(LogLevel::warning, "shared rate limiter"), 1) << "logged once, not per call";
  mono_.store(mono_.load() + 12s);  // the local bucket refills on the injected monotonic clock
  EXPECT_EQ(allowed(service, 5), 1);

  ASSERT_TRUE(server_.restart()) << server_.error();  // an empty server: a full shared bucket
  EXPECT_EQ(allowed(service, 10), 5) << "shared again";
  EXPECT_EQ(log_.count(LogLevel::info, "shared rate limiter"), 1) << "the recovery is logged once";
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.integer({"EXISTS", prefix_ + "ratelimit:validate"}), 1) << "the bucket lives in Redis again";

  server_.stop();  // a second outage is logged again
  (void)allowed(service, 1);
  EXPECT_EQ(log_.count(LogLevel::warning, "shared rate limiter"), 2)
      << "every outage is logged, not only the first";
}

TEST_F(RedisLimitedService, AThrowingLoggerChangesNothing) {
  const auto service = make(1, [](LogLevel, std::string_view) { throw std::runtime_error("logger down"); });
  server_.stop();
  EXPECT_EQ(allowed(service, 2), 1);
}

TEST_F(RedisLimiter, FromAConfigTakesItsUrlAndPrefix) {
  auto config = jt::test_config();
  config.redis_url = server_.url();
  config.redis_prefix = prefix_ + "cfg:";
  RedisRateLimiter limiter{config};
  EXPECT_EQ(limiter.key_for("create"), prefix_ + "cfg:ratelimit:create");
  EXPECT_EQ(take(limiter, 3, 2, "create"), 2);
  EXPECT_THROW(RedisRateLimiter{jt::test_config()}, jwtservice::ConfigError);
}

TEST_F(RedisLimiter, TwoProcessesTogetherGetExactlyTheLimit) {
  // 20 per minute refills one token every 3 s: far longer than the children take.
  constexpr int kLimit = 20;
  const auto token = jt::forge_claims(jt::good_claims());
  std::vector<jt::Child> children;
  for (int i = 0; i < 2; ++i) {
    children.push_back(jt::spawn({"redis-validate", server_.url(), prefix_, std::to_string(jt::kNow),
                                  std::to_string(kLimit), std::to_string(kLimit), token}));
  }
  for (const auto& c : children)
    ASSERT_EQ(::write(c.stdin_fd, "g", 1), 1);  // start them together
  int allowed = 0;
  for (const auto& c : children) {
    const std::string out = jt::read_output(c);
    EXPECT_EQ(jt::wait_exit_code(c), 0) << "a child failed or could not reach Redis";
    allowed += out.empty() ? 0 : std::stoi(out);
  }
  EXPECT_EQ(allowed, kLimit);
}

}  // namespace
