// A logger call that can never change a verdict: whatever the user's logger throws is swallowed.
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
