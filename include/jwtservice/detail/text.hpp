// Small text helpers shared by the config loaders, the claim reader, the engine and the stores:
// ASCII only and locale-free, so that no setlocale() of the application changes a result.
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>

namespace jwtservice::detail {

/// The lower-case hexadecimal digits, indexed by a nibble: `hex_digits[byte >> 4]`.
inline constexpr std::string_view hex_digits = "0123456789abcdef";

/// The value of a hexadecimal digit of either case (`'b'` and `'B'` give 11), -1 for any other
/// character.
[[nodiscard]] constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// `c` with an ASCII upper-case letter turned lower case; every other byte unchanged.
[[nodiscard]] constexpr char ascii_lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// True when `a` and `b` are equal but for the case of ASCII letters (`iequals("JWT", "jwt")`);
/// bytes outside ASCII must match exactly.
[[nodiscard]] constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

/// True when `s` starts with `prefix`, ASCII letters compared without case (`file:`, `FILE:`).
[[nodiscard]] constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

/// True for an empty string or one of ASCII whitespace only (what the README calls "blank").
[[nodiscard]] constexpr bool is_blank(std::string_view s) noexcept {
  for (const char c : s) {
    // The C locale's isspace, without a call into the locale: ' ', \t, \n, \v, \f, \r.
    if (c != ' ' && (c < '\t' || c > '\r')) return false;
  }
  return true;
}

/// The schemes of a Redis URL (docs/redis-in-production.md), for the config and the command
/// line, which recognise one even in a build without Redis; RedisUrl::parse reads the rest.
struct RedisScheme {
  std::string_view prefix;
  bool tls;
  bool sentinel;
};
inline constexpr RedisScheme redis_schemes[] = {{"redis://", false, false},
                                                {"rediss://", true, false},
                                                {"redis+sentinel://", false, true},
                                                {"rediss+sentinel://", true, true}};

/// The scheme `url` starts with (any case), or null.
[[nodiscard]] constexpr const RedisScheme* redis_scheme_of(std::string_view url) noexcept {
  for (const auto& scheme : redis_schemes) {
    if (istarts_with(url, scheme.prefix)) return &scheme;
  }
  return nullptr;
}

/// Appends `text` with every control character written as an escape, so that text from
/// outside (a path, a server's error) can never forge a line of output or drive a terminal:
/// C0 controls and DEL as `\xNN` (a newline, an ANSI escape), the C1 controls U+0080 to
/// U+009F (UTF-8 C2 80 to C2 9F; U+009B is a CSI) as `\u00NN`, and a backslash as `\\`, so
/// that an escape in the text cannot pass for one of these.
inline void append_printable(std::string& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto u = static_cast<unsigned char>(text[i]);
    if (u < 0x20 || u == 0x7F) {
      out += "\\x";
      out += hex_digits[u >> 4];
      out += hex_digits[u & 0x0F];
    } else if (u == '\\') {
      out += "\\\\";
    } else if (u == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      const auto c1 = static_cast<unsigned char>(text[++i]);
      out += "\\u00";
      out += hex_digits[c1 >> 4];
      out += hex_digits[c1 & 0x0F];
    } else {
      out += text[i];
    }
  }
}

}  // namespace jwtservice::detail
