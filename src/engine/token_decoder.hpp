// Steps 3 to 5 of validation: size, segments, header, MAC, and the strict read of the payload.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/keyring.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/detail/claims.hpp"
#include "jwtservice/result.hpp"

namespace jwtservice::detail {

/// The base64url of the only header jwtservice writes: {"alg":"HS256","typ":"JWT"}.
inline constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// Room for a decoded segment: on the stack for every token of the default size limit (8192
/// bytes decode to at most 6144), on the heap only for larger configured limits.
class SegmentBuffer {
 public:
  char* reserve(std::size_t n) {
    if (n <= inline_.size()) return inline_.data();
    heap_.resize(n);
    return heap_.data();
  }

 private:
  std::array<char, 6144> inline_;
  std::string heap_;
};

/// A token that passed steps 3 to 5: where its claims are, its NumericDates, and which key
/// verified it.
struct DecodedToken {
  ClaimSpans claims;
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t> exp;
  std::size_t key_index = 0;  ///< 0 = SECRET_KEY, then the fallbacks in order
  SegmentBuffer payload;      ///< the claims point into it
};

/// Steps 3 (`invalid`: size, segments, header), 4 (`bad_signature`: no key's MAC matches) and
/// 5 (`invalid`: a malformed payload), in that order; Reason::none when all pass. Nothing of
/// the payload is parsed before a key has verified the MAC. Throws only std::bad_alloc.
[[nodiscard]] Reason decode_token(std::string_view token, const Config& config, const Keyring& keys,
                                  DecodedToken& out);

}  // namespace jwtservice::detail
