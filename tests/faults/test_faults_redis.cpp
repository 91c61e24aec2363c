// Redis on a bad day: each fault of docs/stores-and-faults.md, against a real redis-server of
// the test's own (paused, killed, out of memory, a replica, evicting, refusing INFO, a wrong
// password) or a fake one written here (silent, dripping, garbage, huge replies). The store
// fails closed within its command timeout; the rate limiter fails open to its local bucket, also
// when the two are fused into one command per validation.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fault_support.hpp"
#include "loopback_listener.hpp"
#include "raw_redis.hpp"
#include "redis_server.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Reason;
using jwtservice::RedisOptions;
using jwtservice::RedisRateLimiter;
using jwtservice::RedisRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

constexpr auto kTimeout = 300ms;

/// What the fake server does with every command but PING and INFO (which it answers like a
/// healthy server with no maxmemory, so that connections open).
enum class Fault { silent, drip, garbage, huge_bulk, huge_array };

/// A fake Redis on 127.0.0.1 and a free port, served by one thread; counts the bytes of its
/// faulty replies that the client took before hanging up.
class FakeRedis {
 public:
  explicit FakeRedis(Fault fault) : fault_(fault) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeRedis() {
    stop_ = true;
    thread_.join();
  }
  FakeRedis(const FakeRedis&) = delete;
  FakeRedis& operator=(const FakeRedis&) = delete;

  [[nodiscard]] std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(listener_.port()) + "/0";
  }
  [[nodiscard]] std::size_t faulty_bytes_sent() const { return sent_.load(); }

 private:
  /// Waits up to 50 ms for `events` on `fd`: the server thread checks stop_ at least that often.
  static bool ready(int fd, short events) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, 50) == 1;
  }

  void serve() {
    while (!stop_) {
      if (!ready(listener_.fd(), POLLIN)) continue;
      const int fd = ::accept(listener_.fd(), nullptr, nullptr);
      if (fd < 0) continue;
      handle(fd);  // one client at a time: the tests use a pool of one
      ::close(fd);
    }
  }

  /// Reads one whole RESP command; returns its first word upper-cased ("" when the client left).
  std::string read_command(int fd, std::string& pending) {
    for (;;) {
      std::size_t pos = 0;
      std::vector<std::string> words;
      if (parse(pending, pos, words)) {
        pending.erase(0, pos);
        std::string first = words.empty() ? "" : words[0];
        for (char& c : first)
          c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return first;
      }
      if (stop_) return "";
      if (!ready(fd, POLLIN)) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) return "";
      pending.append(buffer, static_cast<std::size_t>(n));
    }
  }

  static bool parse(const std::string& in, std::size_t& pos, std::vector<std::string>& words) {
    auto line = [&](std::string& out) {
      const auto end = in.find("\r\n", pos);
      if (end == std::string::npos) return false;
      out = in.substr(pos, end - pos);
      pos = end + 2;
      return true;
    };
    std::string header;
    if (!line(header) || header.empty() || header[0] != '*') return false;
    const long count = std::stol(header.substr(1));
    for (long i = 0; i < count; ++i) {
      std::string len;
      if (!line(len)) return false;
      const auto n = static_cast<std::size_t>(std::stol(len.substr(1)));
      if (in.size() < pos + n + 2) return false;
      words.push_back(in.substr(pos, n));
      pos += n + 2;
    }
    return true;
  }

  /// Sends all of `data`; false once the client has gone (or the test ends).
  bool send_all(int fd, std::string_view data, bool faulty) {
    while (!data.empty()) {
      if (stop_) return false;
      if (!ready(fd, POLLOUT)) continue;
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      if (faulty) sent_ += static_cast<std::size_t>(n);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// True while the client has not hung up (checked without consuming its bytes).
  static bool client_there(int fd) {
    char byte = 0;
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
  }

  void handle(int fd) {
    std::string pending;
    for (;;) {
      const std::string command = read_command(fd, pending);
      if (command.empty()) return;
      if (command == "PING") {
        if (!send_all(fd, "+PONG\r\n", false)) return;
        continue;
      }
      if (command == "INFO") {
        const std::string info = "# Memory\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n";
        if (!send_all(fd, "$" + std::to_string(info.size()) + "\r\n" + info + "\r\n", false)) return;
        continue;
      }
      switch (fault_) {
        case Fault::silent:
          while (!stop_ && client_there(fd))
            std::this_thread::sleep_for(20ms);  // the fake server's own pace, not the test's
          return;
        case Fault::drip: {
          // A valid reply, one byte every 0.2 s (each read well within the timeout): 24 bytes take 4.8 s.
          for (const char c : std::string_view{":000000000000000000001\r\n"}) {
            if (!send_all(fd, std::string_view{&c, 1}, true)) return;
            for (int i = 0; i < 4 && !stop_; ++i)
              std::this_thread::sleep_for(50ms);
          }
          continue;
        }
        case Fault::garbage:
          if (!send_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", true)) return;
          continue;
        case Fault::huge_bulk: {
          constexpr std::size_t kBytes = std::size_t{128} << 20;
          if (!send_all(fd, "$" + std::to_string(kBytes) + "\r\n", true)) return;
          const std::string chunk(std::size_t{1} << 16, 'x');
          for (std::size_t done = 0; done < kBytes; done += chunk.size()) {
            if (!send_all(fd, chunk, true)) return;
          }
          return;
        }
        case Fault::huge_array: {
          if (!send_all(fd, "*2000000000\r\n", true)) return;
          std::string chunk;
          for (int i = 0; i < 16384; ++i)
            chunk += ":1\r\n";
          for (std::size_t done = 0; done < (std::size_t{64} << 20); done += chunk.size()) {
            if (!send_all(fd, chunk, true)) return;
          }
          return;
        }
      }
    }
  }

  Fault fault_;
  jt::LoopbackListener listener_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> sent_{0};
  std::thread thread_;
};

RedisOptions fast_options() {
  return RedisOptions{.command_timeout = kTimeout, .reconnect_backoff = 0ms, .pool_size = 1};
}

jwtservice::Service service_on(std::shared_ptr<RedisRevocationStore> store) {
  return jwtservice::Service{
      jt::test_config(),
      jwtservice::ServiceOptions{.logger = jwtservice::null_logger(), .revocation_store = std::move(store)}};
}

/// The store fails closed, and within twice its command timeout plus slack.
void expect_fails_closed_quickly(RedisRevocationStore& store, std::string_view expected_in_message = {}) {
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)store.is_revoked("j");
    ADD_FAILURE() << "the store answered";
  } catch (const StoreError& e) {
    if (!expected_in_message.empty()) {
      EXPECT_NE(std::string{e.what()}.find(expected_in_message), std::string::npos) << e.what();
    }
  }
  EXPECT_LT(jt::seconds_since(start), 2.0) << "the command timeout did not bound the whole reply";
}

// --- fake servers ------------------------------------------------------------------------------------

TEST(RedisFaults, AServerThatNeverAnswersFailsClosedWithinTheTimeout) {
  const FakeRedis fake{Fault::silent};
  RedisRevocationStore store{fake.url(), fast_options()};
  expect_fails_closed_quickly(store, "timed out");
}

TEST(RedisFaults, ADrippingReplyIsCutAtTheCommandTimeout) {
  const FakeRedis fake{Fault::drip};
  RedisRevocationStore store{fake.url(), fast_options()};
  expect_fails_closed_quickly(store, "timed out");
  auto svc = service_on(std::make_shared<RedisRevocationStore>(fake.url(), fast_options()));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(svc.validar(svc.criar({.sub = "u"})).reason, Reason::store_unavailable);
  EXPECT_LT(jt::seconds_since(start), 2.0);
}

TEST(RedisFaults, AGarbageReplyFailsClosed) {
  const FakeRedis fake{Fault::garbage};
  RedisRevocationStore store{fake.url(), fast_options()};
  expect_fails_closed_quickly(store, "protocol error");
}

TEST(RedisFaults, AHugeBulkReplyIsCutAtTheSizeCap) {
  const FakeRedis fake{Fault::huge_bulk};
  RedisRevocationStore store{fake.url(), {.command_timeout = 5s, .reconnect_backoff = 0ms, .pool_size = 1}};
  expect_fails_closed_quickly(store, "larger than the cap");
  // What the kernel buffers on both sides still gets through, but nothing like 128 MiB.
  EXPECT_LT(fake.faulty_bytes_sent(), std::size_t{32} << 20) << "the client kept reading a huge reply";
}

TEST(RedisFaults, AHugeDeclaredArrayIsRefusedBeforeItIsAllocated) {
  const FakeRedis fake{Fault::huge_array};
  RedisRevocationStore store{fake.url(), {.command_timeout = 5s, .reconnect_backoff = 0ms, .pool_size = 1}};
  expect_fails_closed_quickly(store, "array elements");
  EXPECT_LT(fake.faulty_bytes_sent(), std::size_t{32} << 20) << "the client kept reading a huge array";
}

TEST(RedisFaults, TheRateLimiterFailsWithinTheTimeoutAndTheServiceFallsBackToItsLocalBucket) {
  const FakeRedis fake{Fault::drip};
  auto limiter = std::make_shared<RedisRateLimiter>(fake.url(), fast_options());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)limiter->try_acquire("validate", 10), StoreError);
  EXPECT_TRUE(limiter->degraded());
  EXPECT_LT(jt::seconds_since(start), 2.0);
  auto config = jt::test_config();
  config.rate_limit_validate = 10;
  const jwtservice::Service service{config, {.logger = jwtservice::null_logger(), .rate_limiter = limiter}};
  const auto again = std::chrono::steady_clock::now();
  EXPECT_NE(service.validar("x.y.z").reason, jwtservice::Reason::rate_limited)
      << "limits fail open to the local bucket";
  EXPECT_LT(jt::seconds_since(again), 2.0);
}

// --- real servers ----------------------------------------------------------------------------------

class RedisServerFaults : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.running()) << server_.error(); }
  std::shared_ptr<RedisRevocationStore> open(RedisOptions options = fast_options()) {
    options.prefix = jt::unique_redis_prefix();
    return std::make_shared<RedisRevocationStore>(server_.url(), options, jwtservice::null_logger());
  }
  jt::RedisServer server_;
};

TEST_F(RedisServerFaults, APausedServerFailsClosedWithinTheTimeoutAndIsUsedAgainWhenResumed) {
  auto store = open();
  auto svc = service_on(store);
  const auto token = svc.criar({.sub = "u"});
  ASSERT_TRUE(svc.validar(token).valid);
  server_.pause();  // SIGSTOP: the kernel still accepts, nothing answers
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(svc.validar(token).reason, Reason::store_unavailable);
  EXPECT_THROW((void)svc.revogar(token), StoreError);
  EXPECT_LT(jt::seconds_since(start), 3.0);
  server_.resume();
  EXPECT_TRUE(svc.validar(token).valid);
}

TEST_F(RedisServerFaults, AServerKilledHardAndRestartedIsUsedAgain) {
  auto store = open();
  auto svc = service_on(store);
  const auto token = svc.criar({.sub = "u"});
  ASSERT_TRUE(svc.validar(token).valid);
  server_.kill_hard();
  EXPECT_EQ(svc.validar(token).reason, Reason::store_unavailable);
  EXPECT_THROW((void)svc.revogar(token), StoreError);
  ASSERT_TRUE(server_.start()) << server_.error();
  EXPECT_TRUE(svc.validar(token).valid) << "the same store reconnects by itself";
  EXPECT_TRUE(svc.revogar(token));
  EXPECT_EQ(svc.validar(token).reason, Reason::revoked);
}

TEST_F(RedisServerFaults, AWrongPasswordFailsClosedWithoutShowingIt) {
  jt::RedisServer secured{{"--requirepass", "right-password-for-tests"}};
  ASSERT_TRUE(secured.running()) << secured.error();
  RedisRevocationStore store{secured.url(0, "wrong-password-for-tests"), fast_options(),
                             jwtservice::null_logger()};
  try {
    (void)store.is_revoked("j");
    FAIL() << "a wrong password was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("AUTH"), std::string::npos) << e.what();
    EXPECT_EQ(std::string{e.what()}.find("wrong-password"), std::string::npos) << "the password leaked";
  }
}

TEST(RedisOutOfMemory, WithNoevictionARevocationFailsClosedAndValidationGoesOn) {
  jt::RedisServer server{{"--maxmemory", "4mb", "--maxmemory-policy", "noeviction"}};
  ASSERT_TRUE(server.running()) << server.error();
  auto store =
      std::make_shared<RedisRevocationStore>(server.url(), fast_options(), jwtservice::null_logger());
  auto svc = service_on(store);
  const auto token = svc.criar({.sub = "u"});
  ASSERT_TRUE(svc.validar(token).valid) << "maxmemory with noeviction is accepted";
  jt::RawRedis raw{server.port()};
  // Memory full: maxmemory below what the server already uses. (Filling 4 MB with writes until
  // one is refused was racy: the server's cron shrinks client buffers every 10 ms at --hz 100,
  // and the few bytes it frees let the next small write through.)
  ASSERT_EQ(raw.text({"CONFIG", "SET", "maxmemory", "1"}), "OK");
  ASSERT_NE(raw.text({"SET", "tiny", "x"}).find("OOM"), std::string::npos) << "memory is not full";
  try {
    (void)svc.revogar(token);
    FAIL() << "a revocation was reported stored by a full server";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("OOM"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)svc.consumir(token), StoreError);
  EXPECT_TRUE(svc.validar(token).valid) << "reads still work on a full server";
}

TEST(RedisReplica, WritesToAReplicaFailClosed) {
  jt::RedisServer primary;
  ASSERT_TRUE(primary.running()) << primary.error();
  jt::RedisServer replica{{"--replicaof", "127.0.0.1", std::to_string(primary.port())}};
  ASSERT_TRUE(replica.running()) << replica.error();
  auto store =
      std::make_shared<RedisRevocationStore>(replica.url(), fast_options(), jwtservice::null_logger());
  auto svc = service_on(store);
  const auto token = svc.criar({.sub = "u"});
  try {
    (void)svc.revogar(token);
    FAIL() << "a replica took a revocation";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("READONLY"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)svc.consumir(token), StoreError);
}

// --- eviction ------------------------------------------------------------------------------------

/// Collects what a logger receives.
struct Messages {
  std::mutex mutex;
  std::vector<std::string> lines;
  jwtservice::Logger logger() {
    return [this](jwtservice::LogLevel level, std::string_view message) {
      if (level < jwtservice::LogLevel::warning) return;
      const std::lock_guard lock{mutex};
      lines.emplace_back(message);
    };
  }
};

class RedisEviction : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.running()) << server_.error(); }
  jt::RedisServer server_{{"--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru"}};
};

TEST_F(RedisEviction, AServerThatMayEvictIsRefusedWithAMessageSayingWhatToSet) {
  auto store =
      std::make_shared<RedisRevocationStore>(server_.url(), fast_options(), jwtservice::null_logger());
  try {
    (void)store->is_revoked("j");
    FAIL() << "a server that may evict revocations was used";
  } catch (const StoreError& e) {
    const std::string what = e.what();
    for (const char* part :
         {"maxmemory", "allkeys-lru", "maxmemory-policy noeviction", "JWTSERVICE_REDIS_ALLOW_EVICTION=1"}) {
      EXPECT_NE(what.find(part), std::string::npos) << part << " missing from: " << what;
    }
  }
  auto svc = service_on(store);
  const auto token = svc.criar({.sub = "u"});
  EXPECT_EQ(svc.validar(token).reason, Reason::store_unavailable);
  EXPECT_THROW((void)svc.revogar(token), StoreError);

  jt::RawRedis{server_.port()}.text({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  EXPECT_TRUE(svc.validar(token).valid) << "the next connection sees the policy fixed";
}

TEST_F(RedisEviction, AllowedEvictionWorksAndWarnsOncePerConnection) {
  Messages messages;
  RedisOptions options = fast_options();
  options.allow_eviction = true;
  RedisRevocationStore store{server_.url(), options, messages.logger()};
  EXPECT_TRUE(store.revoke("j", 60, {}));
  EXPECT_TRUE(store.is_revoked("j"));
  EXPECT_FALSE(store.is_revoked("k"));
  ASSERT_EQ(messages.lines.size(), 1U);
  EXPECT_NE(messages.lines[0].find("allkeys-lru"), std::string::npos) << messages.lines[0];
}

TEST_F(RedisEviction, TheConfigKeyAllowsEvictionForAConfigBuiltStore) {
  const auto config = jwtservice::load_token_config_from_dict({{"SECRET_KEY", std::string{jt::kSecret}},
                                                               {"JWTSERVICE_REDIS_URL", server_.url()},
                                                               {"JWTSERVICE_REDIS_ALLOW_EVICTION", "1"}});
  EXPECT_TRUE(config.redis_allow_eviction);
  Messages messages;
  RedisRevocationStore allowed{config, fast_options(), messages.logger()};
  EXPECT_NO_THROW((void)allowed.is_revoked("j"));
  EXPECT_EQ(messages.lines.size(), 1U);

  auto refusing = config;
  refusing.redis_allow_eviction = false;
  RedisRevocationStore refused{refusing, fast_options(), jwtservice::null_logger()};
  EXPECT_THROW((void)refused.is_revoked("j"), StoreError);
}

TEST_F(RedisEviction, TheRateLimiterIsNotAffected) {
  RedisRateLimiter limiter{server_.url(), fast_options()};
  EXPECT_TRUE(limiter.try_acquire("validate", 10));
  EXPECT_FALSE(limiter.degraded()) << "the limiter fails open by design and ignores eviction";
}

TEST(RedisInfoRefused, ARefusedInfoFailsClosedAndSaysSo) {
  jt::RedisServer server;
  ASSERT_TRUE(server.running()) << server.error();
  jt::RawRedis raw{server.port()};
  ASSERT_EQ(
      raw.text({"ACL", "SETUSER", "limited", "on", ">limited-password-for-tests", "~*", "+@all", "-info"}),
      "OK");
  RedisRevocationStore store{
      "redis://limited:limited-password-for-tests@127.0.0.1:" + std::to_string(server.port()), fast_options(),
      jwtservice::null_logger()};
  try {
    (void)store.is_revoked("j");
    FAIL() << "used without knowing the eviction policy";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("INFO memory was refused"), std::string::npos) << e.what();
    EXPECT_EQ(std::string{e.what()}.find("limited-password"), std::string::npos) << "the password leaked";
  }
}

// --- fused: the store and the limiter in one command per validation ---------------------------------

/// A service whose store and limiter share one server (so each validation is one fused script),
/// with a validate limit of 3, a local bucket that never refills (the monotonic clock stands
/// still) and its log kept.
class RedisFusedFaults : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.running()) << server_.error(); }

  jwtservice::Service fused_service() {
    auto config = jt::test_config();
    config.rate_limit_validate = 3;
    RedisOptions options = fast_options();
    options.prefix = prefix_;
    store_ = std::make_shared<RedisRevocationStore>(server_.url(), options, jwtservice::null_logger());
    return jwtservice::Service{
        config,
        {.logger = messages_.logger(),
         .revocation_store = store_,
         .clock = [] { return jt::kNow; },
         .monotonic_clock = [] { return std::chrono::nanoseconds{std::chrono::hours(1)}; },
         .rate_limiter = std::make_shared<RedisRateLimiter>(server_.url(), options)}};
  }
  int warnings_containing(std::string_view part) {
    const std::lock_guard lock{messages_.mutex};
    return static_cast<int>(
        std::count_if(messages_.lines.begin(), messages_.lines.end(),
                      [&](const std::string& l) { return l.find(part) != std::string::npos; }));
  }

  jt::RedisServer server_;
  std::string prefix_ = jt::unique_redis_prefix();
  std::shared_ptr<RedisRevocationStore> store_;
  Messages messages_;
};

TEST_F(RedisFusedFaults, OutOfMemoryFallsBackToTheLocalBucketAndExistsAndAnswersCorrectly) {
  const auto service = fused_service();
  const auto token = jt::forge_claims(jt::good_claims());
  auto revoked_claims = jt::good_claims();
  revoked_claims["jti"] = "jti-revoked";
  const auto revoked = jt::forge_claims(revoked_claims);
  ASSERT_TRUE(store_->revoke("jti-revoked", 600, {}));
  ASSERT_TRUE(service.validar(token).valid) << "fused, before memory is full";

  // noeviction (the default policy) with maxmemory below what the server already uses: every
  // write is refused with OOM, reads still work. Set on the test's own server.
  jt::RawRedis raw{server_.port()};
  ASSERT_EQ(raw.text({"CONFIG", "SET", "maxmemory", "1"}), "OK");
  ASSERT_NE(raw.text({"SET", "probe", "x"}).find("OOM"), std::string::npos) << "writes are not refused yet";
  jt::RedisMonitor monitor{server_.port()};

  EXPECT_TRUE(service.validar(token).valid) << "the local bucket and EXISTS answer";
  const auto commands = monitor.take();
  // The fused script, refused; the limiter's own (EVALSHA, and EVAL if the server had not
  // loaded it yet), refused too; then EXISTS.
  ASSERT_GE(commands.size(), 3U) << "the fused script, the limiter's own, then EXISTS";
  ASSERT_LE(commands.size(), 4U) << "the fused script, the limiter's own, then EXISTS";
  EXPECT_EQ(commands.front()[0], "EVALSHA");
  for (std::size_t i = 1; i + 1 < commands.size(); ++i)
    EXPECT_TRUE(commands[i][0] == "EVALSHA" || commands[i][0] == "EVAL")
        << "command " << i << ": " << commands[i][0];
  EXPECT_EQ(commands.back()[0], "EXISTS");
  EXPECT_EQ(service.validar(revoked).reason, Reason::revoked) << "revocations are still seen";
  EXPECT_EQ(warnings_containing("OOM"), 1) << "the outage of the shared limit is logged once";
  EXPECT_TRUE(service.validar(token).valid) << "the third token of the local bucket";
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited)
      << "the local bucket of 3 is spent: limits fail open to the local limit, not to unlimited";

  ASSERT_EQ(raw.text({"CONFIG", "SET", "maxmemory", "0"}), "OK");
  (void)monitor.take();
  EXPECT_TRUE(service.validar(token).valid) << "the shared bucket decides again";
  const auto after = monitor.take();
  ASSERT_EQ(after.size(), 1U) << "fused again";
  EXPECT_EQ(after[0][0], "EVALSHA");
}

TEST_F(RedisFusedFaults, WithRedisDownValidationFailsClosedAndTheLimitFallsBackLocally) {
  const auto service = fused_service();
  const auto token = jt::forge_claims(jt::good_claims());
  ASSERT_TRUE(service.validar(token).valid);
  server_.stop();
  EXPECT_EQ(service.validar(token).reason, Reason::store_unavailable) << "revocation fails closed";
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims(), "not-the-secret-of-this-service-0")).reason,
            Reason::bad_signature)
      << "a local reason, the token taken from the local bucket";
  EXPECT_EQ(service.validar(token).reason, Reason::store_unavailable);
  EXPECT_EQ(service.validar(token).reason, Reason::rate_limited) << "the local bucket of 3 is spent";
  EXPECT_EQ(warnings_containing("shared rate limiter failed"), 1) << "the outage is logged once";
  ASSERT_TRUE(server_.start()) << server_.error();
  EXPECT_TRUE(service.validar(token).valid) << "the same service is fused again after a restart";
}

}  // namespace
