// A logger call that can never change a verdict or refuse a connection: whatever the user's logger
// throws is swallowed. Private to the library (the engine and the Redis store use it).
#pragma once

#include <string_view>

#include "jwtservice/logger.hpp"

namespace jwtservice::detail {

/// Wraps the service's Logger; `log` never throws.
class SafeLog {
 public:
  explicit SafeLog(Logger logger) : logger_(logger ? std::move(logger) : stderr_logger()) {}

  void operator()(LogLevel level, std::string_view message) const noexcept {
    try {
      logger_(level, message);
    } catch (...) {
      // A failing logger must not change an outcome.
    }
  }

 private:
  Logger logger_;
};

}  // namespace jwtservice::detail
