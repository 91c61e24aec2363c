// libFuzzer target for the config loaders: any JSON object (or its string members as a map, or
// as environment variables) either loads or throws ConfigError; anything else escaping is a
// finding, and so is a loaded Config that the service constructor or validated() refuses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <string>
#include <string_view>

#include "jwtservice/jwtservice.hpp"

namespace {

using json = nlohmann::json;

constexpr const char* kKeys[] = {"SECRET_KEY",
                                 "JWTSERVICE_ALGORITHM",
                                 "JWTSERVICE_ISSUER",
                                 "JWTSERVICE_AUDIENCE",
                                 "JWTSERVICE_LEEWAY",
                                 "JWTSERVICE_RATELIMIT",
                                 "JWTSERVICE_RATELIMIT_CREATE",
                                 "JWTSERVICE_RATELIMIT_VALIDATE",
                                 "JWTSERVICE_MAX_TOKEN_BYTES",
                                 "JWTSERVICE_MIN_SECRET_BYTES"};

[[noreturn]] void finding(const char* what, const char* detail = "") {
  std::fprintf(stderr, "fuzz_config finding: %s %s\n", what, detail);
  std::abort();
}

/// Runs one loader; a ConfigError is an answer, any other exception a finding. A Config that
/// loads must build a service and pass validated() unchanged.
template <class Load>
void check(const char* loader, Load&& load) {
  jwtservice::Config config;
  try {
    config = load();
  } catch (const jwtservice::ConfigError&) {
    return;
  } catch (const std::exception& e) {
    finding(loader, e.what());
  } catch (...) {
    finding(loader, "threw a non-standard exception");
  }
  try {
    const jwtservice::Config again = jwtservice::validated(config);
    if (again.secret_key != config.secret_key || again.algorithm != config.algorithm ||
        again.issuer != config.issuer || again.audience != config.audience || again.leeway != config.leeway ||
        again.max_token_bytes != config.max_token_bytes) {
      finding(loader, "returned a Config that validated() changes");
    }
    const jwtservice::Service service{config, {.logger = jwtservice::null_logger()}};
    (void)service.validar("x.y.z");
  } catch (const std::exception& e) {
    finding(loader, e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  // Lenient on purpose: comments allowed, and no exception for text that is not JSON at all.
  const json settings = json::parse(text, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/true);
  if (settings.is_discarded()) return 0;
  check("load_token_config_from_dict(json)",
        [&] { return jwtservice::load_token_config_from_dict(settings); });
  if (!settings.is_object()) return 0;

  std::map<std::string, std::string> strings;
  for (const auto& [name, value] : settings.items()) {
    if (value.is_string()) strings[name] = value.get<std::string>();
  }
  check("load_token_config_from_dict(map)", [&] { return jwtservice::load_token_config_from_dict(strings); });

  // The environment loader reads the same keys; a value with a NUL cannot be an environment value.
  for (const char* key : kKeys) {
    const auto it = strings.find(key);
    if (it != strings.end() && it->second.find('\0') == std::string::npos) {
      setenv(key, it->second.c_str(), 1);  // NOLINT(concurrency-mt-unsafe): single-threaded target
    } else {
      unsetenv(key);  // NOLINT(concurrency-mt-unsafe)
    }
  }
  check("load_token_config_from_env()", [] { return jwtservice::load_token_config_from_env(); });
  return 0;
}
