// Tests for revocation.hpp: the RevocationStore concept, the type-erased handle, the shared TTL rule.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "jwtservice/options.hpp"
#include "jwtservice/revocation.hpp"

namespace {

using jwtservice::permanent_ttl;
using jwtservice::revocation_ttl;
using jwtservice::RevocationMetadata;
using jwtservice::RevocationStore;
using jwtservice::RevocationStoreHandle;

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::optional<std::int64_t> kNoExp = std::nullopt;
constexpr std::optional<std::int64_t> kNoTtlMax = std::nullopt;

// ---------------------------------------------------------------------------------------------
// The concept. Declarations suffice: it only asks whether the calls are well formed.

/// The minimal store of the concept's documentation comment.
struct MinimalStore {
  bool is_revoked(std::string_view jti);
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

/// Answers convertible to bool are enough.
struct IntAnsweringStore {
  int is_revoked(std::string_view jti);
  int revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

/// Arguments the store can take by conversion are enough.
struct ConvertingStore {
  bool is_revoked(std::string_view jti) const;
  bool revoke(std::string_view jti, long long ttl_seconds, RevocationMetadata meta);
};

struct MissingIsRevoked {
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

struct MissingRevoke {
  bool is_revoked(std::string_view jti);
};

struct IsRevokedTakesString {  // a string_view does not convert to std::string implicitly
  bool is_revoked(const std::string& jti);
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

struct RevokeWithoutMetadata {
  bool is_revoked(std::string_view jti);
  bool revoke(std::string_view jti, std::int64_t ttl_seconds);
};

struct RevokeReturnsVoid {
  bool is_revoked(std::string_view jti);
  void revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

struct IsRevokedReturnsString {
  std::string is_revoked(std::string_view jti);
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta);
};

struct RevokeTakesMutableMetadata {  // the concept passes a const RevocationMetadata&
  bool is_revoked(std::string_view jti);
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, RevocationMetadata& meta);
};

static_assert(RevocationStore<MinimalStore>, "the documented minimal store must model RevocationStore");
static_assert(RevocationStore<IntAnsweringStore>, "answers convertible to bool must be accepted");
static_assert(RevocationStore<ConvertingStore>, "parameters reachable by conversion must be accepted");
static_assert(!RevocationStore<MissingIsRevoked>, "a store without is_revoked must be rejected");
static_assert(!RevocationStore<MissingRevoke>, "a store without revoke must be rejected");
static_assert(!RevocationStore<IsRevokedTakesString>, "is_revoked(const std::string&) must be rejected");
static_assert(!RevocationStore<RevokeWithoutMetadata>, "revoke without metadata must be rejected");
static_assert(!RevocationStore<RevokeReturnsVoid>, "revoke returning void must be rejected");
static_assert(!RevocationStore<IsRevokedReturnsString>, "is_revoked returning a string must be rejected");
static_assert(!RevocationStore<RevokeTakesMutableMetadata>,
              "revoke taking non-const metadata must be rejected");
static_assert(!RevocationStore<int>, "int is not a store");

// The handle accepts exactly the stores the concept accepts.
static_assert(std::is_constructible_v<RevocationStoreHandle, std::shared_ptr<MinimalStore>>);
static_assert(std::is_convertible_v<std::shared_ptr<MinimalStore>, RevocationStoreHandle>,
              "options.revocation_store = std::make_shared<S>() must work");
static_assert(!std::is_constructible_v<RevocationStoreHandle, std::shared_ptr<MissingIsRevoked>>);
static_assert(!std::is_constructible_v<RevocationStoreHandle, std::shared_ptr<RevokeReturnsVoid>>);
static_assert(!std::is_constructible_v<RevocationStoreHandle, std::shared_ptr<IsRevokedTakesString>>);

// ---------------------------------------------------------------------------------------------
// The handle.

/// Records the calls it receives and answers what the test told it to.
struct RecordingStore {
  bool is_revoked(std::string_view jti) {
    ++is_revoked_calls;
    last_jti = std::string{jti};
    return is_revoked_answer;
  }
  bool revoke(std::string_view jti, std::int64_t ttl_seconds, const RevocationMetadata& meta) {
    ++revoke_calls;
    last_jti = std::string{jti};
    last_ttl = ttl_seconds;
    last_reason = meta.reason;
    return revoke_answer;
  }

  bool is_revoked_answer = false;
  bool revoke_answer = false;
  int is_revoked_calls = 0;
  int revoke_calls = 0;
  std::string last_jti;
  std::int64_t last_ttl = 0;
  std::optional<std::string> last_reason;
};

struct StoreOutage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Fails every call, as an unreachable database would.
struct FailingStore {
  bool is_revoked(std::string_view) { throw StoreOutage("is_revoked: connection refused"); }
  bool revoke(std::string_view, std::int64_t, const RevocationMetadata&) {
    throw StoreOutage("revoke: connection refused");
  }
};

TEST(RevocationStoreHandle, DefaultHandleIsEmpty) {
  const RevocationStoreHandle handle;
  EXPECT_FALSE(static_cast<bool>(handle)) << "a default handle claims to hold a store";
}

TEST(RevocationStoreHandle, NullSharedPtrGivesAnEmptyHandle) {
  const RevocationStoreHandle handle = std::shared_ptr<RecordingStore>{};
  EXPECT_FALSE(static_cast<bool>(handle)) << "a handle made from a null shared_ptr claims to hold a store";
}

TEST(RevocationStoreHandle, IsAssignableFromASharedPtr) {
  RevocationStoreHandle handle;
  handle = std::make_shared<RecordingStore>();
  EXPECT_TRUE(static_cast<bool>(handle)) << "assigning a shared_ptr left the handle empty";
}

TEST(RevocationStoreHandle, ServiceOptionsTakeAStoreByDesignatedInitializer) {
  const auto store = std::make_shared<RecordingStore>();
  const jwtservice::ServiceOptions options{.revocation_store = store};
  EXPECT_TRUE(static_cast<bool>(options.revocation_store)) << "ServiceOptions dropped the store";
}

TEST(RevocationStoreHandle, IsRevokedIsForwardedWithItsAnswer) {
  const auto store = std::make_shared<RecordingStore>();
  const RevocationStoreHandle handle = store;
  store->is_revoked_answer = true;
  EXPECT_TRUE(handle.is_revoked("jti-1")) << "the store's true answer was not forwarded";
  store->is_revoked_answer = false;
  EXPECT_FALSE(handle.is_revoked("jti-2")) << "the store's false answer was not forwarded";
  EXPECT_EQ(store->is_revoked_calls, 2) << "is_revoked was not called once per call";
  EXPECT_EQ(store->last_jti, "jti-2") << "the jti was not forwarded";
}

TEST(RevocationStoreHandle, RevokeIsForwardedWithEveryArgumentAndItsAnswer) {
  const auto store = std::make_shared<RecordingStore>();
  const RevocationStoreHandle handle = store;
  store->revoke_answer = true;
  EXPECT_TRUE(handle.revoke("jti-3", 120, RevocationMetadata{.reason = "logout"}))
      << "the store's true answer was not forwarded";
  EXPECT_EQ(store->revoke_calls, 1) << "revoke was not called exactly once";
  EXPECT_EQ(store->last_jti, "jti-3") << "the jti was not forwarded";
  EXPECT_EQ(store->last_ttl, 120) << "the ttl was not forwarded";
  EXPECT_EQ(store->last_reason, std::optional<std::string>{"logout"}) << "the reason was not forwarded";

  store->revoke_answer = false;
  EXPECT_FALSE(handle.revoke("jti-3", 60, RevocationMetadata{}))
      << "the store's false answer was not forwarded";
  EXPECT_FALSE(store->last_reason.has_value()) << "an absent reason arrived as a value";
}

TEST(RevocationStoreHandle, CopiesShareTheSameStore) {
  const auto store = std::make_shared<RecordingStore>();
  const RevocationStoreHandle first = store;
  const RevocationStoreHandle second = first;  // NOLINT(performance-unnecessary-copy-initialization)
  (void)first.is_revoked("a");
  (void)second.is_revoked("b");
  EXPECT_EQ(store->is_revoked_calls, 2) << "a copied handle does not reach the same store";
}

TEST(RevocationStoreHandle, KeepsTheStoreAlive) {
  RevocationStoreHandle handle;
  std::weak_ptr<RecordingStore> watch;
  {
    auto store = std::make_shared<RecordingStore>();
    watch = store;
    handle = store;
  }
  EXPECT_FALSE(watch.expired()) << "the handle does not own a share of the store";
  handle = RevocationStoreHandle{};
  EXPECT_TRUE(watch.expired()) << "resetting the handle did not release the store";
}

TEST(RevocationStoreHandle, StoreExceptionsPropagateFromIsRevoked) {
  const RevocationStoreHandle handle = std::make_shared<FailingStore>();
  EXPECT_THROW((void)handle.is_revoked("jti"), StoreOutage)
      << "is_revoked swallowed or changed the exception";
}

TEST(RevocationStoreHandle, StoreExceptionsPropagateFromRevoke) {
  const RevocationStoreHandle handle = std::make_shared<FailingStore>();
  EXPECT_THROW((void)handle.revoke("jti", 60, RevocationMetadata{}), StoreOutage)
      << "revoke swallowed or changed the exception";
}

// ---------------------------------------------------------------------------------------------
// revocation_ttl(exp, now, leeway, ttl_max). Signed overflow is not a constant expression, so
// these static_asserts also prove that the extreme cases below never overflow.

static_assert(revocation_ttl(1000, 900, 0, kNoTtlMax) == 100);
static_assert(revocation_ttl(1000, 900, 30, kNoTtlMax) == 130);
static_assert(revocation_ttl(1000, 1000, 0, kNoTtlMax) == std::nullopt);
static_assert(revocation_ttl(kNoExp, 0, 0, kNoTtlMax) == permanent_ttl);
static_assert(revocation_ttl(kMax, kMin, kMax, kNoTtlMax).value_or(0) > 0);
static_assert(revocation_ttl(kMax, kMin, kMax, 60) == 60);
static_assert(revocation_ttl(kMin, kMax, kMax, kNoTtlMax) == std::nullopt);
static_assert(revocation_ttl(kMin + 1, kMin, kMax, 60) == 60);
static_assert(revocation_ttl(kMin, kMax, 0, kMax) == std::nullopt);
static_assert(revocation_ttl(kNoExp, kMin, kMax, kMax) == kMax);

TEST(RevocationTtl, IsExpMinusNowPlusLeeway) {
  EXPECT_EQ(revocation_ttl(1'710'000'600, 1'710'000'000, 0, kNoTtlMax), 600) << "leeway 0";
  EXPECT_EQ(revocation_ttl(1'710'000'600, 1'710'000'000, 30, kNoTtlMax), 630) << "leeway 30";
}

TEST(RevocationTtl, IsCappedByTtlMax) {
  EXPECT_EQ(revocation_ttl(1'710'000'600, 1'710'000'000, 30, 100), 100) << "ttl 630 with ttl_max 100";
}

TEST(RevocationTtl, TtlMaxNeverLengthensIt) {
  EXPECT_EQ(revocation_ttl(1'710'000'600, 1'710'000'000, 0, 3600), 600) << "ttl 600 with ttl_max 3600";
}

TEST(RevocationTtl, TokenWithoutExpIsRevokedForTtlMax) {
  EXPECT_EQ(revocation_ttl(kNoExp, 1'710'000'000, 30, 86'400), 86'400) << "no exp, ttl_max one day";
}

TEST(RevocationTtl, TokenWithoutExpAndWithoutTtlMaxIsRevokedPermanently) {
  EXPECT_EQ(revocation_ttl(kNoExp, 1'710'000'000, 30, kNoTtlMax), permanent_ttl) << "no exp, no ttl_max";
  EXPECT_GE(permanent_ttl, std::int64_t{100} * 365 * 24 * 3600) << "permanent_ttl is shorter than a century";
}

TEST(RevocationTtl, TokenWithExpEqualToNowIsAlreadyExpired) {
  EXPECT_EQ(revocation_ttl(1'710'000'000, 1'710'000'000, 0, kNoTtlMax), std::nullopt)
      << "exp == now with leeway 0 still got a TTL";
}

TEST(RevocationTtl, TokenWithExpInThePastIsAlreadyExpired) {
  EXPECT_EQ(revocation_ttl(1'709'999'000, 1'710'000'000, 0, kNoTtlMax), std::nullopt)
      << "exp 1000 s ago got a TTL";
  EXPECT_EQ(revocation_ttl(1'709'999'000, 1'710'000'000, 0, 3600), std::nullopt)
      << "exp 1000 s ago got a TTL when ttl_max is set";
}

TEST(RevocationTtl, TokenWithExpEqualToNowMinusLeewayIsAlreadyExpired) {
  EXPECT_EQ(revocation_ttl(1'709'999'970, 1'710'000'000, 30, kNoTtlMax), std::nullopt)
      << "exp == now - leeway still got a TTL";
}

TEST(RevocationTtl, TokenWithinTheLeewayIsRevokedForTheRestOfIt) {
  EXPECT_EQ(revocation_ttl(1'709'999'971, 1'710'000'000, 30, kNoTtlMax), 1)
      << "exp == now - leeway + 1 is still accepted for one second";
  EXPECT_EQ(revocation_ttl(1'710'000'000, 1'710'000'000, 30, kNoTtlMax), 30) << "exp == now with leeway 30";
}

TEST(RevocationTtl, HugeExpNeverOverflows) {
  const auto ttl = revocation_ttl(kMax, 1'710'000'000, 0, kNoTtlMax);
  ASSERT_TRUE(ttl.has_value()) << "exp = INT64_MAX gave no TTL";
  EXPECT_GE(*ttl, permanent_ttl) << "exp = INT64_MAX gave a TTL shorter than a permanent revocation";
}

TEST(RevocationTtl, HugeExpAndLeewayFromTheMostNegativeNowNeverOverflow) {
  // A naive exp - now + leeway overflows twice here.
  const auto ttl = revocation_ttl(kMax, kMin, kMax, kNoTtlMax);
  ASSERT_TRUE(ttl.has_value()) << "exp = INT64_MAX, now = INT64_MIN gave no TTL";
  EXPECT_GE(*ttl, permanent_ttl) << "the TTL wrapped around instead of saturating";
  EXPECT_EQ(revocation_ttl(kMax, kMin, kMax, 3600), 3600) << "ttl_max does not cap a saturated TTL";
}

TEST(RevocationTtl, MostNegativeExpNeverOverflows) {
  // A naive exp - now overflows; exp is long past, so there is nothing to revoke.
  EXPECT_EQ(revocation_ttl(kMin, kMax, 0, kNoTtlMax), std::nullopt) << "exp = INT64_MIN, now = INT64_MAX";
  EXPECT_EQ(revocation_ttl(kMin, 1'710'000'000, kMax, kNoTtlMax), std::nullopt)
      << "exp = INT64_MIN with leeway INT64_MAX";
  EXPECT_EQ(revocation_ttl(kMin, kMin, 0, kNoTtlMax), std::nullopt) << "exp = now = INT64_MIN";
}

TEST(RevocationTtl, MostNegativeExpWithinTheLeewayIsStillRevocable) {
  // exp is one second before now and the leeway is 30 s: 29 s remain, exactly as at ordinary
  // times. A saturated `now - leeway` (INT64_MIN) must not make exp = INT64_MIN look past.
  EXPECT_EQ(revocation_ttl(kMin, kMin + 1, 30, kNoTtlMax), 29)
      << "exp = INT64_MIN, now = INT64_MIN + 1, leeway 30: exp - now + leeway is 29";
  EXPECT_EQ(revocation_ttl(kMin, kMin, 30, kNoTtlMax), 30)
      << "exp = now = INT64_MIN, leeway 30: exp - now + leeway is 30";
  EXPECT_EQ(revocation_ttl(kMin, kMin, kMax, 3600), 3600)
      << "exp = now = INT64_MIN, leeway INT64_MAX, ttl_max 3600: the TTL is capped, not dropped";
}

TEST(RevocationTtl, HugeLeewayFromTheMostNegativeNowNeverOverflows) {
  // A naive now - leeway overflows; exp is one second after INT64_MIN, inside the leeway.
  const auto ttl = revocation_ttl(kMin + 1, kMin, kMax, 3600);
  EXPECT_EQ(ttl, 3600) << "exp = INT64_MIN + 1, now = INT64_MIN, leeway = INT64_MAX";
}

TEST(RevocationTtl, HugeTtlMaxForATokenWithoutExpIsUsedAsIs) {
  EXPECT_EQ(revocation_ttl(kNoExp, kMin, kMax, kMax), kMax) << "no exp, ttl_max INT64_MAX";
}

}  // namespace
