// redis+sentinel://: a primary, a replica and three sentinels of the test's own on 127.0.0.1.
// The store asks the sentinels for the primary and confirms it with ROLE; after `kill -9` of the
// primary it follows the failover, a revocation acknowledged with MIN_REPLICAS=1 survives it,
// and an answer is never taken from a replica (docs/redis-in-production.md).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jwtservice/redis_rate_limiter.hpp"
#include "jwtservice/redis_store.hpp"
#include "loopback_listener.hpp"
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
using Clock = std::chrono::steady_clock;

constexpr const char* kService = "jwtservice-test";

/// Polls `done` every 10 ms until it holds or `limit` passes; true when it held.
template <class Done>
bool wait_until(Done&& done, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

/// The port of SERVICE's primary as `sentinel` names it, -1 when it names none.
int primary_port_per(const jt::RedisServer& sentinel) {
  const auto address = jt::RawRedis{sentinel.port()}.array({"SENTINEL", "get-master-addr-by-name", kService});
  return address.size() == 2 ? std::atoi(address[1].c_str()) : -1;
}

/// How many entries `SENTINEL <what> SERVICE` lists on `sentinel` (other sentinels, replicas).
std::size_t listed(const jt::RedisServer& sentinel, const char* what) {
  return jt::RawRedis{sentinel.port()}.array({"SENTINEL", what, kService}).size();
}

/// A stand-in sentinel that names `port` on 127.0.0.1 as the primary of any service, to every
/// connection: what a sentinel that has not yet seen a failover would say.
class LyingSentinel {
 public:
  explicit LyingSentinel(int named_port) : named_port_(named_port) {
    thread_ = std::thread([this] { serve(); });
  }
  ~LyingSentinel() {
    stop_ = true;
    ::shutdown(listener_.fd(), SHUT_RDWR);  // wakes accept()
    thread_.join();
  }
  LyingSentinel(const LyingSentinel&) = delete;
  LyingSentinel& operator=(const LyingSentinel&) = delete;

  [[nodiscard]] int port() const { return listener_.port(); }

 private:
  void serve() {
    const std::string port = std::to_string(named_port_);
    const std::string reply =
        "*2\r\n$9\r\n127.0.0.1\r\n$" + std::to_string(port.size()) + "\r\n" + port + "\r\n";
    while (!stop_) {
      const int client = ::accept(listener_.fd(), nullptr, nullptr);
      if (client < 0) return;
      char request[512];
      pollfd ready{client, POLLIN, 0};  // a client that sends nothing cannot hold the thread
      if (::poll(&ready, 1, 2000) == 1 && ::recv(client, request, sizeof request, 0) > 0) {
        (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
      ::close(client);
    }
  }

  int named_port_;
  jt::LoopbackListener listener_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class RedisSentinel : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(primary_->running()) << primary_->error();
    replica_ = std::make_unique<jt::RedisServer>(std::vector<std::string>{
        "--replicaof", "127.0.0.1", std::to_string(primary_->port()), "--repl-diskless-sync-delay", "0"});
    ASSERT_TRUE(replica_->running()) << replica_->error();
    const std::string config = "sentinel monitor " + std::string{kService} + " 127.0.0.1 " +
                               std::to_string(primary_->port()) + " 2\n" +
                               "sentinel down-after-milliseconds " + kService + " 500\n" +
                               "sentinel failover-timeout " + kService + " 5000\n";
    for (int i = 0; i < 3; ++i) {
      sentinels_.push_back(jt::RedisServer::sentinel(config));
      ASSERT_TRUE(sentinels_.back()->running()) << sentinels_.back()->error();
    }
    // Bounded waits, never fixed sleeps: the replica acknowledges writes, and each sentinel
    // knows the replica and the two other sentinels (they find each other through the primary,
    // every 2 s), so that a failover can reach its quorum.
    jt::RawRedis primary{primary_->port()};
    ASSERT_TRUE(wait_until(
        [&] {
          (void)primary.text({"SET", "ready", "1"});
          return primary.integer({"WAIT", "1", "500"}) == 1;
        },
        20s))
        << "the replica acknowledged no write within 20 s";
    for (const auto& s : sentinels_) {
      ASSERT_TRUE(
          wait_until([&] { return listed(*s, "sentinels") == 2 && listed(*s, "replicas") == 1; }, 30s))
          << "sentinel on port " << s->port() << " did not discover its peers and the replica within 30 s";
    }
  }

  std::string url() const {
    std::string u = "redis+sentinel://";
    for (std::size_t i = 0; i < sentinels_.size(); ++i)
      u += (i > 0 ? "," : "") + std::string{"127.0.0.1:"} + std::to_string(sentinels_[i]->port());
    return u + "/" + kService;
  }

  std::shared_ptr<RedisRevocationStore> store(int min_replicas = 0) {
    RedisOptions options{.command_timeout = 500ms, .reconnect_backoff = 0ms, .min_replicas = min_replicas};
    options.prefix = prefix_;
    return std::make_shared<RedisRevocationStore>(url(), options);
  }

  std::unique_ptr<jt::RedisServer> primary_ =
      std::make_unique<jt::RedisServer>(std::vector<std::string>{"--repl-diskless-sync-delay", "0"});
  std::unique_ptr<jt::RedisServer> replica_;
  std::vector<std::unique_ptr<jt::RedisServer>> sentinels_;
  std::string prefix_ = jt::unique_redis_prefix();
};

TEST_F(RedisSentinel, TheStoreFindsThePrimaryThroughTheSentinels) {
  const auto s = store();
  EXPECT_TRUE(s->revoke("jti-found", 600, {}));
  EXPECT_EQ(jt::RawRedis{primary_->port()}.integer({"EXISTS", prefix_ + "revoked:jti-found"}), 1)
      << "the write went to the primary";
  EXPECT_TRUE(s->is_revoked("jti-found"));
}

TEST_F(RedisSentinel, ARevocationSurvivesKillingThePrimaryAndCallsFollowTheFailover) {
  const auto s = store(/*min_replicas=*/1);
  ASSERT_TRUE(s->revoke("jti-survives", 600, {})) << "acknowledged by the replica before returning";

  const auto killed = Clock::now();
  primary_->kill_hard();
  // Until the sentinels name a new primary every call fails closed; the revocation is never
  // reported missing.
  int failed_calls = 0;
  std::chrono::milliseconds promoted{-1};
  const bool answered = wait_until(
      [&] {
        if (promoted.count() < 0 && primary_port_per(*sentinels_[0]) == replica_->port()) {
          promoted = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
        }
        try {
          EXPECT_TRUE(s->is_revoked("jti-survives")) << "the revocation was lost in the failover";
          return true;
        } catch (const StoreError&) {
          ++failed_calls;
          return false;
        }
      },
      60s);
  ASSERT_TRUE(answered) << "no call succeeded within 60 s of killing the primary";
  const auto first_success = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed);
  std::printf(
      "failover timeline: kill -9 at 0 ms; sentinel 1 names the new primary at %lld ms; first successful "
      "call at %lld ms (%d calls failed closed before)\n",
      static_cast<long long>(promoted.count()), static_cast<long long>(first_success.count()), failed_calls);

  // The new primary serves validation and consumption, with exactly one winner.
  auto config = jt::test_config();
  config.rate_limit_validate = 0;
  jwtservice::ServiceOptions options{.logger = jwtservice::null_logger(), .clock = [] { return jt::kNow; }};
  options.revocation_store = store();
  const jwtservice::Service service{config, std::move(options)};
  auto claims = jt::good_claims();
  claims["jti"] = "jti-survives";
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::revoked);
  claims["jti"] = "jti-consume";
  const auto token = jt::forge_claims(claims);
  EXPECT_TRUE(service.validar(token).valid);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (service.consumir(token).valid) ++winners;
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(winners.load(), 1) << "exactly one consumer wins on the new primary";

  // The limiter follows the same primary.
  RedisOptions limiter_options{.command_timeout = 500ms};
  limiter_options.prefix = prefix_;
  jwtservice::RedisRateLimiter limiter{url(), limiter_options};
  EXPECT_TRUE(limiter.try_acquire("validate", 10)) << "the limiter answered through the new primary";
  EXPECT_EQ(jt::RawRedis{replica_->port()}.integer({"EXISTS", limiter.key_for("validate")}), 1)
      << "its bucket is on the new primary";

  // No replica is left: MIN_REPLICAS=1 refuses to acknowledge.
  EXPECT_THROW((void)s->revoke("jti-alone", 600, {}), StoreError);
}

TEST_F(RedisSentinel, AReplicaNamedByMistakeIsNeverUsed) {
  // A sentinel URL whose service the sentinels do not know fails closed.
  RedisOptions options{.command_timeout = 500ms, .reconnect_backoff = 0ms};
  RedisRevocationStore unknown{
      "redis+sentinel://127.0.0.1:" + std::to_string(sentinels_[0]->port()) + "/nope", options};
  try {
    (void)unknown.is_revoked("j");
    ADD_FAILURE() << "a service the sentinels do not know was used";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("does not know nope"), std::string::npos) << e.what();
  }
  // A sentinel naming the replica: ROLE says slave, and nothing is read from it.
  const LyingSentinel liar{replica_->port()};
  RedisRevocationStore misled{"redis+sentinel://127.0.0.1:" + std::to_string(liar.port()) + "/" + kService,
                              options};
  try {
    (void)misled.is_revoked("j");
    ADD_FAILURE() << "a read was answered by a replica";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("is not a primary (ROLE: slave)"), std::string::npos) << e.what();
  }
  // Listed first, ahead of the real sentinels, the liar is passed over: its answer fails ROLE,
  // and the next sentinel leads to the primary.
  RedisRevocationStore found{"redis+sentinel://127.0.0.1:" + std::to_string(liar.port()) + "," +
                                 url().substr(std::string_view{"redis+sentinel://"}.size()),
                             options};
  EXPECT_FALSE(found.is_revoked("j")) << "the real primary answered";
  EXPECT_TRUE(found.revoke("jti-past-the-liar", 600, {}));
  EXPECT_EQ(jt::RawRedis{primary_->port()}.integer({"EXISTS", "jwtservice:revoked:jti-past-the-liar"}), 1);
  // A write reaching a replica (READONLY) fails closed; it is not retried into a success.
  RedisRevocationStore on_replica{replica_->url(), options};
  try {
    (void)on_replica.revoke("j", 600, {});
    ADD_FAILURE() << "a replica took a revocation";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("no longer the primary"), std::string::npos) << e.what();
  }
}

/// The command names of `commands` (MONITOR lines), in order.
std::vector<std::string> names_of(const std::vector<std::vector<std::string>>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands)
    names.push_back(c.empty() ? std::string{} : c[0]);
  return names;
}

TEST(RedisSentinelRole, AnErrorReplyIsFollowedByRoleAndADemotedServerIsLeft) {
  jt::RedisServer server;
  ASSERT_TRUE(server.running()) << server.error();
  const LyingSentinel sentinel{server.port()};  // names `server`, the primary until demoted below
  RedisOptions options{.command_timeout = 500ms, .reconnect_backoff = 0ms, .pool_size = 1};
  options.prefix = jt::unique_redis_prefix();
  RedisRevocationStore store{"redis+sentinel://127.0.0.1:" + std::to_string(sentinel.port()) + "/" + kService,
                             options};
  ASSERT_FALSE(store.is_revoked("j")) << "the store reached the primary through the sentinel";
  jt::RawRedis admin{server.port()};
  jt::RedisMonitor monitor{server.port()};
  // MONITOR does not show a command the ACL refused: after the refused EXISTS, only ROLE.
  const std::vector<std::string> role_only{"ROLE"};

  // An error reply from a primary: ROLE confirms it, the connection is kept, and the error is
  // the call's (fails closed).
  ASSERT_EQ(admin.text({"ACL", "SETUSER", "default", "-exists"}), "OK");
  try {
    (void)store.is_revoked("j");
    ADD_FAILURE() << "a refused EXISTS was taken as an answer";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("NOPERM"), std::string::npos) << e.what();
  }
  EXPECT_EQ(names_of(monitor.take()), role_only) << "ROLE did not follow the error reply";
  ASSERT_EQ(admin.text({"ACL", "SETUSER", "default", "+exists"}), "OK");
  EXPECT_FALSE(store.is_revoked("j"));
  EXPECT_EQ(names_of(monitor.take()), std::vector<std::string>{"EXISTS"})
      << "a connection whose ROLE held was not kept";

  // Demoted by hand: REPLICAOF keeps the open connection, which would go on answering reads.
  // The next error reply is followed by ROLE, which says replica: the connection is dropped and
  // a new one refuses the replica; nothing is read from it again.
  ASSERT_EQ(admin.text({"REPLICAOF", "127.0.0.1", "1"}), "OK");  // nothing listens on port 1
  ASSERT_EQ(admin.text({"ACL", "SETUSER", "default", "-exists"}), "OK");
  try {
    (void)store.is_revoked("j");
    ADD_FAILURE() << "an error reply from a demoted server was taken as an answer";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("is not a primary (ROLE: slave)"), std::string::npos) << e.what();
  }
  ASSERT_EQ(admin.text({"ACL", "SETUSER", "default", "+exists"}), "OK");
  EXPECT_THROW((void)store.is_revoked("j"), StoreError) << "a read was answered by the demoted server";
  // ROLE after the error reply, ROLE on the retry's new connection, ROLE on the next call's.
  const std::vector<std::string> names = names_of(monitor.take());
  EXPECT_EQ(std::count(names.begin(), names.end(), "ROLE"), 3) << ::testing::PrintToString(names);
  EXPECT_EQ(std::count(names.begin(), names.end(), "EXISTS"), 0)
      << "EXISTS reached the server after it said it was a replica";
}

TEST(RedisSentinelAuth, SentinelsThatRequireAPasswordGetTheSentinelPassword) {
  constexpr std::string_view kSentinelPassword = "sentinel-secret-hunter2";
  jt::RedisServer primary;
  ASSERT_TRUE(primary.running()) << primary.error();
  const auto sentinel = jt::RedisServer::sentinel("sentinel monitor " + std::string{kService} +
                                                  " 127.0.0.1 " + std::to_string(primary.port()) +
                                                  " 1\nrequirepass " + std::string{kSentinelPassword} + "\n");
  ASSERT_TRUE(sentinel->running()) << sentinel->error();
  const std::string url = "redis+sentinel://127.0.0.1:" + std::to_string(sentinel->port()) + "/" + kService;
  RedisOptions options{.command_timeout = 500ms, .reconnect_backoff = 0ms};
  options.prefix = jt::unique_redis_prefix();
  try {
    (void)RedisRevocationStore{url, options}.is_revoked("j");
    ADD_FAILURE() << "a sentinel that requires a password answered without one";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("NOAUTH"), std::string::npos) << e.what();
  }
  options.sentinel_password = std::string{kSentinelPassword};
  RedisRevocationStore store{url, options};
  EXPECT_TRUE(store.revoke("jti-auth", 600, {}));
  EXPECT_TRUE(store.is_revoked("jti-auth"));
  // From a config too; a wrong password is refused without being shown.
  auto config = jt::test_config();
  config.redis_url = url;
  config.redis_prefix = options.prefix;
  config.redis_sentinel_password = "wrong-password-hunter3";
  try {
    (void)RedisRevocationStore{config}.is_revoked("j");
    ADD_FAILURE() << "a wrong sentinel password was accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string{e.what()}.find("hunter3"), std::string::npos) << "the password is in the message";
  }
}

}  // namespace
