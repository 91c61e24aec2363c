// Test support: hand-made tokens with any header and payload bytes, signed with any key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/hs256.hpp"
#include "jwtservice/jwtservice.hpp"

namespace jwtservice::testing {

inline constexpr std::string_view kSecret = "test-secret-0123456789-abcdefghijklmnop";
inline constexpr std::string_view kOtherSecret = "another-secret-0123456789-abcdefghijklm";
inline constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
inline constexpr std::int64_t kNow = 1'700'000'000;

/// base64url(header) "." base64url(payload) "." base64url(HMAC(secret, first two parts)).
inline std::string forge(std::string_view header, std::string_view payload,
                         std::string_view secret = kSecret) {
  std::string token = detail::base64url_encode(header) + "." + detail::base64url_encode(payload);
  const auto mac = detail::Hs256Key{secret}.sign(token);
  token += '.';
  detail::base64url_encode_append(std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()},
                                  token);
  return token;
}

/// A payload with every claim jwtservice writes, valid at kNow for the default config.
inline nlohmann::json good_claims() {
  return {{"sub", "user@example.com"},
          {"iat", kNow},
          {"nbf", kNow},
          {"exp", kNow + 600},
          {"iss", "JWTService"},
          {"action", "VALIDAR_EMAIL"},
          {"jti", "jti-1"},
          {"extra_data", {{"flow", "signup"}}}};
}

inline std::string forge_claims(const nlohmann::json& claims, std::string_view secret = kSecret) {
  return forge(kHeader, claims.dump(), secret);
}

inline Config test_config() {
  Config config;
  config.secret_key = std::string{kSecret};
  // Rate limits run on the real monotonic clock; tests of the limiters inject their own.
  config.rate_limit_create = 0;
  config.rate_limit_validate = 0;
  return config;
}

}  // namespace jwtservice::testing
