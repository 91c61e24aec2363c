// InMemoryRevocationStore: a sharded, thread-safe RevocationStore for one process.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jwtservice/clock.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// Revoked jtis in this process's memory, each until its TTL passes.
///
/// Thread safety: the jtis are spread over 16 shards by hash, each behind its own
/// `std::shared_mutex`: `is_revoked` takes a shared lock on one shard (readers never wait for
/// each other), `revoke` an exclusive one, so revocations of different tokens rarely meet.
///
/// Memory: each shard keeps, next to its map, a min-heap of expiry times. Every `revoke`
/// first drops the expired entries of its own shard and of one more shard in turn, so all
/// shards are swept at least once per 16 revocations; `purge_expired()` sweeps all at once.
/// Memory is therefore bounded by the revocations still live plus those that expired since
/// their shard's last sweep, never by the history of revocations.
class InMemoryRevocationStore {
 public:
  /// `clock` gives Unix seconds; inject one in tests.
  explicit InMemoryRevocationStore(Clock clock = &system_now)
      : clock_(clock ? std::move(clock) : &system_now) {}

  InMemoryRevocationStore(const InMemoryRevocationStore&) = delete;
  InMemoryRevocationStore& operator=(const InMemoryRevocationStore&) = delete;

  /// True while `jti` is revoked and its TTL has not passed.
  [[nodiscard]] bool is_revoked(std::string_view jti) const {
    const Shard& shard = shard_for(jti);
    std::int64_t expires_at = 0;
    {
      std::shared_lock lock{shard.mutex};
      const auto it = shard.entries.find(jti);
      if (it == shard.entries.end()) return false;  // the common case needs no clock
      expires_at = it->second.expires_at;
    }
    return expires_at > clock_();
  }

  /// Revokes `jti` for `ttl_seconds`; true when inserted now, false when it already was (or
  /// for ttl <= 0). The check and the insert happen under one lock: exactly one of any number
  /// of concurrent callers for the same jti sees true.
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta) {
    if (ttl_seconds <= 0) return false;
    const std::int64_t now = clock_();
    const std::int64_t expires_at = detail::sat_add(now, ttl_seconds);
    sweep(sweep_cursor_.fetch_add(1, std::memory_order_relaxed) % kShards, now);
    Shard& shard = shard_for(jti);
    std::unique_lock lock{shard.mutex};
    purge_locked(shard, now);
    auto [it, inserted] = shard.entries.try_emplace(std::string{jti}, Entry{expires_at, meta.reason});
    if (!inserted) {
      if (it->second.expires_at > now) return false;
      it->second = Entry{expires_at, meta.reason};  // an expired revocation can be made again
    }
    shard.expiries.emplace(expires_at, it->first);
    return true;
  }

  /// Drops every expired entry now.
  void purge_expired() {
    const std::int64_t now = clock_();
    for (std::size_t i = 0; i < kShards; ++i)
      sweep(i, now);
  }

  /// Entries held, live or not yet swept (for monitoring and tests).
  [[nodiscard]] std::size_t size() const {
    std::size_t n = 0;
    for (const auto& shard : shards_) {
      std::shared_lock lock{shard.mutex};
      n += shard.entries.size();
    }
    return n;
  }

 private:
  static constexpr std::size_t kShards = 16;

  struct Entry {
    std::int64_t expires_at;
    std::optional<std::string> reason;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  using Expiry = std::pair<std::int64_t, std::string>;
  struct Shard {
    mutable std::shared_mutex mutex;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries;
    std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiries;
  };

  Shard& shard_for(std::string_view jti) { return shards_[Hash{}(jti) % kShards]; }
  const Shard& shard_for(std::string_view jti) const { return shards_[Hash{}(jti) % kShards]; }

  void sweep(std::size_t index, std::int64_t now) {
    Shard& shard = shards_[index];
    std::unique_lock lock{shard.mutex};
    purge_locked(shard, now);
  }

  static void purge_locked(Shard& shard, std::int64_t now) {
    while (!shard.expiries.empty() && shard.expiries.top().first <= now) {
      const auto& [expires_at, jti] = shard.expiries.top();
      // Only erase when the map still holds this very revocation (not a later re-revocation).
      if (const auto it = shard.entries.find(jti);
          it != shard.entries.end() && it->second.expires_at == expires_at) {
        shard.entries.erase(it);
      }
      shard.expiries.pop();
    }
  }

  Clock clock_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::size_t> sweep_cursor_{0};
};

static_assert(RevocationStore<InMemoryRevocationStore>);

}  // namespace jwtservice
