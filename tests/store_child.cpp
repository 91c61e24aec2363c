// A child process for the multi-process store tests: one store operation, reported by exit code.
//
//   store_child consume DB NOW TOKEN   waits for one byte on stdin, then consumes TOKEN
//                                      exit 0 valid, 1 revoked, 2 other reason, 3 error
//   store_child revoke-and-hang DB JTI revokes JTI for an hour, prints "1" or "0", then blocks
//                                      on stdin until killed
//   store_child redis-consume URL PREFIX NOW TOKEN
//                                      as consume, with a RedisRevocationStore
//   store_child redis-revoke URL PREFIX JTI
//                                      revokes JTI for 10 minutes, prints "1" or "0"
//   store_child redis-validate URL PREFIX NOW LIMIT TRIES TOKEN
//                                      waits for one byte on stdin, then validates TOKEN TRIES
//                                      times under a validate limit of LIMIT per minute shared
//                                      through a RedisRateLimiter; prints how many calls were
//                                      not rate_limited, exit 0 (3 when Redis failed)
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>

#include "token_forge.hpp"

namespace {

bool wait_for_go() {
  char go = 0;
  return ::read(STDIN_FILENO, &go, 1) == 1;
}

/// consume's exit code for a result.
int consume_exit(const jwtservice::VerificationResult& r) {
  if (r.valid) return 0;
  return r.reason == jwtservice::Reason::revoked ? 1 : 2;
}

jwtservice::Service service_with(jwtservice::RevocationStoreHandle store, std::int64_t now) {
  return jwtservice::Service{jwtservice::testing::test_config(),
                             jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                                        .revocation_store = std::move(store),
                                                        .clock = [now] { return now; }}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string command = argc > 1 ? argv[1] : "";
#if JWTSERVICE_WITH_SQLITE
    if (command == "consume" && argc == 5) {
      const std::int64_t now = std::stoll(argv[3]);
      auto service = service_with(
          std::make_shared<jwtservice::SQLiteRevocationStore>(argv[2], 300, [now] { return now; }), now);
      if (!wait_for_go()) return 3;
      return consume_exit(service.consumir(argv[4]));
    }
    if (command == "revoke-and-hang" && argc == 4) {
      jwtservice::SQLiteRevocationStore store{argv[2]};
      const bool inserted = store.revoke(argv[3], 3600, {.reason = "killed-right-after"});
      std::printf("%d\n", inserted ? 1 : 0);
      std::fflush(stdout);
      char byte = 0;
      while (::read(STDIN_FILENO, &byte, 1) > 0) {
      }
      return 0;
    }
#endif
#if JWTSERVICE_WITH_REDIS
    if (command == "redis-consume" && argc == 6) {
      const std::int64_t now = std::stoll(argv[4]);
      auto service = service_with(std::make_shared<jwtservice::RedisRevocationStore>(
                                      argv[2], jwtservice::RedisOptions{.prefix = argv[3]}),
                                  now);
      if (!wait_for_go()) return 3;
      return consume_exit(service.consumir(argv[5]));
    }
    if (command == "redis-revoke" && argc == 5) {
      jwtservice::RedisRevocationStore store{argv[2], {.prefix = argv[3]}};
      std::printf("%d\n", store.revoke(argv[4], 600, {.reason = "from-another-process"}) ? 1 : 0);
      return 0;
    }
    if (command == "redis-validate" && argc == 8) {
      const std::int64_t now = std::stoll(argv[4]);
      auto config = jwtservice::testing::test_config();
      config.rate_limit_validate = std::stoll(argv[5]);
      const long tries = std::stol(argv[6]);
      bool redis_failed = false;
      auto limiter = std::make_shared<jwtservice::RedisRateLimiter>(
          argv[2], jwtservice::RedisOptions{.prefix = argv[3]});
      // The service logs a warning when the shared limiter fails and its local bucket decides.
      const jwtservice::Service service{
          config,
          jwtservice::ServiceOptions{.logger =
                                         [&redis_failed](jwtservice::LogLevel, std::string_view message) {
                                           if (message.find("shared rate limiter") != std::string_view::npos)
                                             redis_failed = true;
                                         },
                                     .clock = [now] { return now; },
                                     .rate_limiter = limiter}};
      if (!wait_for_go()) return 3;
      long allowed = 0;
      for (long i = 0; i < tries; ++i) {
        if (service.validar(argv[7]).reason != jwtservice::Reason::rate_limited) ++allowed;
      }
      std::printf("%ld\n", allowed);
      return redis_failed ? 3 : 0;
    }
#endif
    std::fprintf(stderr,
                 "usage: store_child consume DB NOW TOKEN | revoke-and-hang DB JTI | "
                 "redis-consume URL PREFIX NOW TOKEN | redis-revoke URL PREFIX JTI | "
                 "redis-validate URL PREFIX NOW LIMIT TRIES TOKEN\n");
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_child: %s\n", e.what());
    return 3;
  }
}
