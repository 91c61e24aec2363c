// The default loggers.
#include "jwtservice/logger.hpp"

#include <cstdio>
#include <string>

namespace jwtservice {

Logger stderr_logger(LogLevel min_level) {
  return [min_level](LogLevel level, std::string_view message) {
    if (level < min_level) return;
    std::string line = "jwtservice: ";
    line += to_string(level);
    line += ": ";
    line += message;
    line += '\n';
    // One fwrite per line: stdio locks the stream per call, so lines from threads never mix.
    // A logger has nowhere to report its own failure: a short write is dropped.
    (void)std::fwrite(line.data(), 1, line.size(), stderr);
  };
}

Logger null_logger() {
  return [](LogLevel, std::string_view) {};
}

}  // namespace jwtservice
