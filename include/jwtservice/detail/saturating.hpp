// Saturating 64-bit arithmetic for time values taken from untrusted tokens.
#pragma once

#include <cstdint>
#include <limits>

namespace jwtservice::detail {

inline constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

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
