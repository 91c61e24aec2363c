// Small text predicates shared by the config loaders, the engine and the stores.
#pragma once

#include <cctype>
#include <string_view>

namespace jwtservice::detail {

/// True for an empty string or one of ASCII whitespace only ("blank" in API.md).
[[nodiscard]] inline bool is_blank(std::string_view s) noexcept {
  for (const char c : s) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace jwtservice::detail
