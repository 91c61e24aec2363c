// Test support: a plain hiredis connection to the test's own server, to look at keys the way an
// operator would (TTL, GET) and to change them behind the library's back.
#pragma once

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>

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

}  // namespace jwtservice::testing
