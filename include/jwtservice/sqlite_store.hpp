// SQLiteRevocationStore: revocations in a SQLite file shared by threads, processes and the
// Python jwtservice package. Needs SQLite3 (CMake option JWTSERVICE_WITH_SQLITE).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// Revoked jtis in a SQLite database, in the Python package's schema:
/// `revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, reason TEXT NULL,
/// created_at INTEGER NOT NULL)` with index `idx_revoked_tokens_expires_at`.
///
/// Guarantees: WAL journal with `synchronous=FULL`, so a revocation `revoke` reported true is
/// on disk before it returns and survives the process being killed; `revoke` is one atomic
/// upsert, so of any number of threads or processes revoking one jti exactly one sees true;
/// a busy timeout lets several processes share the file. Thread-safe: one connection with
/// prepared statements behind a mutex. Rows past `expires_at` are deleted at most once per
/// cleanup interval. Every SQLite failure throws StoreError (the service fails closed).
class SQLiteRevocationStore {
 public:
  /// Opens (creating it and its missing parent directories) the database at `path`.
  /// Throws ConfigError when the path is blank or a parent is not a directory, StoreError
  /// when SQLite cannot open or prepare it.
  explicit SQLiteRevocationStore(const std::filesystem::path& path,
                                 std::int64_t cleanup_interval_seconds = 300, Clock clock = &system_now);
  ~SQLiteRevocationStore();
  SQLiteRevocationStore(const SQLiteRevocationStore&) = delete;
  SQLiteRevocationStore& operator=(const SQLiteRevocationStore&) = delete;

  /// True while a row for `jti` exists whose expires_at is still ahead.
  [[nodiscard]] bool is_revoked(std::string_view jti);

  /// Inserts (or replaces an expired row for) `jti` until now + ttl; true when this call did.
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);

  /// Deletes every expired row now; returns how many.
  std::int64_t purge_expired();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(RevocationStore<SQLiteRevocationStore>);

}  // namespace jwtservice
