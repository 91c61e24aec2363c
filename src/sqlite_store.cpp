// SQLiteRevocationStore: the Python package's schema, WAL, prepared statements, one atomic upsert,
// and what keeps a bad day from losing revocations (see docs/stores-and-faults.md).
#include "jwtservice/sqlite_store.hpp"
#include "jwtservice/detail/text.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <fstream>
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
// A row is reused only when expires_at <= now, and the new expires_at is now + ttl with ttl > 0,
// so a reuse can only move expires_at later; MAX() states it in the statement itself, so that
// no clock (one running ahead included) can ever shorten a revocation another process wrote.
constexpr const char* kRevoke =
    "INSERT INTO revoked_tokens (jti, expires_at, reason, created_at) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (jti) DO UPDATE SET expires_at = MAX(revoked_tokens.expires_at, excluded.expires_at), "
    "reason = excluded.reason, created_at = excluded.created_at WHERE revoked_tokens.expires_at <= ?4";

constexpr const char* kPurge = "DELETE FROM revoked_tokens WHERE expires_at <= ?1";

constexpr int kBusyTimeoutMs = 5000;

using detail::is_blank;

/// SQLite opens `:memory:` and, as Debian builds it (SQLITE_USE_URI=1, which no connection can
/// turn off), `file:` URIs such as `file:x.db?mode=memory` or `?immutable=1`: databases that
/// keep nothing, or that never see another process's revocations. Refused by name.
void refuse_paths_that_store_nothing(const std::string& text) {
  if (text == ":memory:") {
    throw ConfigError(
        "SQLiteRevocationStore path ':memory:' is an in-memory database: its revocations "
        "would vanish with the process and no other process would see them; give a file path");
  }
  if (detail::istarts_with(text, "file:")) {
    throw ConfigError("SQLiteRevocationStore path '" + text +
                      "' is an SQLite URI (file:...), which is refused: mode=memory, immutable=1 and "
                      "the like store nothing or miss other processes' revocations; give a plain path "
                      "(for a file whose name starts with 'file:', write './" +
                      text + "')");
  }
}

/// Creates the missing parent directories of `path`; what went wrong, or "" when all is well.
std::string make_parent_directories(const std::filesystem::path& path) {
  const auto parent = path.parent_path();
  for (auto p = parent; !p.empty(); p = p.parent_path()) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec) && !std::filesystem::is_directory(p, ec)) {
      return "parent '" + p.string() + "' is a file, not a directory";
    }
    if (p == p.parent_path()) break;
  }
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) return "cannot create '" + parent.string() + "': " + ec.message();
  }
  return {};
}

/// True when an SQLite error means "this cannot be written here" (a read-only file, directory
/// or mount), as opposed to a busy, corrupt or missing database.
bool is_read_only_error(int rc) noexcept {
  const int primary = rc & 0xff;
  return primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM ||
         primary == SQLITE_AUTH;
}

/// True when the file at `path` starts with an SQLite header that says WAL (bytes 18 and 19 = 2).
bool is_wal_file(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  char header[20]{};
  return in.read(header, sizeof header) && header[18] == 2 && header[19] == 2;
}

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
  bool read_only = false;
  std::mutex mutex;
  Clock clock;
  std::int64_t cleanup_interval = 300;
  std::int64_t purge_margin = default_purge_margin_seconds;
  std::int64_t next_cleanup = std::numeric_limits<std::int64_t>::min();
  std::chrono::milliseconds moved_check_interval = default_moved_check_interval;
  std::chrono::steady_clock::time_point next_moved_check{};  // for reads

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { close(); }

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

  /// Closes the connection. When it holds a file that was deleted or replaced (`moved`), the
  /// close must touch nothing at the path, whose -wal and -shm may belong to another database
  /// now: no checkpoint runs (it would delete the -wal and -shm by name on the way out).
  void close(bool moved = false) noexcept {
    sqlite3_finalize(is_revoked);
    sqlite3_finalize(revoke);
    sqlite3_finalize(purge);
    is_revoked = revoke = purge = nullptr;
    if (db != nullptr) {
      if (moved) sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
      sqlite3_close_v2(db);
      db = nullptr;
    }
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

  /// Opens the path: read-write in WAL mode with the schema when it can be written, else
  /// read-only (a read-only file, directory or mount) with the schema as found. Throws
  /// StoreError, leaving no connection behind.
  void open() {
    try {
      if (!open_read_write()) open_read_only();
      is_revoked = prepare(kIsRevoked);
      revoke = prepare(kRevoke);
      purge = prepare(kPurge);
    } catch (...) {
      close();
      throw;
    }
  }

  /// False when the database turned out not to be writable here (the connection is closed then).
  bool open_read_write() {
    // Our mutex serialises use of the connection, so SQLite's own can be skipped.
    const int rc = sqlite3_open_v2(path.c_str(), &db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      if (is_read_only_error(rc)) {
        close();
        return false;
      }
      fail("cannot open the database");
    }
    check(sqlite3_busy_timeout(db, kBusyTimeoutMs), "cannot set the busy timeout");
    // SQLite falls back to a read-only file descriptor by itself when the file cannot be
    // opened for writing (chmod 444, chattr +i): switching to WAL would then fail.
    if (sqlite3_db_readonly(db, "main") == 1) {
      close();
      return false;
    }
    const int wal = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if (wal != SQLITE_OK && is_read_only_error(sqlite3_extended_errcode(db))) {
      close();  // a read-only directory: no -wal or -shm can be made next to the file
      return false;
    }
    check(wal, "cannot switch to WAL");
    // FULL: a revocation reported as done is on disk, even if the machine loses power next.
    check(sqlite3_exec(db, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr),
          "cannot set synchronous=FULL");
    check(sqlite3_exec(db, kSchema, nullptr, nullptr, nullptr), "cannot create the schema");
    read_only = false;
    return true;
  }

  void open_read_only() {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      fail("cannot open the database, not even read-only");
    }
    read_only = true;
    check(sqlite3_busy_timeout(db, kBusyTimeoutMs), "cannot set the busy timeout");
    // The first read parses the schema: a WAL database can only be read when its -shm exists
    // or can be made, which a read-only directory forbids once every writer has gone.
    const int rc = sqlite3_exec(db, "SELECT 1 FROM revoked_tokens LIMIT 1", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_CANTOPEN && is_wal_file(path)) {
      fail(
          "cannot be written here (read-only directory?) and is in WAL mode, which SQLite can only read "
          "while its -wal and -shm files exist or can be created; make the directory writable, or ship a "
          "copy converted with PRAGMA journal_mode=DELETE");
    }
    fail("opened read-only but cannot be read");
  }

  enum class Use { read, write };

  /// Reopens the path when the file this connection holds was deleted or replaced (renamed
  /// over): writing into an orphaned inode would report revocations nobody else can see, and
  /// reading it would miss theirs. Writes always check; reads at most once per
  /// moved_check_interval (the check is a stat(), dearer than the lookup). Also opens a
  /// connection that an earlier failure closed.
  void ensure_current(Use use) {
    if (db != nullptr) {
      if (use == Use::read && moved_check_interval.count() > 0) {
        const auto now = std::chrono::steady_clock::now();
        if (now < next_moved_check) return;
        next_moved_check = now + moved_check_interval;
      }
      int moved = 0;
      if (sqlite3_file_control(db, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved == 0) return;
      close(true);
    }
    // The directory may have gone with the file (rm -r var/): made again, as at construction.
    if (const std::string problem = make_parent_directories(path); !problem.empty()) fail(problem);
    open();
  }

  std::int64_t purge_locked(std::int64_t now) {
    // Deletes only what both this store's clock and the system clock (less the margin) call
    // expired: a clock running ahead cannot wipe revocations a correct clock still holds live,
    // and a clock running behind keeps what its own is_revoked still reports.
    const std::int64_t before = std::min(now, detail::sat_sub(system_now(), purge_margin));
    StatementUse use{purge};
    check(sqlite3_bind_int64(purge, 1, before), "cannot bind a value");
    if (sqlite3_step(purge) != SQLITE_DONE) fail("cannot delete expired revocations");
    next_cleanup = detail::sat_add(now, cleanup_interval);
    return sqlite3_changes64(db);
  }

  [[noreturn]] void fail_read_only() const {
    throw StoreError("SQLite revocation store '" + path +
                     "' is read-only (the file, its directory or its mount cannot be written): "
                     "revocations cannot be recorded in it");
  }
};

SQLiteRevocationStore::SQLiteRevocationStore(const std::filesystem::path& path,
                                             std::int64_t cleanup_interval_seconds, Clock clock,
                                             std::int64_t purge_margin_seconds,
                                             std::chrono::milliseconds moved_check_interval)
    : impl_(std::make_unique<Impl>()) {
  const std::string text = path.string();
  if (is_blank(text)) throw ConfigError("SQLiteRevocationStore path must not be blank");
  refuse_paths_that_store_nothing(text);
  if (cleanup_interval_seconds <= 0) {
    throw ConfigError("SQLiteRevocationStore cleanup interval must be a positive number of seconds");
  }
  if (purge_margin_seconds < default_purge_margin_seconds) {
    throw ConfigError("SQLiteRevocationStore purge margin must be at least " +
                      std::to_string(default_purge_margin_seconds) + " seconds");
  }
  if (moved_check_interval.count() < 0) {
    throw ConfigError("SQLiteRevocationStore moved-file check interval must not be negative");
  }
  impl_->path = text;
  impl_->moved_check_interval = moved_check_interval;
  impl_->clock = clock ? std::move(clock) : Clock{&system_now};
  impl_->cleanup_interval = cleanup_interval_seconds;
  impl_->purge_margin = purge_margin_seconds;

  if (const std::string problem = make_parent_directories(path); !problem.empty()) {
    throw ConfigError("SQLiteRevocationStore path '" + text + "': " + problem);
  }
  impl_->open();
}

SQLiteRevocationStore::~SQLiteRevocationStore() = default;

bool SQLiteRevocationStore::read_only() const {
  std::lock_guard lock{impl_->mutex};
  return impl_->read_only;
}

bool SQLiteRevocationStore::is_revoked(std::string_view jti) {
  const std::int64_t now = impl_->clock();
  std::lock_guard lock{impl_->mutex};
  impl_->ensure_current(Impl::Use::read);
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
  impl_->ensure_current(Impl::Use::write);
  if (impl_->read_only) impl_->fail_read_only();
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
  impl_->ensure_current(Impl::Use::write);
  if (impl_->read_only) impl_->fail_read_only();
  return impl_->purge_locked(now);
}

}  // namespace jwtservice
