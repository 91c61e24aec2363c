// with_redis_server COMMAND [ARGS...]: starts a redis-server of its own on a free 127.0.0.1 port,
// runs COMMAND with JWTSERVICE_REDIS_URL=redis://127.0.0.1:PORT/0 in its environment, stops the
// server and exits with COMMAND's status. It fails (exit 1) when redis-server cannot be started:
// run `make install-dev`. For the tests of programs that take their Redis from the environment.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "redis_server.hpp"

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: with_redis_server COMMAND [ARGS...]\n");
    return 2;
  }
  jwtservice::testing::RedisServer server;
  if (!server.running()) {
    std::fprintf(stderr, "with_redis_server: %s\n", server.error().c_str());
    return 1;
  }
  // The child's environment: ours, with JWTSERVICE_REDIS_URL replaced.
  const std::string url = "JWTSERVICE_REDIS_URL=" + server.url();
  std::vector<char*> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view{*e}.rfind("JWTSERVICE_REDIS_URL=", 0) != 0) env.push_back(*e);
  }
  env.push_back(const_cast<char*>(url.c_str()));
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
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::fprintf(stderr, "with_redis_server: %s ended by signal %d\n", argv[1], WTERMSIG(status));
  return 1;
}
