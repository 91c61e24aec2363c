// Saturating 64-bit arithmetic for time values taken from untrusted tokens.
#pragma once

#include <cstdint>
#include <limits>

namespace jwtservice::detail {

inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

/// 2^63 as a double: a truncated double d fits int64 exactly when -2^63 <= d < 2^63.
inline constexpr double two_pow_63 = 9223372036854775808.0;

/// a + b, clamped to the int64 range instead of overflowing.
[[nodiscard]] constexpr std::int64_t sat_add(std::int64_t a, std::int64_t b) noexcept {
  if (b > 0 && a > int64_max - b) return int64_max;
  if (b < 0 && a < int64_min - b) return int64_min;
  return a + b;
}

/// a - b, clamped to the int64 range instead of overflowing.
[[nodiscard]] constexpr std::int64_t sat_sub(std::int64_t a, std::int64_t b) noexcept {
  if (b < 0 && a > int64_max + b) return int64_max;
  if (b > 0 && a < int64_min + b) return int64_min;
  return a - b;
}

}  // namespace jwtservice::detail
