// Logging seam: a plain std::function, so any logging library plugs in with a lambda.
#pragma once

#include <functional>
#include <string_view>

#include "jwtservice/export.hpp"

namespace jwtservice {

/// How much a message matters, least first.
enum class LogLevel { debug, info, warning, error };

/// Receives one complete message per call. Must be safe to call from many threads.
using Logger = std::function<void(LogLevel, std::string_view)>;

/// The level's lower-case name: `debug`, `info`, `warning` or `error`.
[[nodiscard]] constexpr std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "unknown";
}

/// A logger writing `jwtservice: <level>: <message>` lines to stderr for messages at or above
/// `min_level`; whole lines, never interleaved between threads. The default of ServiceOptions.
[[nodiscard]] JWTSERVICE_API Logger stderr_logger(LogLevel min_level = LogLevel::warning);

/// A logger that drops everything (for tests and for callers that log elsewhere).
[[nodiscard]] JWTSERVICE_API Logger null_logger();

}  // namespace jwtservice
