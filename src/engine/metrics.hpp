// Observation: per-thread-sharded counters behind stats(), and the user's Observer.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/observer.hpp"
#include "safe_log.hpp"

namespace jwtservice::detail {

/// Counts every call and tells the observer about it. Counting writes only the calling
/// thread's shard (threads get shards in turn, and shards never share a cache line), so
/// threads do not contend; stats() sums the shards. Thread-safe.
class Metrics {
 public:
  Metrics(Observer observer, MonotonicClock monotonic_clock, const SafeLog& log);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  /// The time a call starts, for Event::duration; zero (and no clock read) without an observer.
  [[nodiscard]] std::chrono::nanoseconds start() const;

  /// Counts the call and, with an observer, reports it. Never throws.
  void record(const Event& event, std::chrono::nanoseconds started) const noexcept;

  /// True when an observer wants the claims of each call (else they are not even decoded).
  [[nodiscard]] bool observing() const noexcept { return static_cast<bool>(observer_); }

  [[nodiscard]] Stats stats() const noexcept;

 private:
  struct Shard;
  void count(const Event& event) const noexcept;
  void notify(Event event, std::chrono::nanoseconds started) const noexcept;

  std::unique_ptr<Shard[]> shards_;
  Observer observer_;
  MonotonicClock monotonic_clock_;
  const SafeLog& log_;
  mutable std::atomic<std::int64_t> last_observer_failure_log_{0};  // ns on monotonic_clock_
};

}  // namespace jwtservice::detail
