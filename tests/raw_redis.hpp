// Test support: a plain hiredis connection to the test's own server, to look at keys the way an
// operator would (TTL, GET) and to change them behind the library's back; and a MONITOR tap that
// lists the commands clients send it.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace jwtservice::testing {

class RawRedis {
 public:
  /// Connects to 127.0.0.1:`port` (the test's own server), database `db`.
  explicit RawRedis(int port, int db = 0, std::string_view password = {}) {
    const timeval timeout{2, 0};
    context_ = redisConnectWithTimeout("127.0.0.1", port, timeout);
    if (context_ == nullptr || context_->err != 0) {
      ADD_FAILURE() << "cannot connect to the test redis-server on port " << port;
      return;
    }
    redisSetTimeout(context_, timeout);
    if (!password.empty()) (void)text({"AUTH", password});
    if (db != 0) (void)text({"SELECT", std::to_string(db)});
  }
  ~RawRedis() {
    if (context_ != nullptr) redisFree(context_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  /// An integer reply (-1000 when the reply is something else).
  std::int64_t integer(std::initializer_list<std::string_view> args) {
    std::int64_t out = -1000;
    run(args, [&](const redisReply& r) {
      if (r.type == REDIS_REPLY_INTEGER) out = r.integer;
    });
    return out;
  }

  /// A string or status reply; "(nil)" for nil, "(error) ..." for an error.
  std::string text(std::initializer_list<std::string_view> args) {
    std::string out = "(no reply)";
    run(args, [&](const redisReply& r) {
      if (r.type == REDIS_REPLY_NIL) {
        out = "(nil)";
      } else if (r.type == REDIS_REPLY_ERROR) {
        out = "(error) " + std::string(r.str, r.len);
      } else if (r.str != nullptr) {
        out.assign(r.str, r.len);
      } else if (r.type == REDIS_REPLY_INTEGER) {
        out = std::to_string(r.integer);
      }
    });
    return out;
  }

  /// The string elements of an array reply (empty for nil or anything else).
  std::vector<std::string> array(std::initializer_list<std::string_view> args) {
    std::vector<std::string> out;
    run(args, [&](const redisReply& r) {
      if (r.type != REDIS_REPLY_ARRAY) return;
      for (std::size_t i = 0; i < r.elements; ++i) {
        const redisReply* e = r.element[i];
        out.emplace_back(e != nullptr && e->str != nullptr ? std::string(e->str, e->len) : std::string{});
      }
    });
    return out;
  }

 private:
  template <class F>
  void run(std::initializer_list<std::string_view> args, F&& use) {
    if (context_ == nullptr || context_->err != 0) return;
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    for (const auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()));
    if (reply == nullptr) {
      ADD_FAILURE() << "raw Redis command failed: " << context_->errstr;
      return;
    }
    use(*reply);
    freeReplyObject(reply);
  }

  redisContext* context_ = nullptr;
};

/// The commands clients send to the test's own server, from MONITOR, each as its words (the
/// first upper-cased); commands a script runs are left out. For counting what the library sends.
class RedisMonitor {
 public:
  explicit RedisMonitor(int port) : port_(port) {
    const timeval timeout{2, 0};
    context_ = redisConnectWithTimeout("127.0.0.1", port, timeout);
    if (context_ == nullptr || context_->err != 0) {
      ADD_FAILURE() << "MONITOR cannot connect to the test redis-server on port " << port;
      return;
    }
    redisSetTimeout(context_, timeout);
    auto* reply = static_cast<redisReply*>(redisCommand(context_, "MONITOR"));
    if (reply == nullptr || reply->type != REDIS_REPLY_STATUS) ADD_FAILURE() << "MONITOR was refused";
    if (reply != nullptr) freeReplyObject(reply);
  }
  ~RedisMonitor() {
    if (context_ != nullptr) redisFree(context_);
  }
  RedisMonitor(const RedisMonitor&) = delete;
  RedisMonitor& operator=(const RedisMonitor&) = delete;

  /// The client commands the server received since the last call (or since MONITOR started).
  /// Reads up to a marker sent on another connection, so nothing sent before the call is
  /// missed; each read waits at most 2 s.
  std::vector<std::vector<std::string>> take() {
    std::vector<std::vector<std::string>> commands;
    if (context_ == nullptr || context_->err != 0) return commands;
    const std::string marker = "jwtservice-monitor-marker-" + std::to_string(++markers_);
    RawRedis{port_}.text({"ECHO", marker});
    for (;;) {
      void* raw = nullptr;
      if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
        ADD_FAILURE() << "MONITOR stopped before its marker: " << context_->errstr;
        return commands;
      }
      auto* reply = static_cast<redisReply*>(raw);
      const std::string line = reply->str != nullptr ? std::string(reply->str, reply->len) : std::string{};
      freeReplyObject(reply);
      if (line.find(marker) != std::string::npos) return commands;
      // `<time> [<db> <client>] "WORD" "word" ...`; a script's commands come from `[<db> lua]`.
      const auto open = line.find('[');
      const auto close = line.find("] ");
      if (open == std::string::npos || close == std::string::npos) continue;
      if (line.compare(close - 3, 3, "lua") == 0) continue;
      commands.push_back(words(line.substr(close + 2)));
    }
  }

 private:
  /// The quoted words of a MONITOR line, escapes left as they are (keys and names have none).
  static std::vector<std::string> words(std::string_view rest) {
    std::vector<std::string> out;
    for (std::size_t i = rest.find('"'); i != std::string_view::npos; i = rest.find('"', i)) {
      std::size_t end = i + 1;
      while (end < rest.size() && (rest[end] != '"' || rest[end - 1] == '\\'))
        ++end;
      out.emplace_back(rest.substr(i + 1, end - i - 1));
      i = end + 1;
      if (i >= rest.size()) break;
    }
    if (!out.empty()) {
      for (char& c : out[0])
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
  }

  int port_;
  int markers_ = 0;
  redisContext* context_ = nullptr;
};

}  // namespace jwtservice::testing
