// RedisRevocationStore specifics, against a redis-server the test starts itself on a free
// loopback port: the key layout and TTL, AUTH and SELECT, timeouts, outages and
// recovery, what holds across processes, and one command per validation when fused with a
// RedisRateLimiter on the same server (counted with MONITOR). (The typed suite of test_store_conformance.cpp
// runs over this store too.)
#include "jwtservice/redis_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/redis_rate_limiter.hpp"
#include "raw_redis.hpp"
#include "redis_server.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::ConfigError;
using jwtservice::Reason;
using jwtservice::RedisOptions;
using jwtservice::RedisRateLimiter;
using jwtservice::RedisRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

// --- construction -------------------------------------------------------------------------------

TEST(RedisStoreConstruction, NeedsNoServer) {
  // Nothing listens on this port: connections are made on first use, not here.
  EXPECT_NO_THROW(
      RedisRevocationStore("redis://127.0.0.1:" + std::to_string(jt::RedisServer::free_loopback_port())));
}

TEST(RedisStoreConstruction, BadOptionsAreConfigErrors) {
  const std::string url = "redis://127.0.0.1:1";
  EXPECT_THROW(RedisRevocationStore(url, {.connect_timeout = 0ms}), ConfigError);
  EXPECT_THROW(RedisRevocationStore(url, {.command_timeout = -1ms}), ConfigError);
  EXPECT_THROW(RedisRevocationStore(url, {.reconnect_backoff = -1ms}), ConfigError);
  EXPECT_THROW(RedisRevocationStore(url, {.pool_size = 0}), ConfigError);
  EXPECT_THROW(RedisRevocationStore("not a url"), ConfigError);
}

TEST(RedisStoreConstruction, FromAConfigWithoutUrlIsAConfigErrorNamingTheKey) {
  try {
    RedisRevocationStore store{jt::test_config()};
    FAIL() << "built without a URL";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find("JWTSERVICE_REDIS_URL"), std::string::npos) << e.what();
  }
}

TEST(RedisStoreConstruction, FromAConfigWithAMalformedUrlIsAConfigErrorNamingTheKey) {
  auto config = jt::test_config();
  config.redis_url = "redis://:hunter2@127.0.0.1:port";
  try {
    RedisRevocationStore store{config};
    FAIL() << "built with a malformed URL";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find("JWTSERVICE_REDIS_URL"), std::string::npos) << e.what();
    EXPECT_EQ(std::string{e.what()}.find("hunter2"), std::string::npos) << e.what();
  }
}

TEST(RedisStoreConstruction, FromAConfigTakesItsPrefixUnlessTheCodeGivesOne) {
  auto config = jt::test_config();
  config.redis_url = "redis://127.0.0.1:1";
  config.redis_prefix = "app7:";
  const RedisRevocationStore from_config{config};
  EXPECT_EQ(from_config.key_for("j"), "app7:revoked:j") << "the config's prefix when the code gives none";
  const RedisRevocationStore from_code{config, {.prefix = "code:"}};
  EXPECT_EQ(from_code.key_for("j"), "code:revoked:j") << "options given in code win over the config";
}

TEST(RedisStoreConstruction, MinReplicasOutOfRangeIsAConfigError) {
  for (const int bad : {-1, 65}) {
    try {
      const RedisRevocationStore store{"redis://127.0.0.1:1", {.min_replicas = bad}};
      ADD_FAILURE() << "min_replicas = " << bad << " was accepted";
    } catch (const jwtservice::ConfigError& e) {
      EXPECT_NE(std::string{e.what()}.find("min_replicas"), std::string::npos) << e.what();
    }
  }
}

// --- against a server --------------------------------------------------------------------------

class RedisStore : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.running()) << server_.error(); }

  std::shared_ptr<RedisRevocationStore> open(RedisOptions options = {}) {
    options.prefix = prefix_;
    return std::make_shared<RedisRevocationStore>(server_.url(), std::move(options));
  }
  jwtservice::Service service(std::shared_ptr<RedisRevocationStore> store) {
    return jwtservice::Service{
        jt::test_config(),
        jwtservice::ServiceOptions{
            .logger = jwtservice::null_logger(), .revocation_store = std::move(store), .clock = clock_}};
  }

  jt::RedisServer server_;
  std::string prefix_ = jt::unique_redis_prefix();
  jt::FakeClock clock_{jt::kNow};
};

TEST_F(RedisStore, RevokeSetsThePrefixedKeyToTheReasonWithTheGivenTtl) {
  auto store = open();
  ASSERT_TRUE(store->revoke("j1", 120, {.reason = "logout"}));
  jt::RawRedis raw{server_.port()};
  const std::string key = prefix_ + "revoked:j1";
  EXPECT_EQ(store->key_for("j1"), key);
  EXPECT_EQ(raw.text({"GET", key}), "logout");
  EXPECT_EQ(raw.integer({"TTL", key}), 120) << "the expiry is Redis's, with the TTL the service gave";
}

TEST_F(RedisStore, RevokeWithoutAReasonStoresAnEmptyValue) {
  auto store = open();
  ASSERT_TRUE(store->revoke("j2", 60, {}));
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.text({"GET", prefix_ + "revoked:j2"}), "");
  EXPECT_EQ(raw.integer({"TTL", prefix_ + "revoked:j2"}), 60);
}

TEST_F(RedisStore, SecondRevokeNeitherReplacesTheReasonNorExtendsTheTtl) {
  auto store = open();
  ASSERT_TRUE(store->revoke("j", 60, {.reason = "first"}));
  EXPECT_FALSE(store->revoke("j", 600, {.reason = "second"}));
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.text({"GET", prefix_ + "revoked:j"}), "first");
  EXPECT_LE(raw.integer({"TTL", prefix_ + "revoked:j"}), 60);
}

TEST_F(RedisStore, AKeyRedisHasExpiredIsNotRevokedAndCanBeRevokedAgain) {
  auto store = open();
  ASSERT_TRUE(store->revoke("j", 10, {}));
  jt::RawRedis raw{server_.port()};
  ASSERT_EQ(raw.integer({"EXPIRE", prefix_ + "revoked:j", "0"}), 1);  // what Redis does when the TTL passes
  EXPECT_FALSE(store->is_revoked("j"));
  EXPECT_TRUE(store->revoke("j", 10, {}));
  EXPECT_TRUE(store->is_revoked("j"));
}

TEST_F(RedisStore, TtlsBeyondACenturyAreClampedToACentury) {
  auto store = open();
  ASSERT_TRUE(store->revoke("max", INT64_MAX, {}));
  ASSERT_TRUE(store->revoke("century", jwtservice::permanent_ttl, {}));
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.integer({"TTL", prefix_ + "revoked:max"}), jwtservice::permanent_ttl);
  EXPECT_EQ(raw.integer({"TTL", prefix_ + "revoked:century"}), jwtservice::permanent_ttl);
}

TEST_F(RedisStore, NonPositiveTtlMakesNoKey) {
  auto store = open();
  EXPECT_FALSE(store->revoke("j", 0, {}));
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.integer({"EXISTS", prefix_ + "revoked:j"}), 0);
}

TEST_F(RedisStore, ServiceRevocationTtlIsExpMinusNowPlusLeeway) {
  auto store = open();
  auto config = jt::test_config();
  config.leeway = 5;
  const jwtservice::Service service{
      config, {.logger = jwtservice::null_logger(), .revocation_store = store, .clock = clock_}};
  const auto token = service.criar({.sub = "u", .expires_in = 300, .jti = "ttl-jti"});
  ASSERT_TRUE(service.revogar(token));
  jt::RawRedis raw{server_.port()};
  EXPECT_EQ(raw.integer({"TTL", prefix_ + "revoked:ttl-jti"}), 305);
}

TEST_F(RedisStore, DifferentPrefixesDoNotSeeEachOther) {
  auto a = open();
  auto b = std::make_shared<RedisRevocationStore>(server_.url(), RedisOptions{.prefix = prefix_ + "other:"});
  ASSERT_TRUE(a->revoke("j", 60, {}));
  EXPECT_FALSE(b->is_revoked("j"));
  EXPECT_TRUE(b->revoke("j", 60, {}));
}

TEST_F(RedisStore, TwoStoresWithOnePrefixSeeEachOther) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a->revoke("shared", 60, {}));
  EXPECT_TRUE(b->is_revoked("shared"));
  EXPECT_FALSE(b->revoke("shared", 60, {}));
}

TEST_F(RedisStore, TheDatabaseOfTheUrlIsSelected) {
  RedisRevocationStore store{server_.url(3), {.prefix = prefix_}};
  ASSERT_TRUE(store.revoke("in-db-3", 60, {}));
  EXPECT_EQ(jt::RawRedis(server_.port(), 3).integer({"EXISTS", prefix_ + "revoked:in-db-3"}), 1);
  EXPECT_EQ(jt::RawRedis(server_.port(), 0).integer({"EXISTS", prefix_ + "revoked:in-db-3"}), 0);
}

TEST_F(RedisStore, ADatabaseOutOfRangeIsAStoreError) {
  RedisRevocationStore store{server_.url(999)};
  EXPECT_THROW((void)store.is_revoked("j"), StoreError);
}

TEST_F(RedisStore, PingAnswers) { EXPECT_NO_THROW(open()->ping()); }

TEST_F(RedisStore, OnePooledConnectionServesManyThreads) {
  auto store = open({.pool_size = 1});
  std::vector<std::thread> threads;
  std::atomic<int> inserted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const auto jti = std::to_string(t) + "-" + std::to_string(i);
        if (store->revoke(jti, 60, {})) ++inserted;
        if (!store->is_revoked(jti)) ADD_FAILURE() << jti;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(inserted, 200);
}

TEST_F(RedisStore, NothingListeningIsAStoreErrorAndTheServiceFailsClosed) {
  const int port = jt::RedisServer::free_loopback_port();
  auto store = std::make_shared<RedisRevocationStore>("redis://:hunter2@127.0.0.1:" + std::to_string(port));
  try {
    (void)store->is_revoked("j");
    FAIL() << "no server, yet an answer";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << what;
    EXPECT_EQ(what.find("hunter2"), std::string::npos) << "the password leaked: " << what;
  }
  auto svc = service(store);
  const auto token = svc.criar({.sub = "u"});
  const auto r = svc.validar(token);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.reason, Reason::store_unavailable);
  EXPECT_THROW((void)svc.revogar(token), StoreError);
  EXPECT_THROW((void)svc.consumir(token), StoreError);
}

TEST_F(RedisStore, AServerThatDoesNotAnswerTimesOutAsAStoreError) {
  auto store = open({.command_timeout = 200ms});
  ASSERT_FALSE(store->is_revoked("j"));  // a live connection first
  server_.pause();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)store->is_revoked("j"), StoreError);
  const auto took = std::chrono::steady_clock::now() - start;
  server_.resume();
  EXPECT_LT(took, 5s) << "the command timeout did not bound the call";
  EXPECT_FALSE(store->is_revoked("j")) << "a fresh connection once the server answers again";
}

TEST_F(RedisStore, StoppedServerGivesStoreUnavailableAndARestartRecoversWithoutANewService) {
  auto store = open({.reconnect_backoff = 0ms});
  auto svc = service(store);
  const auto token = svc.criar({.sub = "u"});
  const auto revoked = svc.criar({.sub = "u", .jti = "revoked-before"});
  ASSERT_TRUE(svc.validar(token).valid);
  ASSERT_TRUE(svc.revogar(revoked));

  server_.stop();
  for (int i = 0; i < 3; ++i) {
    const auto r = svc.validar(token);
    EXPECT_FALSE(r.valid) << "a store outage must never validate";
    EXPECT_EQ(r.reason, Reason::store_unavailable);
    EXPECT_EQ(svc.validar(revoked).reason, Reason::store_unavailable);
  }
  EXPECT_THROW((void)svc.revogar(token), StoreError);
  EXPECT_THROW((void)svc.consumir(token), StoreError);

  ASSERT_TRUE(server_.restart()) << server_.error();
  EXPECT_TRUE(svc.validar(token).valid) << "the same service reconnects by itself";
  EXPECT_TRUE(svc.consumir(token).valid);
  EXPECT_EQ(svc.validar(token).reason, Reason::revoked);
}

TEST_F(RedisStore, ARestartWhileIdleCostsNoFailedCall) {
  auto store = open({.pool_size = 2});
  ASSERT_FALSE(store->is_revoked("j"));
  ASSERT_TRUE(server_.restart()) << server_.error();
  EXPECT_NO_THROW((void)store->is_revoked("j")) << "a connection cut while idle is replaced and retried";
}

TEST_F(RedisStore, ARestartWhileSeveralConnectionsAreIdleCostsNoFailedCall) {
  jwtservice::detail::RedisConnectionPool pool{jwtservice::RedisUrl::parse(server_.url()),
                                               {.command_timeout = 5s, .pool_size = 4}};
  // Four calls at once, each held 300 ms by the server (BLPOP on an empty list), open four
  // connections; all four are then idle.
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back([&] { (void)pool.command({"BLPOP", "pool-test-empty-list", "0.3"}); });
  }
  for (auto& t : callers)
    t.join();
  {
    jt::RawRedis raw{server_.port()};
    const std::string clients = raw.text({"CLIENT", "LIST"});
    ASSERT_EQ(std::count(clients.begin(), clients.end(), '\n'), 5)
        << "precondition: the pool should hold four idle connections (plus this one)";
  }
  ASSERT_TRUE(server_.restart()) << server_.error();
  for (int call = 1; call <= 4; ++call) {
    EXPECT_NO_THROW(EXPECT_TRUE(pool.command({"PING"}).is_status("PONG")))
        << "call " << call
        << " after the restart failed: a retry took another connection the restart had cut";
  }
}

TEST_F(RedisStore, AfterAFailedConnectNoAttemptIsMadeUntilTheBackoffPasses) {
  auto store = open({.reconnect_backoff = 1h});
  server_.stop();
  EXPECT_THROW((void)store->is_revoked("j"), StoreError);
  ASSERT_TRUE(server_.start()) << server_.error();
  try {
    (void)store->is_revoked("j");
    FAIL() << "connected again inside the back-off";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("not retrying yet"), std::string::npos) << e.what();
  }
}

TEST(RedisStoreAuth, ThePasswordOfTheUrlIsSentWithAuth) {
  jt::RedisServer server{{"--requirepass", "s3cret-for-tests"}};
  ASSERT_TRUE(server.running()) << server.error();
  const std::string prefix = jt::unique_redis_prefix();
  RedisRevocationStore with_password{server.url(0, "s3cret-for-tests"), {.prefix = prefix}};
  EXPECT_TRUE(with_password.revoke("j", 60, {}));
  EXPECT_TRUE(with_password.is_revoked("j"));

  RedisRevocationStore without{server.url(), {.prefix = prefix}};
  EXPECT_THROW((void)without.is_revoked("j"), StoreError) << "NOAUTH is a failure, not an answer";

  RedisRevocationStore wrong{server.url(0, "not-the-password"), {.prefix = prefix}};
  try {
    (void)wrong.is_revoked("j");
    FAIL() << "a wrong password was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("AUTH"), std::string::npos) << e.what();
    EXPECT_EQ(std::string{e.what()}.find("not-the-password"), std::string::npos) << e.what();
  }
}

// --- several processes ----------------------------------------------------------------------------

TEST_F(RedisStore, ARevocationMadeByAnotherProcessIsSeenHere) {
  const auto child = jt::spawn({"redis-revoke", server_.url(), prefix_, "cross-process"});
  EXPECT_EQ(jt::read_output(child), "1\n");
  EXPECT_EQ(jt::wait_exit_code(child), 0);
  auto svc = service(open());
  const auto token = svc.criar({.sub = "u", .jti = "cross-process"});
  const auto r = svc.validar(token);
  EXPECT_EQ(r.reason, Reason::revoked);
  EXPECT_FALSE(svc.revogar(token)) << "already revoked by the other process";
}

TEST_F(RedisStore, OfEightProcessesConsumingOneTokenExactlyOneWins) {
  jwtservice::Service issuer{
      jt::test_config(), jwtservice::ServiceOptions{.logger = jwtservice::null_logger(), .clock = clock_}};
  const auto token = issuer.criar({.action = jwtservice::JWTAction::RESET_PASSWORD, .sub = "u"});
  std::vector<jt::Child> children;
  for (int i = 0; i < 8; ++i) {
    children.push_back(jt::spawn({"redis-consume", server_.url(), prefix_, std::to_string(jt::kNow), token}));
  }
  for (const auto& c : children)
    ASSERT_EQ(::write(c.stdin_fd, "g", 1), 1);  // start them together
  int valid = 0;
  int revoked = 0;
  for (const auto& c : children) {
    const int code = jt::wait_exit_code(c);
    if (code == 0) ++valid;
    if (code == 1) ++revoked;
    EXPECT_LE(code, 1) << "a child failed (exit " << code << ")";
  }
  EXPECT_EQ(valid, 1);
  EXPECT_EQ(revoked, 7);
}

// --- one command per validation: fused with a RedisRateLimiter on the same server ------------------

using Commands = std::vector<std::vector<std::string>>;

/// True when `c` is EVALSHA with `keys` keys: 1 for the limiter's script, 2 for the fused one.
bool is_script(const std::vector<std::string>& c, std::string_view keys) {
  return c.size() > 2 && c[0] == "EVALSHA" && c[2] == keys;
}

/// The commands as one line each, for failure messages.
std::string show(const Commands& commands) {
  std::string out;
  for (const auto& c : commands) {
    out += "\n ";
    for (const auto& word : c)
      out += " " + word.substr(0, 40);
  }
  return out.empty() ? " (none)" : out;
}

/// A service whose store and limiter share the test's server, with the monotonic clock of the
/// local bucket in the fixture and the validate limit given per test.
class RedisFused : public RedisStore {
 protected:
  std::shared_ptr<RedisRateLimiter> limiter(const std::string& url, RedisOptions options = {}) {
    if (options.prefix == RedisOptions{}.prefix) options.prefix = prefix_;
    return std::make_shared<RedisRateLimiter>(url, options);
  }
  jwtservice::Service fused(std::int64_t per_minute, std::shared_ptr<RedisRevocationStore> store,
                            std::shared_ptr<RedisRateLimiter> shared, jwtservice::Observer observer = {}) {
    auto config = jt::test_config();
    config.rate_limit_validate = per_minute;
    return jwtservice::Service{
        config,
        {.logger = jwtservice::null_logger(),
         .revocation_store = std::move(store),
         .clock = clock_,
         .monotonic_clock = [] { return std::chrono::nanoseconds{std::chrono::hours(1)}; },
         .rate_limiter = std::move(shared),
         .observer = std::move(observer)}};
  }
  jwtservice::Service fused(std::int64_t per_minute) {
    return fused(per_minute, open(), limiter(server_.url()));
  }

  /// Opens the connection and loads the script, so that the commands counted afterwards are
  /// those of the steady state (a first call also sends INFO memory, and EVAL for the script).
  void warm_up(const jwtservice::Service& service) {
    (void)service.validar(jt::forge_claims(jt::good_claims()));
    (void)service.validar("bad.signature.x");
    (void)monitor_.take();
  }

  jt::RedisMonitor monitor_{server_.port()};
};

TEST_F(RedisFused, AValidTokenCostsOneCommand) {
  const auto service = fused(1000);
  warm_up(service);
  const auto token = jt::forge_claims(jt::good_claims());
  constexpr int kValidations = 20;
  for (int i = 0; i < kValidations; ++i)
    ASSERT_TRUE(service.validar(token).valid) << "validation " << i;
  const Commands commands = monitor_.take();
  EXPECT_EQ(commands.size(), std::size_t{kValidations})
      << "commands per valid token: " << static_cast<double>(commands.size()) / kValidations
      << show(commands);
  EXPECT_TRUE(std::all_of(commands.begin(), commands.end(), [](const auto& c) { return is_script(c, "2"); }))
      << "each validation is the one fused script" << show(commands);
}

TEST_F(RedisFused, ARevokedTokenIsRefusedInTheSameOneCommand) {
  auto store = open();
  const auto service = fused(1000, store, limiter(server_.url()));
  warm_up(service);
  ASSERT_TRUE(store->revoke("jti-1", 600, {}));
  (void)monitor_.take();
  const auto r = service.validar(jt::forge_claims(jt::good_claims()));
  EXPECT_EQ(r.reason, Reason::revoked);
  EXPECT_EQ(r.jti, "jti-1") << "a revoked token names its jti";
  EXPECT_FALSE(r.sub.has_value()) << "and nothing else";
  const Commands commands = monitor_.take();
  ASSERT_EQ(commands.size(), 1U) << show(commands);
  EXPECT_TRUE(is_script(commands[0], "2")) << show(commands);
}

TEST_F(RedisFused, ATokenFailingALocalCheckCostsOnlyTheLimitersCommandAndKeepsItsReason) {
  const auto service = fused(1000);
  warm_up(service);
  auto expired = jt::good_claims();
  expired["exp"] = jt::kNow - 1;
  auto no_jti = jt::good_claims();
  no_jti.erase("jti");
  auto other_issuer = jt::good_claims();
  other_issuer["iss"] = "someone-else";
  const std::vector<std::pair<std::string, Reason>> cases{
      {jt::forge_claims(jt::good_claims(), "not-the-secret-of-this-service-0"), Reason::bad_signature},
      {"not a token", Reason::invalid},
      {jt::forge_claims(expired), Reason::expired},
      {jt::forge_claims(other_issuer), Reason::invalid_issuer},
      {jt::forge_claims(no_jti), Reason::missing_jti}};
  for (const auto& [token, reason] : cases) {
    EXPECT_EQ(service.validar(token).reason, reason) << to_string(reason);
    const Commands commands = monitor_.take();
    ASSERT_EQ(commands.size(), 1U) << to_string(reason) << show(commands);
    EXPECT_TRUE(is_script(commands[0], "1"))
        << to_string(reason) << ": not the limiter's script" << show(commands);
  }
  EXPECT_EQ(service.validar("   ").reason, Reason::missing_token);
  EXPECT_TRUE(monitor_.take().empty()) << "step 1 comes before the limit and costs nothing";
}

TEST_F(RedisFused, WhenTheSharedBucketIsEmptyEveryTokenIsRateLimitedAndShowsNothing) {
  auto store = open();
  std::mutex mutex;
  std::vector<std::string> subs;
  const auto service = fused(3, store, limiter(server_.url()), [&](const jwtservice::Event& e) {
    const std::lock_guard lock{mutex};
    if (e.reason == Reason::rate_limited) subs.emplace_back(e.sub);
  });
  const auto token = jt::forge_claims(jt::good_claims());
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(service.validar(token).valid) << "validation " << i;
  const auto r = service.validar(token);
  EXPECT_EQ(r.reason, Reason::rate_limited);
  EXPECT_FALSE(r.sub.has_value()) << "a refusal at step 2 shows no claim";
  EXPECT_FALSE(r.jti.has_value());
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), "not-the-secret-of-this-service-0")).reason,
            Reason::rate_limited)
      << "the limiter refusing wins over a local reason";
  ASSERT_TRUE(store->revoke("jti-1", 600, {}));
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited) << "and over revoked";
  const std::lock_guard lock{mutex};
  ASSERT_EQ(subs.size(), 3U);
  for (const auto& sub : subs)
    EXPECT_EQ(sub, "") << "the observer of a refusal at step 2 sees no claim";
}

TEST_F(RedisFused, FusedAndSeparateLimitersDrawOnOneBucket) {
  const auto service = fused(3);
  auto separate = limiter(server_.url());
  const auto token = jt::forge_claims(jt::good_claims());
  ASSERT_TRUE(service.validar(token).valid);
  ASSERT_TRUE(service.validar(token).valid);
  EXPECT_TRUE(separate->try_acquire("validate", 3)) << "the third token of the shared bucket";
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited) << "the fused script spends the same bucket";
}

TEST_F(RedisFused, ManyThreadsValidatingGetExactlyTheLimit) {
  const auto service = fused(25);
  const auto token = jt::forge_claims(jt::good_claims());
  std::atomic<int> valid{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        const auto reason = service.validar(token).reason;
        if (reason == Reason::none) ++valid;
        if (reason == Reason::rate_limited) ++limited;
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(valid.load(), 25);
  EXPECT_EQ(limited.load(), 80 - 25) << "every other answer is rate_limited";
}

TEST_F(RedisFused, ConsumeKeepsItsSeparateAtomicInsert) {
  const auto service = fused(1000);
  warm_up(service);
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_TRUE(service.consumir(token).valid);
  const Commands commands = monitor_.take();
  ASSERT_EQ(commands.size(), 2U) << show(commands);
  EXPECT_TRUE(is_script(commands[0], "1")) << show(commands);
  EXPECT_EQ(commands[1][0], "SET") << "the atomic SET NX of consume" << show(commands);
  EXPECT_EQ(service.consumir(token).reason, Reason::revoked);
  EXPECT_EQ(service.validar(token).reason, Reason::revoked);
}

TEST_F(RedisFused, OnlyTheSameServerDatabaseAndUserFuse) {
  const std::string at = "127.0.0.1:" + std::to_string(server_.port());
  // Nothing here connects: fusing compares where the two would connect.
  auto fuses = [&](const std::string& store_url, const std::string& limiter_url, RedisOptions options = {}) {
    const jwtservice::RevocationStoreHandle store{
        std::make_shared<RedisRevocationStore>(store_url, RedisOptions{.prefix = prefix_})};
    return static_cast<bool>(store.fuse_with(limiter(limiter_url, options)));
  };
  const std::string plain = "redis://" + at;
  EXPECT_TRUE(fuses(plain, plain));
  EXPECT_TRUE(fuses(plain, "REDIS://" + at + "/0")) << "the same target written otherwise";
  EXPECT_TRUE(fuses(plain, plain, {.prefix = prefix_ + "other:"})) << "each keeps its own keys";
  EXPECT_FALSE(fuses(plain, plain + "/1")) << "another database";
  EXPECT_FALSE(fuses(plain, "redis://127.0.0.1:" + std::to_string(server_.port() + 1))) << "another port";
  EXPECT_FALSE(fuses(plain, "redis://localhost:" + std::to_string(server_.port())))
      << "names are not resolved to compare them";
  const std::string with_password = "redis://:a-password-for-tests@" + at;
  EXPECT_TRUE(fuses(with_password, with_password));
  EXPECT_FALSE(fuses(plain, with_password)) << "another password";
  EXPECT_FALSE(fuses(with_password, "redis://someone:a-password-for-tests@" + at)) << "another user";
  const jwtservice::RevocationStoreHandle in_memory{std::make_shared<jwtservice::InMemoryRevocationStore>()};
  EXPECT_FALSE(in_memory.fuse_with(limiter(plain))) << "a store that cannot fuse";
  EXPECT_FALSE(jwtservice::RevocationStoreHandle{open()}.fuse_with({})) << "no limiter";
}

TEST_F(RedisFused, WhenOnlyTheStoresConnectionsFailTheSharedLimiterStillDecides) {
  // The store refuses to open connections to a server that may evict (allow_eviction off);
  // the limiter is not affected. A fused script cannot run, but the shared bucket still must.
  jt::RawRedis raw{server_.port()};
  ASSERT_EQ(raw.text({"CONFIG", "SET", "maxmemory", "64mb"}), "OK");
  ASSERT_EQ(raw.text({"CONFIG", "SET", "maxmemory-policy", "allkeys-lru"}), "OK");
  const auto service = fused(2, open(), limiter(server_.url()));
  auto separate = limiter(server_.url());
  ASSERT_TRUE(separate->try_acquire("validate", 2)) << "the first of the shared bucket's two tokens";
  const auto token = jt::forge_claims(jt::good_claims());
  EXPECT_EQ(service.validar(token).reason, Reason::store_unavailable)
      << "the limiter allows; the revocation check fails closed";
  EXPECT_FALSE(separate->try_acquire("validate", 2)) << "that validation took the shared bucket's last token";
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited)
      << "an empty shared bucket answers rate_limited, as it does without fusion, not store_unavailable";
}

TEST_F(RedisFused, AStoreAndALimiterOnDifferentDatabasesValidateWithTwoCommands) {
  const auto service = fused(1000, open(), limiter(server_.url(1)));
  warm_up(service);
  EXPECT_TRUE(service.validar(jt::forge_claims(jt::good_claims())).valid);
  const Commands commands = monitor_.take();
  ASSERT_EQ(commands.size(), 2U) << show(commands);
  EXPECT_TRUE(is_script(commands[0], "1")) << show(commands);
  EXPECT_EQ(commands[1][0], "EXISTS") << show(commands);
}

}  // namespace
