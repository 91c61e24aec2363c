// The default loggers.
#include "jwtservice/logger.hpp"

#include <cstdio>
#include <string>

#include "jwtservice/detail/text.hpp"

namespace jwtservice {

Logger stderr_logger(LogLevel min_level) {
  return [min_level](LogLevel level, std::string_view message) {
    if (level < min_level) return;
    std::string line = "jwtservice: ";
    line += to_string(level);
    line += ": ";
    // Control characters (a newline or an ANSI escape in a store path or a server's error
    // text) become \xNN: one message is always exactly one line.
    detail::append_printable(line, message);
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
