// with_redis_server COMMAND [ARGS...]: starts two redis-servers of its own on free 127.0.0.1
// ports, a plain one and a TLS-only one (certificates made with `openssl`, tls_files.hpp), runs
// COMMAND with JWTSERVICE_REDIS_URL=redis://127.0.0.1:PORT/0, JWTSERVICE_TEST_REDISS_URL (the TLS
// server, with its password) and JWTSERVICE_TEST_TLS_DIR (ca.crt, which signed the server's
// certificate for IP 127.0.0.1 and DNS redis.test, and other-ca.crt, which did not) in its
// environment, stops the servers and exits with COMMAND's status. It fails (exit 1) when a
// server cannot be started: run `make install-dev`. For the tests of programs that take their
// Redis from the environment.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "redis_server.hpp"
#include "tls_files.hpp"

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: with_redis_server COMMAND [ARGS...]\n");
    return 2;
  }
  namespace jt = jwtservice::testing;
  jt::RedisServer server;
  if (!server.running()) {
    std::fprintf(stderr, "with_redis_server: %s\n", server.error().c_str());
    return 1;
  }
  const jt::TlsFiles files;
  if (!files.ok()) {
    std::fprintf(stderr, "with_redis_server: %s\n", files.error().c_str());
    return 1;
  }
  constexpr std::string_view kTlsPassword = "with-redis-server-tls-password-7d1e";
  jt::RedisServer tls_server{{"--tls-cert-file", files.path("server.crt"), "--tls-key-file",
                              files.path("server.key"), "--tls-ca-cert-file", files.path("ca.crt"),
                              "--tls-auth-clients", "no", "--requirepass", std::string{kTlsPassword}},
                             jt::RedisServer::Listen::tls_only};
  if (!tls_server.running()) {
    std::fprintf(stderr, "with_redis_server: the TLS server: %s\n", tls_server.error().c_str());
    return 1;
  }
  // The child's environment: ours, with the three variables replaced.
  const std::vector<std::string> ours{"JWTSERVICE_REDIS_URL=" + server.url(),
                                      "JWTSERVICE_TEST_REDISS_URL=" + tls_server.url(0, kTlsPassword),
                                      "JWTSERVICE_TEST_TLS_DIR=" + files.path("")};
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry{*e};
    const auto replaced = [&](const std::string& v) {
      return entry.starts_with(v.substr(0, v.find('=') + 1));
    };
    if (std::none_of(ours.begin(), ours.end(), replaced)) env.push_back(*e);
  }
  for (const auto& v : ours)
    env.push_back(const_cast<char*>(v.c_str()));
  env.push_back(nullptr);

  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[1], nullptr, nullptr, argv + 1, env.data()) != 0) {
    std::fprintf(stderr, "with_redis_server: cannot start %s\n", argv[1]);
    return 1;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  server.stop();
  tls_server.stop();
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "with_redis_server: %s ended by signal %d\n", argv[1], WTERMSIG(status));
  return 1;
}
