// jwtservice_bench: jwtservice, the floor and the peers side by side in one binary, so that
// every ratio comes from one run on one machine. Checks every contender on the token first.
#include <cstdio>
#include <string>

#include "bench_common.hpp"
#include "bench_floor.hpp"
#include "bench_peer_check.hpp"
#include "jwtservice/version.hpp"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  // No number from a contender that does not do the job: each must accept the token, refuse the
  // tampered one, and accept what it creates.
  struct {
    const char* name;
    bool ok;
  } const checks[] = {{"floor", bench::floor::self_check()},
                      {"cpp-jwt", bench::cppjwt_self_check()},
                      {"libjwt", bench::libjwt_self_check()}};
  for (const auto& c : checks) {
    if (!c.ok) {
      std::fprintf(stderr, "jwtservice_bench: self-check failed for %s\n", c.name);
      return 1;
    }
  }

  benchmark::AddCustomContext("jwtservice_version", JWTSERVICE_VERSION_STRING);
  benchmark::AddCustomContext("token_bytes", std::to_string(bench::the_token().size()));
  benchmark::AddCustomContext("token", bench::the_token());
  benchmark::AddCustomContext("have_cppjwt", JWTSERVICE_BENCH_HAVE_CPPJWT ? "yes" : "no");
  benchmark::AddCustomContext("have_libjwt", JWTSERVICE_BENCH_HAVE_LIBJWT ? "yes" : "no");

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
