// A child process for the multi-process store tests: one store operation, reported by exit code.
//
//   store_child consume DB NOW TOKEN   waits for one byte on stdin, then consumes TOKEN
//                                      exit 0 valid, 1 revoked, 2 other reason, 3 error
//   store_child revoke-and-hang DB JTI revokes JTI for an hour, prints "1" or "0", then blocks
//                                      on stdin until killed
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "token_forge.hpp"

int main(int argc, char** argv) {
  try {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "consume" && argc == 5) {
      const std::int64_t now = std::stoll(argv[3]);
      auto store = std::make_shared<jwtservice::SQLiteRevocationStore>(argv[2], 300, [now] { return now; });
      jwtservice::Service service{jwtservice::testing::test_config(),
                                  jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                                             .revocation_store = store,
                                                             .clock = [now] { return now; }}};
      char go = 0;
      if (::read(STDIN_FILENO, &go, 1) != 1) return 3;
      const auto r = service.consumir(argv[4]);
      if (r.valid) return 0;
      return r.reason == jwtservice::Reason::revoked ? 1 : 2;
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
    std::fprintf(stderr, "usage: store_child consume DB NOW TOKEN | revoke-and-hang DB JTI\n");
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "store_child: %s\n", e.what());
    return 3;
  }
}
