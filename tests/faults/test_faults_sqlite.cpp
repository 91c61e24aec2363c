// SQLite on a bad day: each fault of docs/stores-and-faults.md, made for real (a clock running
// ahead, a deleted or replaced file, read-only files, directories and mounts, a full disk, a
// lock held too long, a corrupted file, a foreign schema), with the promise the store keeps.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <utility>

#include "fault_support.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::ConfigError;
using jwtservice::Reason;
using jwtservice::SQLiteRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;
using namespace std::chrono_literals;

std::int64_t real_now() { return jwtservice::system_now(); }

/// Runs `chattr FLAG path`; false when the file system does not support it.
bool chattr(const std::string& flag, const std::filesystem::path& path) {
  const auto r = jt::run_program({"/usr/bin/chattr", flag, path.string()}, {}, 10s);
  return r.exit_code == 0;
}

/// A temporary directory whose chattr +i flags are undone before it is removed.
class FaultDir : public jt::TempDir {
 public:
  FaultDir() = default;
  FaultDir(const FaultDir&) = delete;
  FaultDir& operator=(const FaultDir&) = delete;
  ~FaultDir() {
    for (const auto& p : immutable_)
      (void)chattr("-i", p);
  }
  /// chattr +i: not even root can write it (or, for a directory, add a file to it).
  bool make_immutable(const std::filesystem::path& p) {
    if (!chattr("+i", p)) return false;
    immutable_.push_back(p);
    return true;
  }

 private:
  std::vector<std::filesystem::path> immutable_;
};

class SqliteFaults : public ::testing::Test {
 protected:
  std::filesystem::path db() const { return dir_.path() / "revocations.db"; }

  /// A store on the real clock, as a deployed service has.
  std::unique_ptr<SQLiteRevocationStore> open_real() { return std::make_unique<SQLiteRevocationStore>(db()); }

  jwtservice::Service service(std::shared_ptr<SQLiteRevocationStore> store) const {
    return jwtservice::Service{jt::test_config(),
                               jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                                          .revocation_store = std::move(store)}};
  }

  /// A database with one live revocation "live-jti", written by a store that is then closed.
  void make_db_with_live_revocation() { ASSERT_TRUE(open_real()->revoke("live-jti", 3600, {})); }

  FaultDir dir_;
};

// --- time ------------------------------------------------------------------------------------------

TEST_F(SqliteFaults, ClockTwoHoursAheadDoesNotPurgeLiveRevocations) {
  auto honest = open_real();
  ASSERT_TRUE(honest->revoke("live-for-30-min", 1800, {}));
  const jt::FakeClock ahead{real_now() + 7200};
  SQLiteRevocationStore skewed{db(), 300, ahead};
  EXPECT_EQ(skewed.purge_expired(), 0) << "a clock two hours ahead purged a row a correct clock holds live";
  (void)skewed.revoke("another", 60, {});  // the scheduled purge runs here too
  EXPECT_TRUE(honest->is_revoked("live-for-30-min"));
  EXPECT_FALSE(skewed.is_revoked("live-for-30-min")) << "is_revoked still answers on the injected clock";
}

TEST_F(SqliteFaults, ClockAheadNeverShortensALiveRevocation) {
  auto honest = open_real();
  ASSERT_TRUE(honest->revoke("j", 1800, {.reason = "first"}));
  jt::RawDb raw{db()};
  const auto before = std::stoll(raw.scalar("SELECT expires_at FROM revoked_tokens WHERE jti = 'j'"));
  SQLiteRevocationStore skewed{db(), 300, jt::FakeClock{real_now() + 7200}};
  (void)skewed.revoke("j", 1, {.reason = "skewed"});  // to its clock the row has expired
  const auto after = std::stoll(raw.scalar("SELECT expires_at FROM revoked_tokens WHERE jti = 'j'"));
  EXPECT_GE(after, before) << "a revocation was shortened by a clock running ahead";
  EXPECT_TRUE(honest->is_revoked("j"));
}

TEST_F(SqliteFaults, PurgeDeletesOnlyRowsExpiredLongerThanTheMarginByTheSystemClock) {
  auto store = open_real();
  jt::RawDb raw{db()};
  const auto now = real_now();
  raw.exec("INSERT INTO revoked_tokens VALUES ('two-hours-ago', " + std::to_string(now - 7200) +
           ", NULL, 0)");
  raw.exec("INSERT INTO revoked_tokens VALUES ('half-an-hour-ago', " + std::to_string(now - 1800) +
           ", NULL, 0)");
  raw.exec("INSERT INTO revoked_tokens VALUES ('live', " + std::to_string(now + 600) + ", NULL, 0)");
  EXPECT_EQ(store->purge_expired(), 1);
  EXPECT_EQ(raw.scalar("SELECT group_concat(jti) FROM (SELECT jti FROM revoked_tokens ORDER BY jti)"),
            "half-an-hour-ago,live");
  EXPECT_FALSE(store->is_revoked("half-an-hour-ago")) << "expired is expired, purged or not";
}

TEST_F(SqliteFaults, PurgeMarginUnderAnHourIsAConfigError) {
  EXPECT_THROW(SQLiteRevocationStore(db(), 300, &jwtservice::system_now, 3599), ConfigError);
  EXPECT_NO_THROW(SQLiteRevocationStore(db(), 300, &jwtservice::system_now, 7200));
}

// --- paths that store nothing ----------------------------------------------------------------------

TEST_F(SqliteFaults, InMemoryAndUriPathsAreConfigErrorsNamingTheProblem) {
  const std::pair<std::string, std::string> cases[] = {
      {":memory:", "in-memory"},
      {"file:x.db?mode=memory", "URI"},
      {"file:x.db?immutable=1", "URI"},
      {"file:" + (dir_.path() / "x.db").string(), "URI"},
      {"FILE:x.db", "URI"},
  };
  for (const auto& [path, problem] : cases) {
    try {
      SQLiteRevocationStore store{path};
      ADD_FAILURE() << "accepted " << path;
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string{e.what()}.find(problem), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(SQLiteRevocationStore{""}, ConfigError);
  EXPECT_FALSE(std::filesystem::exists("x.db")) << "a URI made a file after all";
}

TEST_F(SqliteFaults, AFileNamedLikeAUriIsWrittenWithADotSlash) {
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.path());
  {
    SQLiteRevocationStore store{"./file:x"};
    EXPECT_TRUE(store.revoke("j", 60, {}));
    EXPECT_TRUE(SQLiteRevocationStore{"./file:x"}.is_revoked("j"));
  }
  std::filesystem::current_path(cwd);
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_.path() / "file:x"));
}

// --- a deleted or replaced file ----------------------------------------------------------------------

TEST_F(SqliteFaults, ADeletedDatabaseIsRecreatedAndNothingIsRevokedIntoTheOrphan) {
  auto store = open_real();
  ASSERT_TRUE(store->revoke("before", 600, {}));
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db().string() + suffix);  // what `rm revocations.db*` does
  ASSERT_TRUE(store->revoke("after", 600, {}));
  ASSERT_TRUE(std::filesystem::exists(db())) << "the revocation went into the deleted file";
  EXPECT_TRUE(SQLiteRevocationStore{db()}.is_revoked("after")) << "another process cannot see it";
  EXPECT_FALSE(store->is_revoked("before")) << "the deleted file's rows are gone for everyone";
}

TEST_F(SqliteFaults, ADeletedDirectoryIsMadeAgain) {
  const auto path = dir_.path() / "var" / "revocations.db";
  SQLiteRevocationStore store{path};
  ASSERT_TRUE(store.revoke("before", 600, {}));
  std::filesystem::remove_all(dir_.path() / "var");
  ASSERT_TRUE(store.revoke("after", 600, {}));
  EXPECT_TRUE(SQLiteRevocationStore{path}.is_revoked("after"));
}

TEST_F(SqliteFaults, AReplacedDatabaseIsReopenedForReadsAndWrites) {
  auto store = open_real();
  ASSERT_TRUE(store->revoke("old-file", 600, {}));
  const auto other = dir_.path() / "restored.db";
  ASSERT_TRUE(SQLiteRevocationStore{other}.revoke("new-file", 600, {}));
  // A restore from a backup while the service runs: the old file goes with its -wal and -shm
  // (a -wal left behind would be replayed into any file put at the path), the copy is renamed in.
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db().string() + suffix);
  std::filesystem::rename(other, db());
  EXPECT_TRUE(store->is_revoked("new-file")) << "still reading the replaced file";
  EXPECT_FALSE(store->is_revoked("old-file"));
  ASSERT_TRUE(store->revoke("written-after", 600, {}));
  EXPECT_TRUE(SQLiteRevocationStore{db()}.is_revoked("written-after")) << "written into the replaced file";
}

/// Puts a database holding only "new-file" at db(), as a restore from a backup does.
void replace_database(const std::filesystem::path& db, const std::filesystem::path& scratch) {
  ASSERT_TRUE(SQLiteRevocationStore{scratch}.revoke("new-file", 600, {}));
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db.string() + suffix);
  std::filesystem::rename(scratch, db);
}

TEST_F(SqliteFaults, WithAZeroIntervalEveryReadChecksForAReplacedFile) {
  SQLiteRevocationStore store{db(), 300, &jwtservice::system_now, jwtservice::default_purge_margin_seconds,
                              std::chrono::milliseconds{0}};
  ASSERT_FALSE(store.is_revoked("new-file"));  // a read: the check is done and the file is current
  replace_database(db(), dir_.path() / "restored.db");
  EXPECT_TRUE(store.is_revoked("new-file")) << "the very next read should see the replacement";
}

TEST_F(SqliteFaults, ReadsCheckForAReplacedFileAtMostOncePerIntervalAndWritesAlways) {
  SQLiteRevocationStore store{db(), 300, &jwtservice::system_now, jwtservice::default_purge_margin_seconds,
                              std::chrono::hours{1}};
  ASSERT_FALSE(store.is_revoked("new-file"));  // the first read checks; the next is due in an hour
  replace_database(db(), dir_.path() / "restored.db");
  EXPECT_FALSE(store.is_revoked("new-file")) << "reads inside the interval are documented to skip the check";
  ASSERT_TRUE(store.revoke("written-after", 600, {}));  // a write always checks, and reopens
  EXPECT_TRUE(SQLiteRevocationStore{db()}.is_revoked("written-after")) << "written into the orphaned file";
  EXPECT_TRUE(store.is_revoked("new-file")) << "reads follow the reopened file";
}

TEST(SqliteStoreOptions, ANegativeMovedCheckIntervalIsAConfigError) {
  jt::TempDir dir;
  EXPECT_THROW(SQLiteRevocationStore(dir.path() / "x.db", 300, &jwtservice::system_now,
                                     jwtservice::default_purge_margin_seconds, std::chrono::milliseconds{-1}),
               jwtservice::ConfigError);
}

// --- read-only ---------------------------------------------------------------------------------------

TEST_F(SqliteFaults, AnImmutableFileIsOpenedReadOnlyAndValidates) {
  make_db_with_live_revocation();
  if (!dir_.make_immutable(db()))
    GTEST_SKIP() << "chattr +i is not supported here (needs root and ext4/tmpfs)";
  auto store = std::make_shared<SQLiteRevocationStore>(db());
  EXPECT_TRUE(store->read_only());
  EXPECT_TRUE(store->is_revoked("live-jti"));
  EXPECT_FALSE(store->is_revoked("other"));
  try {
    (void)store->revoke("new", 60, {});
    FAIL() << "a revocation was reported into a read-only file";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("is read-only"), std::string::npos) << e.what();
  }
  auto svc = service(store);
  EXPECT_EQ(svc.validar(svc.criar({.sub = "u", .jti = "live-jti"})).reason, Reason::revoked);
  EXPECT_TRUE(svc.validar(svc.criar({.sub = "u", .jti = "fresh"})).valid);
}

TEST_F(SqliteFaults, TheCliValidatesAgainstAnImmutableFile) {
  make_db_with_live_revocation();
  if (!dir_.make_immutable(db()))
    GTEST_SKIP() << "chattr +i is not supported here (needs root and ext4/tmpfs)";
  const jwtservice::Service issuer{jt::test_config(), {.logger = jwtservice::null_logger()}};
  const std::string env = "SECRET_KEY=" + std::string{jt::kSecret};
  const std::string store = "sqlite:" + db().string();
  const auto revoked = jt::run_program(
      {JWTSERVICE_CLI, "validate", "--store", store, issuer.criar({.sub = "u", .jti = "live-jti"})}, {env});
  EXPECT_EQ(revoked.exit_code, 1) << revoked.output;
  EXPECT_NE(revoked.output.find("\"revoked\""), std::string::npos) << revoked.output;
  const auto valid = jt::run_program(
      {JWTSERVICE_CLI, "validate", "--store", store, issuer.criar({.sub = "u", .jti = "ok"})}, {env});
  EXPECT_EQ(valid.exit_code, 0) << valid.output;
}

TEST_F(SqliteFaults, AChmod444FileIsReadOnlyForAnOrdinaryUser) {
  make_db_with_live_revocation();
  std::filesystem::permissions(dir_.path(), std::filesystem::perms::all);  // the -shm can be made
  std::filesystem::permissions(db(), std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
  const std::string path = db().string();
  const std::string report = jt::run_as_nobody([&]() -> std::string {
    SQLiteRevocationStore store{path};
    if (!store.read_only()) return "not opened read-only";
    if (!store.is_revoked("live-jti")) return "the live revocation was not seen";
    try {
      (void)store.revoke("new", 60, {});
      return "revoke succeeded on a read-only file";
    } catch (const StoreError& e) {
      if (std::string{e.what()}.find("is read-only") == std::string::npos) return e.what();
    }
    return "";
  });
  if (report == "not root") GTEST_SKIP() << "needs root to act as another user";
  EXPECT_EQ(report, "");
}

TEST_F(SqliteFaults, AReadOnlyDirectoryServesARollbackJournalDatabase) {
  {
    jt::RawDb raw{db()};  // as a copy shipped to validators might be made
    raw.exec(
        "CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, reason TEXT NULL, "
        "created_at INTEGER NOT NULL); INSERT INTO revoked_tokens VALUES ('live-jti', " +
        std::to_string(real_now() + 3600) + ", NULL, 0)");
  }
  if (!dir_.make_immutable(dir_.path())) GTEST_SKIP() << "chattr +i is not supported here";
  SQLiteRevocationStore store{db()};
  EXPECT_TRUE(store.read_only());
  EXPECT_TRUE(store.is_revoked("live-jti"));
  EXPECT_THROW((void)store.revoke("new", 60, {}), StoreError);
}

TEST_F(SqliteFaults, AReadOnlyDirectoryWithAWalDatabaseIsAClearStoreError) {
  make_db_with_live_revocation();  // WAL mode; its -wal and -shm went with the last connection
  if (!dir_.make_immutable(dir_.path())) GTEST_SKIP() << "chattr +i is not supported here";
  try {
    SQLiteRevocationStore store{db()};
    (void)store.is_revoked("live-jti");
    FAIL() << "opened a WAL database without its -shm (SQLite cannot)";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string{e.what()}.find("journal_mode=DELETE"), std::string::npos) << e.what();
  }
}

// --- damaged files -------------------------------------------------------------------------------------

TEST_F(SqliteFaults, ACorruptedDatabaseFailsClosed) {
  {
    auto store = open_real();
    for (int i = 0; i < 200; ++i)
      ASSERT_TRUE(store->revoke("jti-" + std::to_string(i), 3600, {}));
  }
  const auto size = std::filesystem::file_size(db());
  ASSERT_GT(size, 4096U * 3);
  {
    std::fstream f{db(), std::ios::in | std::ios::out | std::ios::binary};
    f.seekp(4096);  // every page but the first (the schema) becomes garbage
    const std::string garbage(size - 4096, '\x5a');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  try {
    auto store = std::make_shared<SQLiteRevocationStore>(db());
    EXPECT_THROW((void)store->is_revoked("jti-7"), StoreError);
    auto svc = service(store);
    EXPECT_EQ(svc.validar(svc.criar({.sub = "u", .jti = "jti-7"})).reason, Reason::store_unavailable);
  } catch (const StoreError&) {
    SUCCEED() << "refused when opened: fails closed too";
  }
}

TEST_F(SqliteFaults, AForeignTableOfTheSameNameIsAStoreErrorAtOpening) {
  jt::RawDb{db()}.exec("CREATE TABLE revoked_tokens (token TEXT, until INTEGER)");
  EXPECT_THROW(SQLiteRevocationStore{db()}, StoreError);
}

// --- locks and space ---------------------------------------------------------------------------------

TEST_F(SqliteFaults, AWriteLockHeldLongerThanTheBusyTimeoutFailsWritesClosedInBoundedTime) {
  auto store = std::shared_ptr<SQLiteRevocationStore>(open_real());
  auto svc = service(store);
  const auto token = svc.criar({.sub = "u"});
  jt::RawDb holder{db()};
  holder.exec("BEGIN IMMEDIATE");  // another process in the middle of a long write
  holder.exec("INSERT INTO revoked_tokens VALUES ('held', 0, NULL, 0)");
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)svc.revogar(token), StoreError);
  EXPECT_LT(jt::seconds_since(start), 8.0) << "the busy timeout (5 s) did not bound the call";
  start = std::chrono::steady_clock::now();
  EXPECT_THROW((void)svc.consumir(token), StoreError);
  EXPECT_LT(jt::seconds_since(start), 8.0);
  EXPECT_TRUE(svc.validar(token).valid) << "WAL readers are never blocked by a writer";
  holder.exec("COMMIT");
  EXPECT_TRUE(svc.revogar(token)) << "writes again once the lock is released";
  EXPECT_EQ(svc.validar(token).reason, Reason::revoked);
}

/// A 1 MiB tmpfs mounted over a directory of the test's own (needs root), unmounted at the end.
class SmallMount {
 public:
  explicit SmallMount(std::filesystem::path where) : where_(std::move(where)) {
    std::filesystem::create_directories(where_);
    if (::geteuid() != 0) {
      why_not_ = "not root: mounting a small tmpfs needs root";
    } else if (::mount("tmpfs", where_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0) {
      why_not_ = std::string{"cannot mount a tmpfs: "} + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~SmallMount() {
    if (mounted_ && ::umount2(where_.c_str(), 0) != 0) (void)::umount2(where_.c_str(), MNT_DETACH);
  }
  SmallMount(const SmallMount&) = delete;
  SmallMount& operator=(const SmallMount&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  [[nodiscard]] const std::string& why_not() const { return why_not_; }

 private:
  std::filesystem::path where_;
  bool mounted_ = false;
  std::string why_not_;
};

/// Writes zeros to `path` until the file system is full.
void fill(const std::filesystem::path& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  const std::string block(4096, '\0');
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && std::fflush(f) == 0) {
  }
  (void)std::fclose(f);
}

TEST_F(SqliteFaults, AFullDiskFailsRevocationsClosedAndKeepsValidating) {
  const auto mount_point = dir_.path() / "small";
  const SmallMount mount{mount_point};
  if (!mount.mounted()) GTEST_SKIP() << mount.why_not();
  const auto path = mount_point / "revocations.db";
  auto store = std::make_shared<SQLiteRevocationStore>(path);
  ASSERT_TRUE(store->revoke("before-full", 3600, {}));
  fill(mount_point / "filler");
  int failures = 0;
  for (int i = 0; i < 50 && failures == 0; ++i) {  // the -wal may have room for a few pages
    try {
      if (!store->revoke("while-full-" + std::to_string(i), 3600, {})) ADD_FAILURE() << "false, not an error";
    } catch (const StoreError&) {
      ++failures;
    }
  }
  EXPECT_EQ(failures, 1) << "a full disk never failed a revocation";
  EXPECT_TRUE(store->is_revoked("before-full")) << "reads keep working on a full disk";
  std::filesystem::remove(mount_point / "filler");
  EXPECT_TRUE(store->revoke("after-space-freed", 3600, {}));
  EXPECT_TRUE(SQLiteRevocationStore{path}.is_revoked("after-space-freed"));
}

}  // namespace
