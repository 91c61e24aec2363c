// Test support: every RevocationStore the typed suites run over, built on a shared fake clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

#include "jwtservice/jwtservice.hpp"

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
/// one entry in StoreTypes, and inherits every test.
template <class Store>
struct StoreFactory;

template <>
struct StoreFactory<InMemoryRevocationStore> {
  static std::shared_ptr<InMemoryRevocationStore> make(const FakeClock& clock, const TempDir&) {
    return std::make_shared<InMemoryRevocationStore>(clock);
  }
};

#if JWTSERVICE_WITH_SQLITE
template <>
struct StoreFactory<SQLiteRevocationStore> {
  static std::shared_ptr<SQLiteRevocationStore> make(const FakeClock& clock, const TempDir& dir) {
    return std::make_shared<SQLiteRevocationStore>(dir.path() / "revocations.db", 300, clock);
  }
};
#endif

}  // namespace jwtservice::testing
