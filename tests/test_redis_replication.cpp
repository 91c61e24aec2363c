// Redis with a replica: RedisOptions::min_replicas / JWTSERVICE_REDIS_MIN_REPLICAS make a
// revocation (and so a consumption) count only once a replica has acknowledged it
// (docs/redis-in-production.md). A primary and a replica of the test's own on 127.0.0.1.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "jwtservice/redis_rate_limiter.hpp"
#include "jwtservice/redis_store.hpp"
#include "raw_redis.hpp"
#include "redis_server.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Reason;
using jwtservice::RedisOptions;
using jwtservice::RedisRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

/// True once the primary lists a replica in state `online`: it has finished its first
/// synchronisation and acknowledges writes (connected alone is not enough).
bool replica_online(int primary_port) {
  return jt::RawRedis{primary_port}.text({"INFO", "replication"}).find("state=online") != std::string::npos;
}

class RedisReplication : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(primary_.running()) << primary_.error();
    replica_ = std::make_unique<jt::RedisServer>(
        std::vector<std::string>{"--replicaof", "127.0.0.1", std::to_string(primary_.port())});
    ASSERT_TRUE(replica_->running()) << replica_->error();
    // Replication starts asynchronously: wait (bounded) until the primary sees the replica online,
    // then until it acknowledges a write (after a diskless synchronisation the primary streams
    // writes only once the replica has sent its first ACK, up to a second later).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!replica_online(primary_.port())) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the replica did not synchronise within 20 s";
      std::this_thread::sleep_for(5ms);
    }
    jt::RawRedis primary{primary_.port()};
    (void)primary.text({"SET", prefix_ + "ready", "1"});
    while (primary.integer({"WAIT", "1", "1000"}) != 1) {  // RawRedis waits 2 s for a reply
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the replica acknowledged no write within 20 s";
    }
  }

  std::shared_ptr<RedisRevocationStore> store(int min_replicas) {
    RedisOptions options{.command_timeout = 500ms, .min_replicas = min_replicas};
    options.prefix = prefix_;
    return std::make_shared<RedisRevocationStore>(primary_.url(), options);
  }

  std::string key(std::string_view jti) const { return prefix_ + "revoked:" + std::string{jti}; }

  // The default waits 5 s for more replicas before a full synchronisation starts.
  jt::RedisServer primary_{{"--repl-diskless-sync-delay", "0"}};
  std::unique_ptr<jt::RedisServer> replica_;
  std::string prefix_ = jt::unique_redis_prefix();
};

TEST_F(RedisReplication, ARevocationAcknowledgedWithOneReplicaIsOnTheReplica) {
  const auto s = store(1);
  ASSERT_TRUE(s->revoke("jti-replicated", 600, {}));
  // WAIT returned only once the replica had the write: no polling needed.
  EXPECT_EQ(jt::RawRedis{replica_->port()}.integer({"EXISTS", key("jti-replicated")}), 1)
      << "revoke returned before the replica acknowledged the write";
  EXPECT_FALSE(s->revoke("jti-replicated", 600, {})) << "a second revocation finds the key";
}

TEST_F(RedisReplication, TooFewReplicasIsAStoreErrorAndTheRevocationStaysOnThePrimary) {
  const auto s = store(2);  // one replica runs: two are required
  try {
    (void)s->revoke("jti-short", 600, {});
    FAIL() << "a revocation acknowledged by 1 of 2 replicas succeeded";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("acknowledged by 1 of the 2 replicas"), std::string::npos) << what;
    EXPECT_NE(what.find("JWTSERVICE_REDIS_MIN_REPLICAS"), std::string::npos) << what;
  }
  EXPECT_EQ(jt::RawRedis{primary_.port()}.integer({"EXISTS", key("jti-short")}), 1)
      << "the failed call's write is on the primary: the safe direction";
  EXPECT_FALSE(s->revoke("jti-short", 600, {})) << "a retried revogar returns false";
}

TEST_F(RedisReplication, WithNoReplicaLeftMinReplicasOneRefusesToAcknowledge) {
  const auto s = store(1);
  replica_->kill_hard();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((void)s->revoke("jti-alone", 600, {}), StoreError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "WAIT is bounded by the command timeout";
  EXPECT_EQ(jt::RawRedis{primary_.port()}.integer({"EXISTS", key("jti-alone")}), 1);
}

TEST_F(RedisReplication, AConsumptionShortOfReplicasFailsAndItsRetryAnswersRevoked) {
  auto config = jt::test_config();
  config.rate_limit_validate = 0;
  const auto s = store(2);
  const jwtservice::Service service{config, {.revocation_store = s, .clock = [] { return jt::kNow; }}};
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_THROW((void)service.consumir(token), StoreError) << "consumed without the replicas required";
  const auto retried = service.consumir(token);
  EXPECT_EQ(retried.reason, Reason::revoked) << "the retry finds the key the failed call wrote";
}

TEST_F(RedisReplication, TheRateLimiterAndValidationNeverWait) {
  auto config = jt::test_config();
  config.redis_url = primary_.url();
  config.redis_prefix = prefix_;
  config.redis_min_replicas = 2;  // more than exist: any WAIT would fail
  const auto s = std::make_shared<RedisRevocationStore>(config);
  const auto limiter = std::make_shared<jwtservice::RedisRateLimiter>(config);
  jwtservice::ServiceOptions options{.clock = [] { return jt::kNow; }};
  options.revocation_store = s;
  options.rate_limiter = limiter;
  const jwtservice::Service service{config, std::move(options)};
  const auto r = service.validar(jt::forge_claims(jt::good_claims()));
  EXPECT_TRUE(r.valid) << "validation writes no revocation and waits for no replica: " << r.reason;
  EXPECT_FALSE(limiter->degraded()) << "the limiter's own writes send no WAIT";
  EXPECT_THROW((void)s->revoke("jti-cfg", 600, {}), StoreError)
      << "the config's MIN_REPLICAS reached the store";
}

}  // namespace
