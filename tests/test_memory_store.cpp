// InMemoryRevocationStore specifics: memory stays bounded by the live revocations.
#include <gtest/gtest.h>

#include <string>

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

}  // namespace
