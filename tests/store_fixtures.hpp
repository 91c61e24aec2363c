// Test support: every RevocationStore the typed suites run over, built on a shared fake clock
// (the stores that take one) or on the test process's own redis-server.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "jwtservice/jwtservice.hpp"
#if JWTSERVICE_WITH_REDIS
#include <gtest/gtest.h>

#include "redis_server.hpp"
#endif

namespace jwtservice::testing {

/// A Unix clock tests move by hand; copies share the time.
class FakeClock {
 public:
  explicit FakeClock(std::int64_t now) : now_(std::make_shared<std::atomic<std::int64_t>>(now)) {}
  std::int64_t operator()() const { return now_->load(); }
  void advance(std::int64_t seconds) const { now_->fetch_add(seconds); }
  void set(std::int64_t now) const { now_->store(now); }

 private:
  std::shared_ptr<std::atomic<std::int64_t>> now_;
};

/// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("jwtservice-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// How to build each store for the typed suites. A new store adds one specialisation here and
/// one entry in StoreTypes (and in ClockedStoreTypes when it takes a Clock), and inherits every
/// test. `takes_clock` says whether advancing the FakeClock moves the store's time.
template <class Store>
struct StoreFactory;

template <>
struct StoreFactory<InMemoryRevocationStore> {
  static constexpr bool takes_clock = true;
  static std::shared_ptr<InMemoryRevocationStore> make(const FakeClock& clock, const TempDir&) {
    return std::make_shared<InMemoryRevocationStore>(clock);
  }
};

#if JWTSERVICE_WITH_SQLITE
template <>
struct StoreFactory<SQLiteRevocationStore> {
  static constexpr bool takes_clock = true;
  static std::shared_ptr<SQLiteRevocationStore> make(const FakeClock& clock, const TempDir& dir) {
    return std::make_shared<SQLiteRevocationStore>(dir.path() / "revocations.db", 300, clock);
  }
};
#endif

#if JWTSERVICE_WITH_REDIS
/// A key prefix no other test of this process uses: tests share one server, never keys.
inline std::string unique_redis_prefix() {
  static std::atomic<int> counter{0};
  return "jwtservice-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ":";
}

/// Redis keeps time itself (the store takes no Clock), so the clock-moving tests do not run
/// over it; test_redis_store.cpp checks instead that each key gets the right TTL.
template <>
struct StoreFactory<RedisRevocationStore> {
  static constexpr bool takes_clock = false;
  static std::shared_ptr<RedisRevocationStore> make(const FakeClock&, const TempDir&) {
    auto& server = shared_redis_server();
    if (!server.running()) ADD_FAILURE() << "no redis-server for the test: " << server.error();
    return std::make_shared<RedisRevocationStore>(server.url(),
                                                  RedisOptions{.prefix = unique_redis_prefix()});
  }
};
#endif

}  // namespace jwtservice::testing
