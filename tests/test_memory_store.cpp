// InMemoryRevocationStore specifics: exact lookups of any jti, lock-free readers that see every
// finished revocation, and memory bounded by (and small per) live revocation.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "store_fixtures.hpp"

namespace {

namespace jt = jwtservice::testing;
using jwtservice::InMemoryRevocationStore;

TEST(InMemoryStore, ExpiredEntriesArePurgedByLaterRevocations) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(store.revoke("old-" + std::to_string(i), 10, {}));
  EXPECT_EQ(store.size(), 1000u);
  clock.advance(10);
  // Each revoke sweeps its own shard and one more in turn: 16 revocations sweep every shard.
  for (int i = 0; i < 16; ++i)
    ASSERT_TRUE(store.revoke("new-" + std::to_string(i), 10, {}));
  EXPECT_EQ(store.size(), 16u) << "expired entries were kept after every shard was swept";
}

TEST(InMemoryStore, MemoryIsBoundedByLiveRevocationsUnderSteadyChurn) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  // One revocation per second, each living 60 s: at most ~60 live at any time.
  std::size_t peak = 0;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(store.revoke("jti-" + std::to_string(i), 60, {}));
    clock.advance(1);
    peak = std::max(peak, store.size());
  }
  EXPECT_LE(peak, 60u + 16u) << "memory grew with the history of revocations, not the live ones";
}

TEST(InMemoryStore, PurgeExpiredDropsEverythingExpiredAtOnce) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(store.revoke(std::to_string(i), i < 50 ? 5 : 500, {}));
  clock.advance(5);
  store.purge_expired();
  EXPECT_EQ(store.size(), 50u);
  EXPECT_TRUE(store.is_revoked("99"));
  EXPECT_FALSE(store.is_revoked("0"));
}

TEST(InMemoryStore, ReRevocationAfterExpiryIsNotPurgedByItsOldExpiry) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  ASSERT_TRUE(store.revoke("a", 10, {}));
  clock.advance(10);
  ASSERT_TRUE(store.revoke("a", 100, {}));
  store.purge_expired();
  EXPECT_TRUE(store.is_revoked("a")) << "the stale heap entry of the first revocation removed the second";
}

TEST(InMemoryStore, DefaultClockIsTheSystemClock) {
  InMemoryRevocationStore store;
  ASSERT_TRUE(store.revoke("a", 60, {}));
  EXPECT_TRUE(store.is_revoked("a"));
}

std::string uuid_like(std::uint64_t n) {  // 36 characters, like the UUIDs criar makes
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-4%03llx-8%03llx-%012llx", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(n >> 7 & 0xffff), static_cast<unsigned long long>(n & 0xfff),
                static_cast<unsigned long long>(n >> 3 & 0xfff),
                static_cast<unsigned long long>(n * 2654435761ULL));
  return buf;
}

TEST(InMemoryStore, JtisOfAnyLengthMatchExactlyAndNeverByPrefix) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  // Lengths around the cell boundaries: 40 bytes in the head cell, 48 in each further one.
  const std::vector<std::size_t> lengths{1, 7, 8, 9, 35, 36, 39, 40, 41, 87, 88, 89, 136, 137, 1000};
  for (const std::size_t n : lengths)
    ASSERT_TRUE(store.revoke(std::string(n, 'x'), 60, {})) << "length " << n;
  for (const std::size_t n : lengths) {
    EXPECT_TRUE(store.is_revoked(std::string(n, 'x'))) << "length " << n;
    std::string other(n, 'x');
    other.back() = 'y';
    EXPECT_FALSE(store.is_revoked(other)) << "a jti differing in its last byte, length " << n;
    other = std::string(n, 'x');
    other.front() = 'y';
    EXPECT_FALSE(store.is_revoked(other)) << "a jti differing in its first byte, length " << n;
  }
  EXPECT_FALSE(store.is_revoked(std::string(2, 'x'))) << "a prefix of revoked jtis";
  EXPECT_FALSE(store.is_revoked(std::string(1001, 'x'))) << "a revoked jti plus one byte";
  EXPECT_FALSE(store.is_revoked("")) << "the empty jti was never revoked";
  EXPECT_FALSE(store.is_revoked(std::string_view{"x\0", 2})) << "an embedded NUL is a byte like any other";
  EXPECT_FALSE(store.revoke(std::string(1000, 'x'), 60, {})) << "a second revoke of a long jti";
}

TEST(InMemoryStore, AgreesWithAPlainMapThroughGrowthExpiryAndReuse) {
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  std::map<std::string, std::int64_t> model;  // jti -> expires_at
  std::mt19937_64 rng{42};
  for (int step = 0; step < 30000; ++step) {
    const std::string jti = uuid_like(rng() % 20000) + (rng() % 8 == 0 ? std::string(rng() % 100, 'L') : "");
    const std::int64_t ttl = static_cast<std::int64_t>(rng() % 50);
    const std::int64_t now = clock();
    const auto it = model.find(jti);
    const bool live = it != model.end() && it->second > now;
    const bool expected = ttl > 0 && !live;
    ASSERT_EQ(store.revoke(jti, ttl, {}), expected) << "step " << step << ", jti " << jti;
    if (expected) model[jti] = now + ttl;
    if (step % 100 == 0) clock.advance(1);
    if (step % 1000 == 999) {
      for (const auto& [j, expires_at] : model)
        ASSERT_EQ(store.is_revoked(j), expires_at > clock()) << "step " << step << ", jti " << j;
      ASSERT_FALSE(store.is_revoked(uuid_like(20000 + step))) << "a jti never revoked";
    }
  }
}

TEST(InMemoryStore, StressReadersSeeEveryFinishedRevocationAndNothingElse) {
  // Writers revoke jtis in order and publish how far they got; readers, racing them, must see
  // every published jti as revoked (immediately, exactly) and no never-revoked one.
  constexpr int kWriters = 2;
  constexpr int kReaders = 4;
  constexpr int kPerWriter = 20000;
  jt::FakeClock clock{1000};
  InMemoryRevocationStore store{clock};
  std::array<std::atomic<int>, kWriters> done{};
  std::atomic<int> writers_left{kWriters};
  std::atomic<long> wrong{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        if (!store.revoke(uuid_like(static_cast<std::uint64_t>(w) << 32 | static_cast<std::uint64_t>(i)),
                          3600, {}))
          ++wrong;
        done[w].store(i + 1, std::memory_order_release);
      }
      --writers_left;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937_64 rng{static_cast<std::uint64_t>(r)};
      while (writers_left.load() > 0) {
        const int w = static_cast<int>(rng() % kWriters);
        const int published = done[w].load(std::memory_order_acquire);
        if (published > 0) {
          const auto i = static_cast<std::uint64_t>(rng() % static_cast<std::uint64_t>(published));
          if (!store.is_revoked(uuid_like(static_cast<std::uint64_t>(w) << 32 | i))) ++wrong;
          if (!store.is_revoked(
                  uuid_like(static_cast<std::uint64_t>(w) << 32 | static_cast<std::uint64_t>(published - 1))))
            ++wrong;
        }
        if (store.is_revoked(uuid_like(std::uint64_t{7} << 40 | rng() % 100000))) ++wrong;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(wrong.load(), 0)
      << "a finished revocation was missed, a jti was wrongly revoked, or a revoke failed";
  EXPECT_EQ(store.size(), static_cast<std::size_t>(kWriters * kPerWriter));
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define JWTSERVICE_TEST_UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define JWTSERVICE_TEST_UNDER_SANITIZER 1
#endif
#endif

long resident_bytes() {
  std::ifstream statm{"/proc/self/statm"};
  long pages = 0;
  long resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

TEST(InMemoryStore, AMillionRevocationsOf36CharacterJtisTakeAtMost100BytesEach) {
#ifdef JWTSERVICE_TEST_UNDER_SANITIZER
  GTEST_SKIP() << "sanitizers change the memory a process holds";
#endif
  if (resident_bytes() == 0) GTEST_SKIP() << "no /proc/self/statm here";
  constexpr int kEntries = 1'000'000;
  jt::FakeClock clock{1000};
  const long before = resident_bytes();
  {
    InMemoryRevocationStore store{clock};
    for (int i = 0; i < kEntries; ++i)
      ASSERT_TRUE(store.revoke(uuid_like(static_cast<std::uint64_t>(i)), 3600, {}));
    const long after = resident_bytes();
    const double per_entry = static_cast<double>(after - before) / kEntries;
    std::printf("InMemoryRevocationStore: %.1f bytes of RSS per revocation at %d entries\n", per_entry,
                kEntries);
    EXPECT_LE(per_entry, 100.0) << "the store takes " << per_entry << " bytes per revocation";
    EXPECT_TRUE(store.is_revoked(uuid_like(0)));
    EXPECT_TRUE(store.is_revoked(uuid_like(kEntries - 1)));
  }
}

}  // namespace
