// rediss://: the Redis store and limiter over TLS to a TLS-only redis-server of the test's own,
// with certificates the test makes (tests/tls_files.hpp). The server is verified or the call
// fails closed; there is no way to skip verification (docs/redis-in-production.md).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "jwtservice/config.hpp"
#include "jwtservice/redis_rate_limiter.hpp"
#include "jwtservice/redis_store.hpp"
#include "redis_server.hpp"
#include "store_fixtures.hpp"
#include "tls_files.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::ConfigError;
using jwtservice::Reason;
using jwtservice::RedisOptions;
using jwtservice::RedisRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

constexpr std::string_view kPassword = "tls-test-password-hunter2";

/// The certificates, made once for the whole file.
const jt::TlsFiles& files() {
  static const jt::TlsFiles f;
  return f;
}

/// A TLS-only server presenting server.crt; `require_client_certificate` makes it ask for one
/// signed by the CA.
std::unique_ptr<jt::RedisServer> tls_server(bool require_client_certificate = false) {
  const auto& f = files();
  return std::make_unique<jt::RedisServer>(
      std::vector<std::string>{"--tls-cert-file", f.path("server.crt"), "--tls-key-file",
                               f.path("server.key"), "--tls-ca-cert-file", f.path("ca.crt"),
                               "--tls-auth-clients", require_client_certificate ? "yes" : "no",
                               "--requirepass", std::string{kPassword}},
      jt::RedisServer::Listen::tls_only);
}

class RedisTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(files().ok()) << files().error();
    ASSERT_TRUE(server_->running()) << server_->error();
  }

  /// rediss:// to the server (or `host` instead of 127.0.0.1), trusting `ca`.
  std::shared_ptr<RedisRevocationStore> store(RedisOptions options, const std::string& host = "127.0.0.1") {
    options.prefix = prefix_;
    options.command_timeout = 2s;
    options.connect_timeout = 2s;
    options.reconnect_backoff = 0ms;
    return std::make_shared<RedisRevocationStore>(url(host), options);
  }

  std::string url(const std::string& host = "127.0.0.1", std::string_view scheme = "rediss") const {
    return std::string{scheme} + "://:" + std::string{kPassword} + "@" + host + ":" +
           std::to_string(server_->port()) + "/0";
  }

  /// `call` throws StoreError whose message holds `phrase` and no secret.
  template <class Call>
  static void expect_refused(Call&& call, std::string_view phrase) {
    try {
      call();
      ADD_FAILURE() << "the call succeeded; expected a StoreError about: " << phrase;
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(phrase), std::string::npos) << what;
      EXPECT_EQ(what.find(kPassword), std::string::npos) << "the password is in the message";
      EXPECT_EQ(what.find("BEGIN"), std::string::npos) << "PEM contents are in the message";
    }
  }

  std::unique_ptr<jt::RedisServer> server_ = tls_server();
  std::string prefix_ = jt::unique_redis_prefix();
};

TEST_F(RedisTls, RevokeAndValidateWorkOverAVerifiedConnection) {
  const auto s = store({.ca_file = files().path("ca.crt")});
  EXPECT_FALSE(s->is_revoked("jti-tls"));
  EXPECT_TRUE(s->revoke("jti-tls", 600, {}));
  EXPECT_TRUE(s->is_revoked("jti-tls"));
  EXPECT_FALSE(s->revoke("jti-tls", 600, {})) << "exactly one revocation wins over TLS too";

  // A service with the store and a limiter on the same TLS server: the fused validation.
  auto config = jt::test_config();
  config.redis_url = url();
  config.redis_prefix = prefix_;
  config.redis_ca_file = files().path("ca.crt");
  auto limiter = std::make_shared<jwtservice::RedisRateLimiter>(config);
  jwtservice::ServiceOptions options{.clock = [] { return jt::kNow; }};
  options.revocation_store = std::make_shared<RedisRevocationStore>(config);
  options.rate_limiter = limiter;
  const jwtservice::Service service{config, std::move(options)};
  auto claims = jt::good_claims();
  EXPECT_TRUE(service.validar(jt::forge_claims(claims)).valid);
  claims["jti"] = "jti-tls";
  EXPECT_EQ(service.validar(jt::forge_claims(claims)).reason, Reason::revoked);
  EXPECT_FALSE(limiter->degraded()) << "the limiter answered over TLS";
}

TEST_F(RedisTls, ThreadsShareTheTlsConnectionPool) {
  // More threads than connections: TLS sessions are handed from thread to thread.
  const auto s = store({.pool_size = 3, .ca_file = files().path("ca.crt")});
  std::atomic<int> won{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 40; ++i) {
        const std::string jti = "jti-" + std::to_string(i);  // every thread races for the same 40
        if (s->revoke(jti, 600, {})) ++won;
        if (!s->is_revoked(jti)) ++wrong;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(won.load(), 40) << "each jti revoked exactly once over TLS";
  EXPECT_EQ(wrong.load(), 0) << "a finished revocation was not seen";
}

TEST_F(RedisTls, TheNameInTheCertificateMayBeGivenWhenTheHostIsAnAddress) {
  const auto s = store({.ca_file = files().path("ca.crt"), .tls_server_name = "redis.test"});
  EXPECT_TRUE(s->revoke("jti-sni", 600, {})) << "redis.test is a DNS SAN of the server's certificate";
}

TEST_F(RedisTls, AnUntrustedCertificateFailsClosed) {
  const auto s = store({.ca_file = files().path("other-ca.crt")});
  expect_refused([&] { (void)s->is_revoked("j"); }, "certificate was refused");
  expect_refused([&] { (void)s->revoke("j", 600, {}); }, "certificate was refused");
  // Through a service: store_unavailable, never valid.
  jwtservice::ServiceOptions options{.clock = [] { return jt::kNow; }};
  options.revocation_store = s;
  const jwtservice::Service service{jt::test_config(), std::move(options)};
  EXPECT_EQ(service.validar(jt::forge_claims(jt::good_claims())).reason, Reason::store_unavailable);
}

TEST_F(RedisTls, ThePrivateCaIsNotTrustedWithoutCaFile) {
  // The system's CAs do not include the test's CA.
  const auto s = store({});
  expect_refused([&] { (void)s->is_revoked("j"); }, "certificate was refused");
}

TEST_F(RedisTls, AWrongHostNameFailsClosed) {
  expect_refused(
      [&] {
        (void)store({.ca_file = files().path("ca.crt"), .tls_server_name = "other.test"})->is_revoked("j");
      },
      "hostname mismatch");
  // `localhost` is not in the certificate (only 127.0.0.1 and redis.test are).
  expect_refused([&] { (void)store({.ca_file = files().path("ca.crt")}, "localhost")->is_revoked("j"); },
                 "hostname mismatch");
  // An address is checked against the IP SANs: 127.0.0.2 is not one.
  expect_refused(
      [&] {
        (void)store({.ca_file = files().path("ca.crt"), .tls_server_name = "127.0.0.2"})->is_revoked("j");
      },
      "IP address mismatch");
}

TEST_F(RedisTls, PlainRedisToATlsPortFailsClosedWithinTheTimeout) {
  RedisOptions options{.connect_timeout = 1s, .command_timeout = 1s};
  options.prefix = prefix_;
  RedisRevocationStore plain{url("127.0.0.1", "redis"), options};
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW((void)plain.is_revoked("j"), StoreError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(RedisTls, TlsToAPlainPortFailsClosed) {
  jt::RedisServer plain_server;
  ASSERT_TRUE(plain_server.running()) << plain_server.error();
  RedisOptions options{.connect_timeout = 1s, .command_timeout = 1s, .ca_file = files().path("ca.crt")};
  RedisRevocationStore s{"rediss://127.0.0.1:" + std::to_string(plain_server.port()), options};
  expect_refused([&] { (void)s.is_revoked("j"); }, "TLS handshake failed");
}

TEST(RedisTlsClientCertificate, AServerThatRequiresOneGetsIt) {
  ASSERT_TRUE(files().ok()) << files().error();
  const auto server = tls_server(/*require_client_certificate=*/true);
  ASSERT_TRUE(server->running()) << server->error();
  const std::string url =
      "rediss://:" + std::string{kPassword} + "@127.0.0.1:" + std::to_string(server->port()) + "/0";
  RedisOptions options{.connect_timeout = 2s, .command_timeout = 2s, .reconnect_backoff = 0ms};
  options.prefix = jt::unique_redis_prefix();
  options.ca_file = files().path("ca.crt");
  EXPECT_THROW((void)RedisRevocationStore(url, options).is_revoked("j"), StoreError)
      << "no client certificate";
  options.cert_file = files().path("stranger.crt");
  options.key_file = files().path("stranger.key");
  EXPECT_THROW((void)RedisRevocationStore(url, options).is_revoked("j"), StoreError)
      << "a client certificate of another CA";
  options.cert_file = files().path("client.crt");
  options.key_file = files().path("client.key");
  RedisRevocationStore s{url, options};
  EXPECT_TRUE(s.revoke("jti-client", 600, {}));
  EXPECT_TRUE(s.is_revoked("jti-client"));
}

TEST(RedisTlsConfiguration, MistakesAreConfigErrorsNamingTheKey) {
  ASSERT_TRUE(files().ok()) << files().error();
  const std::string url = "rediss://127.0.0.1:1";
  auto expect_config_error = [&](const RedisOptions& options, std::string_view key) {
    try {
      RedisRevocationStore s{url, options};
      ADD_FAILURE() << "accepted; expected a ConfigError naming " << key;
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(key), std::string::npos) << what;
      EXPECT_EQ(what.find("BEGIN"), std::string::npos) << "PEM contents are in the message: " << what;
    }
  };
  expect_config_error({.ca_file = files().path("missing.crt")}, "JWTSERVICE_REDIS_CA_FILE");
  expect_config_error({.ca_file = files().path("server.ext")}, "JWTSERVICE_REDIS_CA_FILE");
  expect_config_error({.cert_file = files().path("client.crt")}, "JWTSERVICE_REDIS_KEY_FILE");
  expect_config_error({.key_file = files().path("client.key")}, "JWTSERVICE_REDIS_CERT_FILE");
  expect_config_error({.cert_file = files().path("client.crt"), .key_file = files().path("stranger.key")},
                      "JWTSERVICE_REDIS_KEY_FILE");
  expect_config_error({.cert_file = files().path("client.key"), .key_file = files().path("client.key")},
                      "JWTSERVICE_REDIS_CERT_FILE");
  // An encrypted key is refused at once, never a pass phrase prompt that would block.
  expect_config_error(
      {.cert_file = files().path("client.crt"), .key_file = files().path("client-encrypted.key")},
      "JWTSERVICE_REDIS_KEY_FILE");
  // The same from a Config: each key is read and checked when the store is built.
  auto config = jt::test_config();
  config.redis_url = url;
  config.redis_ca_file = files().path("missing.crt");
  EXPECT_THROW(RedisRevocationStore{config}, ConfigError);
  // A plain redis:// URL does not use them.
  EXPECT_NO_THROW(RedisRevocationStore("redis://127.0.0.1:1", {.ca_file = files().path("missing.crt")}));
}

TEST(RedisTlsConfiguration, ACertificateWithoutItsKeyInAConfigIsRefusedAtLoad) {
  try {
    (void)jwtservice::load_token_config_from_dict(
        {{"SECRET_KEY", std::string{jt::kSecret}}, {"JWTSERVICE_REDIS_CERT_FILE", "/etc/client.crt"}});
    ADD_FAILURE() << "a client certificate without its key was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find("JWTSERVICE_REDIS_KEY_FILE"), std::string::npos) << e.what();
  }
}

TEST(RedisTlsSentinel, RedissSentinelSpeaksTlsToTheSentinelsAndThePrimary) {
  ASSERT_TRUE(files().ok()) << files().error();
  const auto& f = files();
  const std::vector<std::string> tls_args{"--tls-cert-file",    f.path("server.crt"),
                                          "--tls-key-file",     f.path("server.key"),
                                          "--tls-ca-cert-file", f.path("ca.crt"),
                                          "--tls-auth-clients", "no",
                                          "--tls-replication",  "yes"};
  jt::RedisServer primary{tls_args, jt::RedisServer::Listen::tls_only};
  ASSERT_TRUE(primary.running()) << primary.error();
  const auto sentinel = jt::RedisServer::sentinel(
      "sentinel monitor tls-service 127.0.0.1 " + std::to_string(primary.port()) + " 1\n", tls_args,
      jt::RedisServer::Listen::tls_only);
  ASSERT_TRUE(sentinel->running()) << sentinel->error();
  RedisOptions options{.connect_timeout = 2s, .command_timeout = 2s, .reconnect_backoff = 0ms};
  options.prefix = jt::unique_redis_prefix();
  options.ca_file = f.path("ca.crt");
  RedisRevocationStore store{
      "rediss+sentinel://127.0.0.1:" + std::to_string(sentinel->port()) + "/tls-service", options};
  EXPECT_TRUE(store.revoke("jti-tls-sentinel", 600, {}));
  EXPECT_TRUE(store.is_revoked("jti-tls-sentinel"));
  // Plain to the TLS sentinel fails closed.
  RedisRevocationStore plain{
      "redis+sentinel://127.0.0.1:" + std::to_string(sentinel->port()) + "/tls-service", options};
  EXPECT_THROW((void)plain.is_revoked("j"), StoreError);
}

}  // namespace
