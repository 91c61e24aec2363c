// criar refuses what validar would refuse as malformed (docs/creating-and-validating.md): too
// long, extra_data nested too deep, NaN or infinity; before a rate-limit token.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "token_forge.hpp"

namespace {

using jwtservice::Config;
using jwtservice::InvalidArgument;
using jwtservice::Reason;
using jwtservice::Service;
using jwtservice::ServiceOptions;
using json = nlohmann::json;
namespace jt = jwtservice::testing;

/// Data that must never appear in an error message.
constexpr std::string_view kMarker = "PRIVATE-DATA-MARKER";

/// `levels` nested containers, the innermost holding the marker: objects, or an object of arrays.
json nested(int levels, bool arrays = false) {
  json inner = arrays ? json::array({std::string{kMarker}}) : json{{"m", std::string{kMarker}}};
  for (int i = 1; i < levels; ++i)
    inner = arrays && i < levels - 1 ? json::array({inner}) : json{{"m", inner}};
  return inner;
}

/// The message of the InvalidArgument `f` throws; a failure when it throws nothing or another type.
template <class F>
std::string invalid_argument_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const InvalidArgument& e) {
    return e.what();
  } catch (const std::exception&) {
    ADD_FAILURE() << "expected InvalidArgument, got another exception";
    return {};
  }
  ADD_FAILURE() << "expected InvalidArgument, nothing was thrown";
  return {};
}

class CreateLimitsTest : public ::testing::Test {
 protected:
  Service make(Config config = jt::test_config()) {
    return Service{std::move(config),
                   ServiceOptions{.logger = jwtservice::null_logger(),
                                  .clock = [] { return jt::kNow; },
                                  .monotonic_clock = [] { return std::chrono::nanoseconds{1}; }}};
  }
};

// --- the size limit --------------------------------------------------------------------------------

TEST_F(CreateLimitsTest, TokenOverMaxTokenBytesThrowsNamingTheLimitNotTheData) {
  auto service = make();
  const std::string blob = std::string{kMarker} + std::string(9000, 'Q');
  const auto message = invalid_argument_of([&] {
    (void)service.criar({.sub = "u", .extra_data = {{"blob", blob}}});
  });
  EXPECT_NE(message.find("JWTSERVICE_MAX_TOKEN_BYTES"), std::string::npos)
      << "the message does not name the limit";
  EXPECT_EQ(message.find(kMarker), std::string::npos) << "the message holds the data";
  EXPECT_EQ(message.find("QQQQ"), std::string::npos) << "the message holds the data";
}

TEST_F(CreateLimitsTest, LongSubOverTheLimitThrows) {
  const auto message = invalid_argument_of([&] { (void)make().criar({.sub = std::string(7000, 'S')}); });
  EXPECT_NE(message.find("JWTSERVICE_MAX_TOKEN_BYTES"), std::string::npos);
  EXPECT_EQ(message.find("SSSS"), std::string::npos) << "the message holds the sub";
}

TEST_F(CreateLimitsTest, TokenOfExactlyMaxTokenBytesIsIssuedAndOneByteLessRefused) {
  const jwtservice::CreateOptions options{.sub = "u", .jti = "fixed-jti", .extra_data = {{"k", "value"}}};
  const auto size = make().criar(options).size();
  auto config = jt::test_config();
  config.max_token_bytes = size;
  auto service = make(config);
  const auto token = service.criar(options);
  EXPECT_EQ(token.size(), size);
  EXPECT_TRUE(service.validar(token).valid) << "a token of exactly max_token_bytes must validate";
  config.max_token_bytes = size - 1;
  EXPECT_THROW((void)make(config).criar(options), InvalidArgument) << "one byte over the limit";
}

TEST_F(CreateLimitsTest, BindingCountsTowardsTheSize) {
  const jwtservice::CreateOptions plain{.sub = "u", .jti = "fixed-jti"};
  auto config = jt::test_config();
  config.max_token_bytes = make().criar(plain).size();
  auto service = make(config);
  EXPECT_NO_THROW((void)service.criar(plain));
  EXPECT_THROW((void)service.criar({.sub = "u", .jti = "fixed-jti", .binding = "state"}), InvalidArgument)
      << "the bnd claim made the token longer than the limit";
}

// --- nesting ---------------------------------------------------------------------------------------

TEST_F(CreateLimitsTest, ExtraDataNested63LevelsIsIssuedAndValidates) {
  auto service = make();
  for (const bool arrays : {false, true}) {
    const json extra = nested(63, arrays);
    std::string token;
    ASSERT_NO_THROW(token = service.criar({.sub = "u", .extra_data = extra}))
        << (arrays ? "arrays" : "objects");
    const auto r = service.validar(token);
    ASSERT_TRUE(r.valid) << (arrays ? "arrays: " : "objects: ") << r.reason
                         << " (criar issued a token validar refuses)";
    EXPECT_TRUE(r.extra_data == extra) << "extra_data did not round-trip";
  }
}

TEST_F(CreateLimitsTest, ExtraDataNested64LevelsThrowsNamingTheLimitNotTheData) {
  auto service = make();
  for (const bool arrays : {false, true}) {
    const auto message =
        invalid_argument_of([&] { (void)service.criar({.sub = "u", .extra_data = nested(64, arrays)}); });
    EXPECT_NE(message.find("63"), std::string::npos) << "the message does not name the limit of 63 levels";
    EXPECT_EQ(message.find(kMarker), std::string::npos) << "the message holds the data";
  }
}

TEST_F(CreateLimitsTest, DeepExtraDataBesideShallowMembersIsMeasuredAtItsDeepestPoint) {
  auto service = make();
  EXPECT_NO_THROW((void)service.criar({.sub = "u", .extra_data = {{"flat", 1}, {"deep", nested(62)}}}));
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = {{"flat", 1}, {"deep", nested(63)}}}),
               InvalidArgument)
      << "extra_data, then 63 levels inside it, is 64";
  json empty_innermost = json::object();
  for (int i = 1; i < 64; ++i)
    empty_innermost = json{{"m", empty_innermost}};
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = empty_innermost}), InvalidArgument)
      << "an empty object is a level too";
}

// --- numbers JSON cannot carry ---------------------------------------------------------------------

TEST_F(CreateLimitsTest, NanOrInfinityAnywhereInExtraDataThrows) {
  auto service = make();
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  for (const double bad : {kNan, kInf, -kInf}) {
    const json places[] = {
        {{"top", bad}},
        {{"list", json::array({1, std::string{kMarker}, bad})}},
        {{"a", {{"b", {{"c", json::array({json::object({{"d", bad}})})}}}}}},
        {{"before", std::string{kMarker}}, {"deep", nested(10)}, {"z", bad}},
    };
    for (const json& extra : places) {
      const auto message =
          invalid_argument_of([&] { (void)service.criar({.sub = "u", .extra_data = extra}); });
      EXPECT_NE(message.find("NaN"), std::string::npos) << "the message does not say what is wrong";
      EXPECT_EQ(message.find(kMarker), std::string::npos) << "the message holds the data";
    }
  }
}

TEST_F(CreateLimitsTest, FiniteExtremeNumbersAreIssuedAndValidate) {
  auto service = make();
  const json extra = {{"max", std::numeric_limits<double>::max()},
                      {"min", std::numeric_limits<double>::lowest()},
                      {"tiny", std::numeric_limits<double>::denorm_min()},
                      {"negative_zero", -0.0}};
  const auto r = service.validar(service.criar({.sub = "u", .extra_data = extra}));
  EXPECT_TRUE(r.valid) << r.reason;
}

// --- refusals take no rate-limit token -------------------------------------------------------------

TEST_F(CreateLimitsTest, RefusedCreatesDoNotTakeARateLimitToken) {
  auto config = jt::test_config();
  config.rate_limit_create = 1;
  auto service = make(config);
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = {{"blob", std::string(9000, 'x')}}}),
               InvalidArgument);
  EXPECT_THROW((void)service.criar({.sub = "u", .extra_data = nested(64)}), InvalidArgument);
  EXPECT_THROW(
      (void)service.criar({.sub = "u", .extra_data = {{"x", std::numeric_limits<double>::quiet_NaN()}}}),
      InvalidArgument);
  EXPECT_NO_THROW((void)service.criar({.sub = "u"})) << "a refused criar spent the only token of the minute";
  EXPECT_THROW((void)service.criar({.sub = "u"}), jwtservice::RateLimitExceeded)
      << "the limit of 1 still holds";
}

}  // namespace
