// A consumer of the library that passes json across the compiled boundary: extra_data into
// criar, extra_data out of validar. Built twice by tests/abi/check_json_mismatch.cmake: with the
// library's json configuration (it must link and run) and with JSON_DIAGNOSTICS=1 (it must fail
// to link, naming the json ABI tag, rather than link and crash).
#include <cstdio>

#include "jwtservice/jwtservice.hpp"

int main() {
  jwtservice::Config config;
  config.secret_key = "abi-test-secret-0123456789-abcdefghij";
  const jwtservice::Service service{config, {.logger = jwtservice::null_logger()}};
  const std::string token =
      service.criar({.sub = "ana@example.com", .extra_data = nlohmann::json{{"flow", "reset"}, {"step", 2}}});
  const auto result = service.validar(token);
  if (!result.valid || !result.extra_data || (*result.extra_data)["flow"] != "reset") {
    std::fputs("json_consumer: the token's extra_data did not survive the round trip\n", stderr);
    return 1;
  }
  return 0;
}
