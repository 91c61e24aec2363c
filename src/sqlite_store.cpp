// SQLiteRevocationStore: the Python package's schema, WAL, prepared statements, one atomic upsert.
#include "jwtservice/sqlite_store.hpp"
#include "jwtservice/detail/text.hpp"

#include <sqlite3.h>

#include <cctype>
#include <climits>
#include <limits>
#include <mutex>
#include <string>
#include <system_error>

#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice {
namespace {

// The Python package's schema, so one file can serve services in both languages.
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS revoked_tokens ("
    "jti TEXT PRIMARY KEY, "
    "expires_at INTEGER NOT NULL, "
    "reason TEXT NULL, "
    "created_at INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS idx_revoked_tokens_expires_at ON revoked_tokens (expires_at);";

constexpr const char* kIsRevoked = "SELECT 1 FROM revoked_tokens WHERE jti = ?1 AND expires_at > ?2";

// One statement, so one transaction: a live row is never replaced (0 changes), an expired one
// is, and a missing one is inserted. Concurrent writers are serialised by SQLite's write lock.
constexpr const char* kRevoke =
    "INSERT INTO revoked_tokens (jti, expires_at, reason, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (jti) DO UPDATE SET expires_at = excluded.expires_at, reason = excluded.reason, "
    "created_at = excluded.created_at WHERE revoked_tokens.expires_at <= ?4";

constexpr const char* kPurge = "DELETE FROM revoked_tokens WHERE expires_at <= ?1";

constexpr int kBusyTimeoutMs = 5000;

using detail::is_blank;

/// Resets a statement and its bindings when a call leaves, whatever way it leaves.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
  ~StatementUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* stmt_;
};

}  // namespace

struct SQLiteRevocationStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  sqlite3_stmt* is_revoked = nullptr;
  sqlite3_stmt* revoke = nullptr;
  sqlite3_stmt* purge = nullptr;
  std::mutex mutex;
  Clock clock;
  std::int64_t cleanup_interval = 300;
  std::int64_t next_cleanup = std::numeric_limits<std::int64_t>::min();

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    sqlite3_finalize(is_revoked);
    sqlite3_finalize(revoke);
    sqlite3_finalize(purge);
    sqlite3_close_v2(db);
  }

  [[noreturn]] void fail(std::string_view what) const {
    std::string message = "SQLite revocation store '" + path + "': ";
    message += what;
    if (db != nullptr) {
      message += ": ";
      message += sqlite3_errmsg(db);
    }
    throw StoreError(message);
  }

  void check(int rc, std::string_view what) const {
    if (rc != SQLITE_OK) fail(what);
  }

  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    check(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr),
          "cannot prepare a statement");
    return stmt;
  }

  void bind_text(sqlite3_stmt* stmt, int index, std::string_view text) const {
    if (text.size() > static_cast<std::size_t>(INT_MAX)) fail("text too long");
    check(sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC),
          "cannot bind a value");
  }

  std::int64_t purge_locked(std::int64_t now) {
    StatementUse use{purge};
    check(sqlite3_bind_int64(purge, 1, now), "cannot bind a value");
    if (sqlite3_step(purge) != SQLITE_DONE) fail("cannot delete expired revocations");
    next_cleanup = detail::sat_add(now, cleanup_interval);
    return sqlite3_changes64(db);
  }
};

SQLiteRevocationStore::SQLiteRevocationStore(const std::filesystem::path& path,
                                             std::int64_t cleanup_interval_seconds, Clock clock)
    : impl_(std::make_unique<Impl>()) {
  const std::string text = path.string();
  if (is_blank(text)) throw ConfigError("SQLiteRevocationStore path must not be blank");
  if (cleanup_interval_seconds <= 0) {
    throw ConfigError("SQLiteRevocationStore cleanup interval must be a positive number of seconds");
  }
  impl_->path = text;
  impl_->clock = clock ? std::move(clock) : Clock{&system_now};
  impl_->cleanup_interval = cleanup_interval_seconds;

  if (text != ":memory:") {
    const auto parent = path.parent_path();
    for (auto p = parent; !p.empty(); p = p.parent_path()) {
      std::error_code ec;
      if (std::filesystem::exists(p, ec) && !std::filesystem::is_directory(p, ec)) {
        throw ConfigError("SQLiteRevocationStore path '" + text + "': parent '" + p.string() +
                          "' is a file, not a directory");
      }
      if (p == p.parent_path()) break;
    }
    if (!parent.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(parent, ec);
      if (ec) {
        throw ConfigError("SQLiteRevocationStore path '" + text + "': cannot create '" + parent.string() +
                          "': " + ec.message());
      }
    }
  }

  // Our mutex serialises use of the connection, so SQLite's own can be skipped.
  if (sqlite3_open_v2(text.c_str(), &impl_->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    impl_->fail("cannot open the database");
  }
  impl_->check(sqlite3_busy_timeout(impl_->db, kBusyTimeoutMs), "cannot set the busy timeout");
  impl_->check(sqlite3_exec(impl_->db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr),
               "cannot switch to WAL");
  // FULL: a revocation reported as done is on disk, even if the machine loses power next.
  impl_->check(sqlite3_exec(impl_->db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr),
               "cannot set synchronous=FULL");
  impl_->check(sqlite3_exec(impl_->db, kSchema, nullptr, nullptr, nullptr), "cannot create the schema");
  impl_->is_revoked = impl_->prepare(kIsRevoked);
  impl_->revoke = impl_->prepare(kRevoke);
  impl_->purge = impl_->prepare(kPurge);
}

SQLiteRevocationStore::~SQLiteRevocationStore() = default;

bool SQLiteRevocationStore::is_revoked(std::string_view jti) {
  const std::int64_t now = impl_->clock();
  std::lock_guard lock{impl_->mutex};
  sqlite3_stmt* stmt = impl_->is_revoked;
  StatementUse use{stmt};
  impl_->bind_text(stmt, 1, jti);
  impl_->check(sqlite3_bind_int64(stmt, 2, now), "cannot bind a value");
  switch (sqlite3_step(stmt)) {
    case SQLITE_ROW: return true;
    case SQLITE_DONE: return false;
    default: impl_->fail("cannot read revocations");
  }
}

bool SQLiteRevocationStore::revoke(std::string_view jti, std::int64_t ttl_seconds,
                                   const RevocationMetadata& meta) {
  if (ttl_seconds <= 0) return false;
  const std::int64_t now = impl_->clock();
  std::lock_guard lock{impl_->mutex};
  if (now >= impl_->next_cleanup) impl_->purge_locked(now);
  sqlite3_stmt* stmt = impl_->revoke;
  StatementUse use{stmt};
  impl_->bind_text(stmt, 1, jti);
  impl_->check(sqlite3_bind_int64(stmt, 2, detail::sat_add(now, ttl_seconds)), "cannot bind a value");
  if (meta.reason) {
    impl_->bind_text(stmt, 3, *meta.reason);
  } else {
    impl_->check(sqlite3_bind_null(stmt, 3), "cannot bind a value");
  }
  impl_->check(sqlite3_bind_int64(stmt, 4, now), "cannot bind a value");
  if (sqlite3_step(stmt) != SQLITE_DONE) impl_->fail("cannot record a revocation");
  return sqlite3_changes64(impl_->db) == 1;
}

std::int64_t SQLiteRevocationStore::purge_expired() {
  const std::int64_t now = impl_->clock();
  std::lock_guard lock{impl_->mutex};
  return impl_->purge_locked(now);
}

}  // namespace jwtservice
