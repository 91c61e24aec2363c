// Tests for result.hpp and logger.hpp: reason and status names, the result type, the default loggers.
#include <gtest/gtest.h>

#include <cstddef>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "jwtservice/logger.hpp"
#include "jwtservice/result.hpp"

namespace {

using jwtservice::LogLevel;
using jwtservice::Reason;
using jwtservice::Status;
using jwtservice::status_for;
using jwtservice::to_string;
using jwtservice::VerificationResult;

/// Every Reason with its name, written out so that a renamed enumerator or string fails here.
constexpr std::pair<Reason, std::string_view> kReasonNames[] = {
    {Reason::none, "none"},
    {Reason::missing_token, "missing_token"},
    {Reason::invalid, "invalid"},
    {Reason::bad_signature, "bad_signature"},
    {Reason::invalid_iat, "invalid_iat"},
    {Reason::immature, "immature"},
    {Reason::expired, "expired"},
    {Reason::invalid_issuer, "invalid_issuer"},
    {Reason::invalid_audience, "invalid_audience"},
    {Reason::missing_sub, "missing_sub"},
    {Reason::invalid_action, "invalid_action"},
    {Reason::invalid_extra_data, "invalid_extra_data"},
    {Reason::missing_jti, "missing_jti"},
    {Reason::revoked, "revoked"},
    {Reason::rate_limited, "rate_limited"},
    {Reason::store_unavailable, "store_unavailable"},
};
static_assert(std::size(kReasonNames) == 16, "the contract has 16 reasons");
static_assert(static_cast<int>(Reason::store_unavailable) == 15, "a reason was added: list it above");

constexpr std::pair<Status, std::string_view> kStatusNames[] = {{Status::valid, "valid"},
                                                                {Status::invalid, "invalid"},
                                                                {Status::expired, "expired"},
                                                                {Status::revoked, "revoked"}};

static_assert(to_string(Reason::bad_signature) == "bad_signature", "to_string(Reason) is constexpr");
static_assert(status_for(Reason::expired) == Status::expired, "status_for is constexpr");

TEST(ReasonNames, EveryReasonIsNamedExactlyAfterItsEnumerator) {
  for (const auto& [reason, name] : kReasonNames) {
    EXPECT_EQ(to_string(reason), name) << "Reason " << static_cast<int>(reason) << " has the wrong name";
  }
}

TEST(ReasonNames, ReasonsAreListedInTheContractsOrder) {
  for (std::size_t i = 0; i < std::size(kReasonNames); ++i) {
    EXPECT_EQ(static_cast<std::size_t>(kReasonNames[i].first), i)
        << kReasonNames[i].second << " is not enumerator number " << i;
  }
}

TEST(ReasonNames, StreamingWritesTheName) {
  for (const auto& [reason, name] : kReasonNames) {
    std::ostringstream out;
    out << reason;
    EXPECT_EQ(out.str(), name) << "operator<< for Reason " << static_cast<int>(reason);
  }
}

TEST(StatusNames, EveryStatusIsNamedExactly) {
  for (const auto& [status, name] : kStatusNames) {
    EXPECT_EQ(to_string(status), name) << "Status " << static_cast<int>(status) << " has the wrong name";
  }
}

TEST(StatusNames, StreamingWritesTheName) {
  for (const auto& [status, name] : kStatusNames) {
    std::ostringstream out;
    out << status;
    EXPECT_EQ(out.str(), name) << "operator<< for Status " << static_cast<int>(status);
  }
}

TEST(StatusFor, ExpiredAndRevokedHaveTheirOwnStatus) {
  EXPECT_EQ(status_for(Reason::expired), Status::expired) << "reason expired";
  EXPECT_EQ(status_for(Reason::revoked), Status::revoked) << "reason revoked";
}

TEST(StatusFor, NoneIsValid) { EXPECT_EQ(status_for(Reason::none), Status::valid) << "reason none"; }

TEST(StatusFor, EveryOtherReasonIsInvalid) {
  for (const auto& [reason, name] : kReasonNames) {
    if (reason == Reason::none || reason == Reason::expired || reason == Reason::revoked) continue;
    EXPECT_EQ(status_for(reason), Status::invalid) << "reason " << name << " maps to " << status_for(reason);
  }
}

TEST(VerificationResultType, ConvertsToBoolOnlyExplicitly) {
  static_assert(std::is_constructible_v<bool, VerificationResult>, "if (result) must work");
  static_assert(!std::is_convertible_v<VerificationResult, bool>, "the bool conversion must be explicit");
  static_assert(!std::is_convertible_v<VerificationResult, int>, "a result must not decay to a number");
  VerificationResult valid;
  valid.valid = true;
  valid.status = Status::valid;
  EXPECT_TRUE(static_cast<bool>(valid)) << "a result with valid = true tests false";
  VerificationResult invalid;
  invalid.valid = false;
  invalid.status = Status::expired;
  invalid.reason = Reason::expired;
  EXPECT_FALSE(static_cast<bool>(invalid)) << "a result with valid = false tests true";
}

TEST(VerificationResultType, DefaultConstructedResultIsInvalidAndEmpty) {
  const VerificationResult r;
  EXPECT_FALSE(r.valid) << "a default result claims to be valid";
  EXPECT_FALSE(static_cast<bool>(r)) << "a default result tests true";
  EXPECT_EQ(r.status, Status::invalid) << "a default result has status " << r.status;
  EXPECT_FALSE(r.sub.has_value()) << "a default result has a sub";
  EXPECT_FALSE(r.action.has_value()) << "a default result has an action";
  EXPECT_FALSE(r.age.has_value()) << "a default result has an age";
  EXPECT_FALSE(r.expires_in.has_value()) << "a default result has expires_in";
  EXPECT_FALSE(r.aud.has_value()) << "a default result has an aud";
  EXPECT_FALSE(r.extra_data.has_value()) << "a default result has extra_data";
  EXPECT_FALSE(r.jti.has_value()) << "a default result has a jti";
}

TEST(VerificationResultType, DefaultConstructedResultIsAConsistentRefusal) {
  // A default result used to say reason none while valid was false: callers switching on the
  // reason then treated an unset result as a success.
  const VerificationResult r;
  EXPECT_EQ(r.status, status_for(r.reason)) << "status " << r.status << " does not match reason " << r.reason;
  EXPECT_EQ(r.valid, r.reason == Reason::none) << "valid disagrees with reason " << r.reason;
  EXPECT_NE(r.reason, Reason::none) << "a default result must not carry the success reason";
  EXPECT_FALSE(r.valid);
  EXPECT_FALSE(static_cast<bool>(r));
}

TEST(LogLevelNames, EveryLevelIsNamed) {
  EXPECT_EQ(to_string(LogLevel::debug), "debug") << "LogLevel::debug";
  EXPECT_EQ(to_string(LogLevel::info), "info") << "LogLevel::info";
  EXPECT_EQ(to_string(LogLevel::warning), "warning") << "LogLevel::warning";
  EXPECT_EQ(to_string(LogLevel::error), "error") << "LogLevel::error";
}

TEST(LogLevelNames, LevelsAreOrderedBySeverity) {
  EXPECT_LT(LogLevel::debug, LogLevel::info) << "debug must be below info";
  EXPECT_LT(LogLevel::info, LogLevel::warning) << "info must be below warning";
  EXPECT_LT(LogLevel::warning, LogLevel::error) << "warning must be below error";
}

/// What `log` writes to stderr.
template <class F>
std::string stderr_of(F&& log) {
  testing::internal::CaptureStderr();
  std::forward<F>(log)();
  return testing::internal::GetCapturedStderr();
}

TEST(StderrLogger, WarningIsWrittenAsOneWholeLine) {
  const auto logger = jwtservice::stderr_logger();
  const std::string out = stderr_of([&] { logger(LogLevel::warning, "something to look at"); });
  EXPECT_EQ(out, "jwtservice: warning: something to look at\n") << "the default logger wrote the wrong line";
}

TEST(StderrLogger, ErrorIsWrittenWithItsLevel) {
  const auto logger = jwtservice::stderr_logger();
  const std::string out = stderr_of([&] { logger(LogLevel::error, "broken"); });
  EXPECT_EQ(out, "jwtservice: error: broken\n") << "the default logger wrote the wrong line for an error";
}

TEST(StderrLogger, DefaultLevelDropsDebugAndInfo) {
  const auto logger = jwtservice::stderr_logger();
  const std::string out = stderr_of([&] {
    logger(LogLevel::debug, "debug detail");
    logger(LogLevel::info, "info detail");
  });
  EXPECT_TRUE(out.empty()) << "messages below warning were written: " << out.size() << " bytes";
}

TEST(StderrLogger, MinimumLevelFiltersBelowIt) {
  const auto logger = jwtservice::stderr_logger(LogLevel::error);
  const std::string out = stderr_of([&] {
    logger(LogLevel::warning, "dropped");
    logger(LogLevel::error, "kept");
  });
  EXPECT_EQ(out, "jwtservice: error: kept\n") << "stderr_logger(error) did not keep exactly the error";
}

TEST(StderrLogger, DebugLevelWritesEverything) {
  const auto logger = jwtservice::stderr_logger(LogLevel::debug);
  const std::string out = stderr_of([&] {
    logger(LogLevel::debug, "a");
    logger(LogLevel::info, "b");
  });
  EXPECT_EQ(out, "jwtservice: debug: a\njwtservice: info: b\n") << "stderr_logger(debug) dropped something";
}

TEST(StderrLogger, LinesFromManyThreadsNeverInterleave) {
  const auto logger = jwtservice::stderr_logger();
  const std::string message(200, 'x');
  constexpr int kThreads = 8;
  constexpr int kLinesPerThread = 50;
  const std::string out = stderr_of([&] {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < kLinesPerThread; ++i)
          logger(LogLevel::warning, message);
      });
    }
    for (auto& thread : threads)
      thread.join();
  });
  const std::string expected_line = "jwtservice: warning: " + message;
  std::istringstream lines{out};
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    ASSERT_EQ(line, expected_line) << "line " << count << " is mixed with another thread's output";
  }
  EXPECT_EQ(count, kThreads * kLinesPerThread) << "lines were lost or split";
}

TEST(NullLogger, WritesNothing) {
  const auto logger = jwtservice::null_logger();
  ASSERT_TRUE(static_cast<bool>(logger)) << "null_logger() is an empty std::function";
  const std::string out = stderr_of([&] { logger(LogLevel::error, "dropped"); });
  EXPECT_TRUE(out.empty()) << "null_logger wrote " << out.size() << " bytes";
}

}  // namespace
