// InMemoryRevocationStore: a sharded, thread-safe RevocationStore for one process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/export.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// Revoked jtis in this process's memory, each until its TTL passes.
///
/// Thread safety: the jtis are spread over 16 shards by hash. `is_revoked` takes no lock and
/// writes nothing: it reads its shard under a sequence counter (a seqlock; every datum it reads
/// is an atomic) and retries only when a revocation changed that very shard meanwhile. `revoke`
/// locks its shard, so exactly one of any number of concurrent callers for one jti sees true,
/// and a revocation that returned true is seen by every later `is_revoked` in any thread.
///
/// Memory: each revocation is one 56-byte cell holding the jti inline (up to 40 bytes; a
/// longer jti continues in further cells of 48 bytes) and its expiry, plus a 4-byte slot in the
/// shard's open-addressing index and a 4-byte entry in its expiry heap: about 75 bytes per
/// 36-character jti at a million entries, with no heap node per entry. The jti is stored and
/// compared in full, so no collision can make another jti look revoked. The revocation reason
/// is not kept (nothing reads it back from this store; the SQLite and Redis stores keep it).
/// Every `revoke` first drops the expired entries of its own shard and of one more shard in
/// turn, so all shards are swept at least once per 16 revocations; `purge_expired()` sweeps all
/// at once. Freed cells are reused, so memory follows the peak of live revocations (plus those
/// expired since their shard's last sweep), never the history of revocations.
class JWTSERVICE_API InMemoryRevocationStore {
 public:
  /// `clock` gives Unix seconds; inject one in tests.
  explicit InMemoryRevocationStore(Clock clock = &system_now);
  ~InMemoryRevocationStore();

  InMemoryRevocationStore(const InMemoryRevocationStore&) = delete;
  InMemoryRevocationStore& operator=(const InMemoryRevocationStore&) = delete;
  InMemoryRevocationStore(InMemoryRevocationStore&&) = delete;
  InMemoryRevocationStore& operator=(InMemoryRevocationStore&&) = delete;

  /// True while `jti` is revoked and its TTL has not passed.
  [[nodiscard]] bool is_revoked(std::string_view jti) const;

  /// Revokes `jti` for `ttl_seconds`; true when inserted now, false when it already was (or
  /// for ttl <= 0). The check and the insert happen under one lock: exactly one of any number
  /// of concurrent callers for the same jti sees true. Throws std::length_error past about
  /// a billion entries.
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);

  /// Drops every expired entry now.
  void purge_expired();

  /// Entries held, live or not yet swept (for monitoring and tests).
  [[nodiscard]] std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(RevocationStore<InMemoryRevocationStore>);

}  // namespace jwtservice
