// jwtservice with Redis, against redis-servers the benchmark starts on free 127.0.0.1 ports:
// - validation through RedisRevocationStore + RedisRateLimiter, fused into one command per
//   validation (both on one server) and separate (two commands: the limiter on another
//   database of the same server, so not fused); counter `commands_per_call`, counted by the
//   server's MONITOR;
// - the fused validation over TLS (rediss://, certificates made with the openssl command);
// - revocation without and with MIN_REPLICAS=1 (WAIT; a replica of the primary).
// Built when the library has Redis (JWTSERVICE_WITH_REDIS); needs redis-server and openssl.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <chrono>

#include "bench_common.hpp"
#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/jwtservice.hpp"
#include "redis_server.hpp"  // tests/: the servers a test (here a benchmark) starts and stops
#include "tls_files.hpp"

namespace bench {
namespace {

using namespace std::chrono_literals;

using jwtservice::Service;

namespace jt = jwtservice::testing;

/// The servers, started by the first benchmark that needs each (on the main thread: every
/// benchmark here runs single-threaded, and a server dies with the thread that started it).
jt::RedisServer& server() {
  static jt::RedisServer s;
  return s;
}

const jt::TlsFiles& tls_files() {
  static const jt::TlsFiles files;
  return files;
}

jt::RedisServer& tls_server() {
  static jt::RedisServer s{
      {"--tls-cert-file", tls_files().path("server.crt"), "--tls-key-file", tls_files().path("server.key"),
       "--tls-ca-cert-file", tls_files().path("ca.crt"), "--tls-auth-clients", "no"},
      jt::RedisServer::Listen::tls_only};
  return s;
}

/// A primary with one replica, in sync (every write acknowledged) once this returns true.
bool replicated_pair(jt::RedisServer*& primary) {
  static jt::RedisServer p{{"--repl-diskless-sync-delay", "0"}};
  static jt::RedisServer replica{{"--replicaof", "127.0.0.1", std::to_string(p.port())}};
  static const bool ready = [] {
    if (!p.running() || !replica.running()) return false;
    jwtservice::detail::RedisConnectionPool pool{jwtservice::RedisUrl::parse(p.url()),
                                                 {.command_timeout = 3s}};
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      try {
        (void)pool.command({"SET", "bench:ready", "1"});
        if (pool.command({"WAIT", "1", "1000"}).integer == 1) return true;
      } catch (const jwtservice::StoreError&) {
        std::this_thread::sleep_for(10ms);  // polling the replica's start, not spinning
      }
    }
    return false;
  }();
  primary = &p;
  return ready;
}

/// Counts the commands clients send to the server, with MONITOR on a socket of its own
/// (a script's own commands, `[db lua]`, are left out: INFO commandstats would count them).
/// MONITOR slows the server down, so it watches a separate pass, never the timed loop.
class CommandCounter {
 public:
  explicit CommandCounter(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        ::send(fd_, "MONITOR\r\n", 9, MSG_NOSIGNAL) != 9) {
      close();
      return;
    }
    // Watching starts with the server's +OK: what other connections send before it is not seen.
    char ok[5];
    std::size_t got = 0;
    while (got < sizeof ok) {
      pollfd p{fd_, POLLIN, 0};
      const ssize_t n = ::poll(&p, 1, 5000) > 0 ? ::recv(fd_, ok + got, sizeof ok - got, 0) : -1;
      if (n <= 0) {
        close();
        return;
      }
      got += static_cast<std::size_t>(n);
    }
    if (std::string_view{ok, sizeof ok} != "+OK\r\n") close();
  }
  ~CommandCounter() { close(); }
  CommandCounter(const CommandCounter&) = delete;
  CommandCounter& operator=(const CommandCounter&) = delete;

  /// The client commands seen since MONITOR started, up to the ECHO `marker` sent on `pool`
  /// (not counted); -1 when the stream broke or stalled for 5 s.
  std::int64_t count_until(jwtservice::detail::RedisConnectionPool& pool, const std::string& marker) {
    if (fd_ < 0) return -1;
    (void)pool.command({"ECHO", marker});
    std::int64_t commands = 0;
    std::string pending;
    char buffer[65536];
    for (;;) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return -1;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return -1;
      pending.append(buffer, static_cast<std::size_t>(n));
      std::size_t begin = 0;
      for (std::size_t end; (end = pending.find("\r\n", begin)) != std::string::npos; begin = end + 2) {
        const std::string_view line{pending.data() + begin, end - begin};
        // `+<time> [<db> <client>] "WORD" ...`.
        const std::size_t close = line.find("] \"");
        if (close == std::string_view::npos) continue;
        if (line.find(marker) != std::string_view::npos) return commands;
        if (line.substr(0, close).ends_with("lua")) continue;
        ++commands;
      }
      pending.erase(0, begin);
    }
  }

 private:
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd_ = -1;
};

struct RedisSetup {
  std::shared_ptr<jwtservice::RedisRevocationStore> store;
  std::shared_ptr<jwtservice::RedisRateLimiter> limiter;
  std::unique_ptr<Service> service;
};

/// A service with its limits on (never reached) and both Redis pieces: the limiter on the
/// store's database (fused) or on database 1 (separate); over TLS when `tls`.
RedisSetup redis_service(bool fused, bool tls = false) {
  RedisSetup s;
  jwtservice::Config config;
  config.secret_key = std::string{kSecret};
  config.issuer = std::string{kIssuer};
  config.audience = std::string{kAudience};
  config.rate_limit_validate = std::int64_t{1'000'000'000};
  config.rate_limit_create = std::int64_t{1'000'000'000};
  jwtservice::RedisOptions options{.prefix = "bench:"};
  if (tls) options.ca_file = tls_files().path("ca.crt");
  jt::RedisServer& where = tls ? tls_server() : server();
  s.store = std::make_shared<jwtservice::RedisRevocationStore>(where.url(0), options);
  s.limiter = std::make_shared<jwtservice::RedisRateLimiter>(where.url(fused ? 0 : 1), options);
  jwtservice::ServiceOptions service_options{.logger = jwtservice::null_logger()};
  service_options.revocation_store = s.store;
  service_options.rate_limiter = s.limiter;
  s.service = std::make_unique<Service>(config, std::move(service_options));
  return s;
}

void BM_redis_validate(benchmark::State& state, bool fused, bool tls = false) {
  if (tls && !tls_files().ok()) {
    fail(state, "the openssl command could not make the certificates");
    return;
  }
  if (!(tls ? tls_server() : server()).running()) {
    fail(state, "redis-server could not be started (make install-dev)");
    return;
  }
  const RedisSetup setup = redis_service(fused, tls);
  const auto& tokens = distinct_tokens();
  std::size_t i = 0;
  for (auto _ : state) {
    auto r = setup.service->validar(tokens[i++ % tokens.size()]);
    if (!r.valid) [[unlikely]] {
      fail(state, "validation through Redis failed");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());

  if (tls) return;  // MONITOR reads plain TCP: the commands are those of the plain benchmark
  // The commands of 256 more validations, counted after the timed loop (connections are
  // open and the scripts loaded by now, as in a service that has been running).
  jwtservice::detail::RedisConnectionPool echo{jwtservice::RedisUrl::parse(server().url(0)), {}};
  CommandCounter counter{server().port()};
  for (const auto& token : tokens) {
    if (!setup.service->validar(token).valid) {
      fail(state, "validation through Redis failed");
      return;
    }
  }
  const std::int64_t commands = counter.count_until(echo, "jwtservice-bench-marker");
  if (commands < 0) {
    fail(state, "MONITOR could not count the commands");
    return;
  }
  state.counters["commands_per_call"] = static_cast<double>(commands) / static_cast<double>(tokens.size());
}

/// Revokes fresh jtis, with `min_replicas` (WAIT) or without, on a primary with one replica.
void BM_redis_revoke(benchmark::State& state, int min_replicas) {
  jt::RedisServer* primary = nullptr;
  if (!replicated_pair(primary)) {
    fail(state, "a primary and a replica in sync could not be started (make install-dev)");
    return;
  }
  jwtservice::RedisOptions options{.prefix = "bench:", .min_replicas = min_replicas};
  jwtservice::RedisRevocationStore store{primary->url(), options};
  static std::int64_t counter = 0;
  for (auto _ : state) {
    if (!store.revoke("revoke-" + std::to_string(++counter), 600, {})) [[unlikely]] {
      fail(state, "a fresh jti was not revoked");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
  with_min(benchmark::RegisterBenchmark("redis/validate/separate", [](benchmark::State& s) {
             BM_redis_validate(s, false);
           })->UseRealTime());
  with_min(benchmark::RegisterBenchmark("redis/validate/fused", [](benchmark::State& s) {
             BM_redis_validate(s, true);
           })->UseRealTime());
  with_min(benchmark::RegisterBenchmark("redis/validate/fused_tls", [](benchmark::State& s) {
             BM_redis_validate(s, true, true);
           })->UseRealTime());
  with_min(benchmark::RegisterBenchmark("redis/revoke/plain", [](benchmark::State& s) {
             BM_redis_revoke(s, 0);
           })->UseRealTime());
  with_min(benchmark::RegisterBenchmark("redis/revoke/wait_1_replica", [](benchmark::State& s) {
             BM_redis_revoke(s, 1);
           })->UseRealTime());
  return true;
}();

}  // namespace
}  // namespace bench
