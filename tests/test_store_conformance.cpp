// Two typed suites over the RevocationStores: what the service relies on from any store
// (StoreConformance, every store), and how entries expire on an injected clock
// (ClockedStoreConformance, the stores that take a Clock; Redis keeps time itself, and
// test_redis_store.cpp checks the TTL it is given instead).
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_fixtures.hpp"
#include "token_forge.hpp"

namespace {

using jwtservice::Reason;
using jwtservice::RevocationMetadata;
namespace jt = jwtservice::testing;

template <class Store>
class StoreConformance : public ::testing::Test {
 protected:
  jt::FakeClock clock_{jt::kNow};
  jt::TempDir dir_;
  std::shared_ptr<Store> store_ = jt::StoreFactory<Store>::make(clock_, dir_);

  jwtservice::Service service() {
    return jwtservice::Service{
        jt::test_config(),
        jwtservice::ServiceOptions{
            .logger = jwtservice::null_logger(), .revocation_store = store_, .clock = clock_}};
  }
};

template <class Store>
class ClockedStoreConformance : public StoreConformance<Store> {
  static_assert(jt::StoreFactory<Store>::takes_clock, "the clock tests need a store on the FakeClock");
};

using StoreTypes = ::testing::Types<jwtservice::InMemoryRevocationStore
#if JWTSERVICE_WITH_SQLITE
                                    ,
                                    jwtservice::SQLiteRevocationStore
#endif
#if JWTSERVICE_WITH_REDIS
                                    ,
                                    jwtservice::RedisRevocationStore
#endif
                                    >;
TYPED_TEST_SUITE(StoreConformance, StoreTypes);

using ClockedStoreTypes = ::testing::Types<jwtservice::InMemoryRevocationStore
#if JWTSERVICE_WITH_SQLITE
                                           ,
                                           jwtservice::SQLiteRevocationStore
#endif
                                           >;
TYPED_TEST_SUITE(ClockedStoreConformance, ClockedStoreTypes);

// --- every store ------------------------------------------------------------------------------

TYPED_TEST(StoreConformance, ModelsTheConcept) {
  static_assert(jwtservice::RevocationStore<TypeParam>);
  SUCCEED();
}

TYPED_TEST(StoreConformance, UnknownJtiIsNotRevoked) { EXPECT_FALSE(this->store_->is_revoked("never-seen")); }

TYPED_TEST(StoreConformance, RevokedJtiIsRevoked) {
  EXPECT_TRUE(this->store_->revoke("a", 60, RevocationMetadata{.reason = "logout"}));
  EXPECT_TRUE(this->store_->is_revoked("a"));
}

TYPED_TEST(StoreConformance, RevokingALiveJtiAgainReturnsFalse) {
  EXPECT_TRUE(this->store_->revoke("a", 60, {}));
  EXPECT_FALSE(this->store_->revoke("a", 600, {})) << "already revoked: not inserted now";
  EXPECT_TRUE(this->store_->is_revoked("a"));
}

TYPED_TEST(StoreConformance, HugeTtlsAreAccepted) {
  EXPECT_TRUE(this->store_->revoke("forever", jwtservice::permanent_ttl, {}));
  EXPECT_TRUE(this->store_->is_revoked("forever"));
  EXPECT_TRUE(this->store_->revoke("max", INT64_MAX, {})) << "saturates or clamps instead of failing";
  EXPECT_TRUE(this->store_->is_revoked("max"));
}

TYPED_TEST(StoreConformance, NonPositiveTtlInsertsNothing) {
  EXPECT_FALSE(this->store_->revoke("a", 0, {}));
  EXPECT_FALSE(this->store_->revoke("a", -5, {}));
  EXPECT_FALSE(this->store_->is_revoked("a"));
}

TYPED_TEST(StoreConformance, JtisAreIndependentAndComparedExactly) {
  EXPECT_TRUE(this->store_->revoke("jti-1", 60, {}));
  EXPECT_FALSE(this->store_->is_revoked("jti-2"));
  EXPECT_FALSE(this->store_->is_revoked("JTI-1"));
  EXPECT_FALSE(this->store_->is_revoked("jti-1 "));
  EXPECT_FALSE(this->store_->is_revoked("jti-"));
}

TYPED_TEST(StoreConformance, AnyStringIsAJti) {
  const std::string odd[] = {"ação-✓", "with space", "quote'\"", std::string(500, 'x'), "a\nb"};
  for (const auto& jti : odd)
    EXPECT_TRUE(this->store_->revoke(jti, 60, {})) << jti.size();
  for (const auto& jti : odd)
    EXPECT_TRUE(this->store_->is_revoked(jti)) << jti.size();
}

TYPED_TEST(StoreConformance, OfManyThreadsRevokingOneJtiExactlyOneWins) {
  constexpr int kThreads = 8;
  std::atomic<int> winners{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      while (!go)
        std::this_thread::yield();
      if (this->store_->revoke("contended", 60, {})) ++winners;
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(winners, 1);
}

TYPED_TEST(StoreConformance, ConcurrentRevocationsOfDistinctJtisAllLand) {
  constexpr int kThreads = 4;
  constexpr int kEach = 50;
  std::vector<std::thread> threads;
  std::atomic<int> inserted{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const auto jti = std::to_string(t) + "-" + std::to_string(i);
        if (this->store_->revoke(jti, 60, {})) ++inserted;
        if (!this->store_->is_revoked(jti)) ADD_FAILURE() << jti << " not revoked after revoke";
      }
    });
  }
  for (auto& th : threads)
    th.join();
  EXPECT_EQ(inserted, kThreads * kEach);
}

TYPED_TEST(StoreConformance, RevokedTokenIsRefusedByTheService) {
  auto service = this->service();
  const auto token = service.criar({.sub = "u", .jti = "t-1"});
  EXPECT_TRUE(service.validar(token).valid);
  EXPECT_TRUE(service.revogar(token, "logout"));
  const auto r = service.validar(token);
  EXPECT_EQ(r.reason, Reason::revoked);
  EXPECT_EQ(r.jti, "t-1");
  EXPECT_FALSE(service.revogar(token)) << "already revoked";
}

TYPED_TEST(StoreConformance, ConsumedTokenIsValidExactlyOnce) {
  auto service = this->service();
  const auto token = service.criar({.action = jwtservice::JWTAction::RESET_PASSWORD, .sub = "u"});
  const auto first = service.consumir(token);
  ASSERT_TRUE(first.valid) << first.reason;
  EXPECT_EQ(first.action, jwtservice::JWTAction::RESET_PASSWORD);
  const auto second = service.consumir(token);
  EXPECT_EQ(second.reason, Reason::revoked);
  EXPECT_EQ(second.status, jwtservice::Status::revoked);
  EXPECT_EQ(service.validar(token).reason, Reason::revoked) << "a consumed token is revoked for validar too";
}

TYPED_TEST(StoreConformance, OfManyThreadsConsumingOneTokenExactlyOneGetsValid) {
  auto service = this->service();
  const auto token = service.criar({.sub = "u"});
  constexpr int kThreads = 8;
  std::atomic<int> valid{0};
  std::atomic<int> revoked{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      while (!go)
        std::this_thread::yield();
      const auto r = service.consumir(token);
      if (r.valid) ++valid;
      if (r.reason == Reason::revoked) ++revoked;
    });
  }
  go = true;
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(valid, 1);
  EXPECT_EQ(revoked, kThreads - 1);
}

// --- the stores on an injected clock ------------------------------------------------------------

TYPED_TEST(ClockedStoreConformance, RevokedJtiIsRevokedUntilItsTtlPasses) {
  EXPECT_TRUE(this->store_->revoke("a", 60, RevocationMetadata{.reason = "logout"}));
  EXPECT_TRUE(this->store_->is_revoked("a"));
  this->clock_.advance(59);
  EXPECT_TRUE(this->store_->is_revoked("a")) << "still inside the ttl";
  this->clock_.advance(1);
  EXPECT_FALSE(this->store_->is_revoked("a")) << "the ttl has passed";
}

TYPED_TEST(ClockedStoreConformance, SecondRevokeOfALiveJtiReturnsFalse) {
  EXPECT_TRUE(this->store_->revoke("a", 60, {}));
  EXPECT_FALSE(this->store_->revoke("a", 600, {})) << "already revoked: not inserted now";
  this->clock_.advance(60);
  EXPECT_FALSE(this->store_->is_revoked("a")) << "the second call must not have extended the ttl";
}

TYPED_TEST(ClockedStoreConformance, ExpiredRevocationCanBeMadeAgain) {
  EXPECT_TRUE(this->store_->revoke("a", 10, {}));
  this->clock_.advance(10);
  EXPECT_TRUE(this->store_->revoke("a", 10, {}));
  EXPECT_TRUE(this->store_->is_revoked("a"));
}

TYPED_TEST(ClockedStoreConformance, PermanentTtlDoesNotOverflow) {
  EXPECT_TRUE(this->store_->revoke("forever", jwtservice::permanent_ttl, {}));
  this->clock_.advance(50LL * 366 * 24 * 3600);
  EXPECT_TRUE(this->store_->is_revoked("forever"));
  EXPECT_TRUE(this->store_->revoke("max", INT64_MAX, {})) << "saturates instead of overflowing";
  EXPECT_TRUE(this->store_->is_revoked("max"));
}

TYPED_TEST(ClockedStoreConformance, RevocationLastsUntilTheTokenWouldHaveExpired) {
  auto service = this->service();
  const auto token = service.criar({.sub = "u", .expires_in = 120, .jti = "t-2"});
  ASSERT_TRUE(service.revogar(token));
  this->clock_.advance(119);
  EXPECT_EQ(service.validar(token).reason, Reason::revoked);
  this->clock_.advance(1);
  EXPECT_EQ(service.validar(token).reason, Reason::expired) << "expired, and the store row may go";
  EXPECT_FALSE(this->store_->is_revoked("t-2")) << "kept for exp - now + leeway, no longer";
}

}  // namespace
