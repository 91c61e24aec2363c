// Small text predicates shared by the config loaders, the engine and the stores.
#pragma once

#include <cctype>
#include <cstddef>
#include <string_view>

namespace jwtservice::detail {

/// True for an empty string or one of ASCII whitespace only ("blank" in API.md).
[[nodiscard]] inline bool is_blank(std::string_view s) noexcept {
  for (const char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

/// Lower-case hexadecimal digits, by value.
inline constexpr char hex_digits[] = "0123456789abcdef";

/// ASCII case-insensitive equality (header `typ` values, URL schemes, config words).
[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace jwtservice::detail
