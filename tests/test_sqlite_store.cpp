// SQLiteRevocationStore specifics: the shared schema, WAL, errors, cleanup, and what holds
// across processes (one consume winner, durability through SIGKILL).
#include "jwtservice/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "raw_sqlite.hpp"
#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::ConfigError;
using jwtservice::SQLiteRevocationStore;
using jwtservice::StoreError;
namespace jt = jwtservice::testing;

using jt::RawDb;

class SqliteStore : public ::testing::Test {
 protected:
  std::filesystem::path db_path() const { return dir_.path() / "var" / "revocations.db"; }
  std::unique_ptr<SQLiteRevocationStore> open(std::int64_t cleanup_interval = 300) {
    return std::make_unique<SQLiteRevocationStore>(db_path(), cleanup_interval, clock_);
  }

  jt::TempDir dir_;
  jt::FakeClock clock_{jt::kNow};
};

TEST_F(SqliteStore, CreatesThePythonPackagesSchema) {
  auto store = open();
  RawDb raw{db_path()};
  EXPECT_EQ(
      raw.scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'revoked_tokens'"),
      "CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, reason TEXT NULL, "
      "created_at INTEGER NOT NULL)");
  // name, declared type, not null, primary key: what a Python service reads and writes.
  const std::vector<std::vector<std::string>> columns{{"jti", "TEXT", "0", "1"},
                                                      {"expires_at", "INTEGER", "1", "0"},
                                                      {"reason", "TEXT", "0", "0"},
                                                      {"created_at", "INTEGER", "1", "0"}};
  EXPECT_EQ(raw.rows("SELECT name, type, \"notnull\", pk FROM pragma_table_info('revoked_tokens')"), columns);
  EXPECT_EQ(raw.scalar("SELECT tbl_name || ':' || sql FROM sqlite_master WHERE type = 'index' AND name = "
                       "'idx_revoked_tokens_expires_at'"),
            "revoked_tokens:CREATE INDEX idx_revoked_tokens_expires_at ON revoked_tokens (expires_at)");
}

TEST_F(SqliteStore, UsesWriteAheadLogging) {
  auto store = open();
  RawDb raw{db_path()};
  EXPECT_EQ(raw.scalar("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStore, CreatesMissingParentDirectories) {
  ASSERT_FALSE(std::filesystem::exists(db_path().parent_path()));
  auto store = open();
  EXPECT_TRUE(std::filesystem::is_regular_file(db_path()));
}

TEST_F(SqliteStore, RowsWrittenLikeThePythonPackageAreHonoured) {
  auto store = open();
  RawDb raw{db_path()};
  raw.exec("INSERT INTO revoked_tokens (jti, expires_at, reason, created_at) VALUES ('from-python', " +
           std::to_string(jt::kNow + 100) + ", NULL, " + std::to_string(jt::kNow) + ")");
  raw.exec("INSERT INTO revoked_tokens (jti, expires_at, reason, created_at) VALUES ('expired', " +
           std::to_string(jt::kNow) + ", 'x', " + std::to_string(jt::kNow - 100) + ")");
  EXPECT_TRUE(store->is_revoked("from-python"));
  EXPECT_FALSE(store->is_revoked("expired")) << "expires_at == now has expired";
}

TEST_F(SqliteStore, RowsItWritesAreWhatThePythonPackageReads) {
  auto store = open();
  ASSERT_TRUE(store->revoke("j1", 120, {.reason = "logout"}));
  ASSERT_TRUE(store->revoke("j2", 60, {}));
  RawDb raw{db_path()};
  const std::vector<std::vector<std::string>> expected{
      {"j1", std::to_string(jt::kNow + 120), "logout", std::to_string(jt::kNow)},
      {"j2", std::to_string(jt::kNow + 60), "NULL", std::to_string(jt::kNow)}};
  EXPECT_EQ(raw.rows("SELECT jti, expires_at, reason, created_at FROM revoked_tokens ORDER BY jti"),
            expected);
  EXPECT_EQ(raw.scalar("SELECT typeof(expires_at) || typeof(created_at) FROM revoked_tokens LIMIT 1"),
            "integerinteger");
}

TEST_F(SqliteStore, RevocationsSurviveReopening) {
  open()->revoke("kept", 60, {});
  EXPECT_TRUE(open()->is_revoked("kept"));
}

TEST_F(SqliteStore, TwoStoresOnOneFileSeeEachOther) {
  auto a = open();
  auto b = open();
  ASSERT_TRUE(a->revoke("shared", 60, {}));
  EXPECT_TRUE(b->is_revoked("shared"));
  EXPECT_FALSE(b->revoke("shared", 60, {}));
}

TEST_F(SqliteStore, BlankPathIsAConfigError) {
  EXPECT_THROW(SQLiteRevocationStore{""}, ConfigError);
  EXPECT_THROW(SQLiteRevocationStore{"   "}, ConfigError);
}

TEST_F(SqliteStore, ParentThatIsAFileIsAConfigError) {
  const auto file = dir_.path() / "not-a-dir";
  std::ofstream{file} << "x";
  try {
    SQLiteRevocationStore store{file / "sub" / "revocations.db"};
    FAIL() << "a path under a regular file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string{e.what()}.find("not-a-dir"), std::string::npos) << e.what();
  }
}

TEST_F(SqliteStore, NonPositiveCleanupIntervalIsAConfigError) { EXPECT_THROW(open(0), ConfigError); }

TEST_F(SqliteStore, AFileThatIsNotADatabaseIsAStoreError) {
  std::filesystem::create_directories(db_path().parent_path());
  std::ofstream{db_path()} << std::string(4096, 'x');
  EXPECT_THROW(open(), StoreError);
}

TEST_F(SqliteStore, FailuresAfterOpeningThrowStoreErrorAndTheServiceFailsClosed) {
  std::shared_ptr<SQLiteRevocationStore> store = open();
  jwtservice::Service service{
      jt::test_config(),
      jwtservice::ServiceOptions{
          .logger = jwtservice::null_logger(), .revocation_store = store, .clock = clock_}};
  const auto token = service.criar({.sub = "u"});
  RawDb{db_path()}.exec("DROP TABLE revoked_tokens");
  EXPECT_THROW((void)store->is_revoked("x"), StoreError);
  EXPECT_EQ(service.validar(token).reason, jwtservice::Reason::store_unavailable);
  EXPECT_THROW((void)service.revogar(token), StoreError);
  EXPECT_THROW((void)service.consumir(token), StoreError);
}

TEST_F(SqliteStore, ExpiredRowsAreDeletedOncePerCleanupInterval) {
  auto store = open(60);
  RawDb raw{db_path()};
  ASSERT_TRUE(store->revoke("short", 10, {}));  // the first write cleans up and schedules the next
  clock_.advance(10);
  ASSERT_TRUE(store->revoke("long", 1000, {}));
  EXPECT_EQ(raw.scalar("SELECT count(*) FROM revoked_tokens"), "2") << "cleaned up before the interval";
  clock_.advance(50);
  ASSERT_TRUE(store->revoke("third", 1000, {}));
  EXPECT_EQ(raw.scalar("SELECT group_concat(jti) FROM (SELECT jti FROM revoked_tokens ORDER BY jti)"),
            "long,third");
}

TEST_F(SqliteStore, PurgeExpiredReportsWhatItDeleted) {
  auto store = open();
  ASSERT_TRUE(store->revoke("a", 5, {}));
  ASSERT_TRUE(store->revoke("b", 5, {}));
  ASSERT_TRUE(store->revoke("c", 500, {}));
  clock_.advance(5);
  EXPECT_EQ(store->purge_expired(), 2);
  EXPECT_TRUE(store->is_revoked("c"));
}

// --- several processes ----------------------------------------------------------------------------

using jt::Child;
using jt::spawn;
using jt::wait_exit_code;

TEST_F(SqliteStore, OfEightProcessesConsumingOneTokenExactlyOneWins) {
  open();  // create the schema first, as a deployed service would have
  jwtservice::Service issuer{
      jt::test_config(), jwtservice::ServiceOptions{.logger = jwtservice::null_logger(), .clock = clock_}};
  const auto token = issuer.criar({.action = jwtservice::JWTAction::RESET_PASSWORD, .sub = "u"});
  std::vector<Child> children;
  for (int i = 0; i < 8; ++i) {
    children.push_back(spawn({"consume", db_path().string(), std::to_string(jt::kNow), token}));
  }
  for (const auto& c : children)
    ASSERT_EQ(::write(c.stdin_fd, "g", 1), 1);  // start them together
  int valid = 0;
  int revoked = 0;
  for (const auto& c : children) {
    const int code = wait_exit_code(c);
    if (code == 0) ++valid;
    if (code == 1) ++revoked;
    EXPECT_LE(code, 1) << "a child failed (exit " << code << ")";
  }
  EXPECT_EQ(valid, 1);
  EXPECT_EQ(revoked, 7);
}

TEST_F(SqliteStore, RevocationReportedTrueSurvivesSigkillRightAfter) {
  const auto child = spawn({"revoke-and-hang", db_path().string(), "killed-jti"});
  char answer = 0;
  ASSERT_EQ(::read(child.stdout_fd, &answer, 1), 1) << "the child said nothing";
  ASSERT_EQ(answer, '1') << "the child's revoke did not report true";
  ASSERT_EQ(::kill(child.pid, SIGKILL), 0);
  EXPECT_EQ(wait_exit_code(child), 100 + SIGKILL);
  SQLiteRevocationStore reopened{db_path()};
  EXPECT_TRUE(reopened.is_revoked("killed-jti")) << "a revocation reported true was lost with the process";
}

}  // namespace
