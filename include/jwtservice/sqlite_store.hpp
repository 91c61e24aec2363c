// SQLiteRevocationStore: revocations in a SQLite file shared by threads, processes and the
// Python jwtservice package. Needs SQLite3 (CMake option JWTSERVICE_WITH_SQLITE).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "jwtservice/clock.hpp"
#include "jwtservice/export.hpp"
#include "jwtservice/revocation.hpp"

namespace jwtservice {

/// How far behind the system clock the purge stays (one hour), so that no row a correct clock
/// still holds live is deleted by a store whose own clock runs ahead (docs/stores-and-faults.md).
inline constexpr std::int64_t default_purge_margin_seconds = 3600;

/// How often, at most, `is_revoked` asks whether the database file was deleted or replaced
/// (one stat() of the path, 1-10 µs on a VM: more than the lookup itself). Every write checks.
inline constexpr std::chrono::milliseconds default_moved_check_interval{100};

/// Revoked jtis in a SQLite database, in the Python package's schema:
/// `revoked_tokens(jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, reason TEXT NULL,
/// created_at INTEGER NOT NULL)` with index `idx_revoked_tokens_expires_at`.
///
/// Guarantees: WAL journal with `synchronous=FULL`, so a revocation `revoke` reported true is
/// on disk before it returns and survives the process being killed; `revoke` is one atomic
/// upsert, so of any number of threads or processes revoking one jti exactly one sees true,
/// and it never shortens a revocation already stored, whatever the clocks say; a busy timeout
/// lets several processes share the file. Thread-safe: one connection with prepared statements
/// behind a mutex. Every SQLite failure throws StoreError (the service fails closed).
///
/// Bad days (docs/stores-and-faults.md):
/// - Time: `is_revoked` and `revoke` use the injected clock; the purge (at most once per cleanup
///   interval) deletes only rows expired both by that clock and by the system clock less the
///   purge margin, so a clock running ahead cannot wipe live revocations.
/// - A file that cannot be written (chmod 444, chattr +i, a read-only directory or mount) is
///   opened read-only: `is_revoked` works, `revoke` and `purge_expired` throw StoreError
///   ("... is read-only").
/// - A file deleted or replaced while the store runs is noticed before every write, and before
///   a read at most `moved_check_interval` (100 ms) after the last check; the path is then
///   opened again (a missing file is created with the schema): nothing is ever reported
///   revoked into an orphaned file, and reads see a replacement file within that interval.
class JWTSERVICE_API SQLiteRevocationStore {
 public:
  /// Opens (creating it and its missing parent directories) the database at `path`.
  /// Throws ConfigError when the path is blank, `:memory:` or an SQLite URI (`file:...`; write
  /// `./file:x` for a file of that name), when a parent is not a directory, when the cleanup
  /// interval is not positive, the purge margin is under default_purge_margin_seconds or the
  /// moved-file check interval is negative (0: check before every read);
  /// StoreError when SQLite cannot open, read or prepare it.
  explicit SQLiteRevocationStore(
      const std::filesystem::path& path, std::int64_t cleanup_interval_seconds = 300,
      Clock clock = &system_now, std::int64_t purge_margin_seconds = default_purge_margin_seconds,
      std::chrono::milliseconds moved_check_interval = default_moved_check_interval);
  ~SQLiteRevocationStore();
  SQLiteRevocationStore(const SQLiteRevocationStore&) = delete;
  SQLiteRevocationStore& operator=(const SQLiteRevocationStore&) = delete;

  /// True while a row for `jti` exists whose expires_at is still ahead of the injected clock.
  [[nodiscard]] bool is_revoked(std::string_view jti);

  /// Inserts (or replaces an expired row for) `jti` until now + ttl; true when this call did.
  /// Throws StoreError when the database is read-only.
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);

  /// Deletes now every row expired by both the injected clock and the system clock less the
  /// purge margin; returns how many. Throws StoreError when the database is read-only.
  std::int64_t purge_expired();

  /// True when the database could only be opened read-only.
  [[nodiscard]] bool read_only() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

static_assert(RevocationStore<SQLiteRevocationStore>);

}  // namespace jwtservice
