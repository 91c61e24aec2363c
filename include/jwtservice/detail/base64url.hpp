// Strict, canonical base64url (RFC 4648 §5, no padding) without allocation on the decode path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jwtservice::detail {

inline constexpr std::string_view base64url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// 0..63 for an alphabet character, 0xFF for anything else (padding, '+', '/', whitespace).
inline constexpr std::array<std::uint8_t, 256> base64url_values = [] {
  std::array<std::uint8_t, 256> table{};
  for (auto& v : table)
    v = 0xFF;
  for (std::size_t i = 0; i < base64url_alphabet.size(); ++i) {
    table[static_cast<unsigned char>(base64url_alphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

[[nodiscard]] constexpr std::size_t base64url_encoded_size(std::size_t n) noexcept {
  return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

/// The decoded size of `n` encoded characters, or nullopt when no canonical encoding has that
/// length (n % 4 == 1).
[[nodiscard]] constexpr std::optional<std::size_t> base64url_decoded_size(std::size_t n) noexcept {
  if (n % 4 == 1) return std::nullopt;
  return n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
}

/// Appends the unpadded base64url encoding of `in` to `out`.
inline void base64url_encode_append(std::string_view in, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t n = in.size();
  std::size_t at = out.size();
  out.resize(at + base64url_encoded_size(n));
  char* o = out.data() + at;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    *o++ = base64url_alphabet[(v >> 18) & 63];
    *o++ = base64url_alphabet[(v >> 12) & 63];
    *o++ = base64url_alphabet[(v >> 6) & 63];
    *o++ = base64url_alphabet[v & 63];
  }
  if (n - i == 1) {
    std::uint32_t v = std::uint32_t{p[i]} << 16;
    *o++ = base64url_alphabet[(v >> 18) & 63];
    *o++ = base64url_alphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    *o++ = base64url_alphabet[(v >> 18) & 63];
    *o++ = base64url_alphabet[(v >> 12) & 63];
    *o++ = base64url_alphabet[(v >> 6) & 63];
  }
}

[[nodiscard]] inline std::string base64url_encode(std::string_view in) {
  std::string out;
  base64url_encode_append(in, out);
  return out;
}

/// True when `in` is the canonical unpadded base64url encoding of some bytes (see below),
/// checked without decoding.
[[nodiscard]] constexpr bool base64url_is_canonical(std::string_view in) noexcept {
  if (in.size() % 4 == 1) return false;
  for (char c : in) {
    if (base64url_values[static_cast<unsigned char>(c)] == 0xFF) return false;
  }
  if (in.empty()) return true;
  const std::uint8_t last = base64url_values[static_cast<unsigned char>(in.back())];
  if (in.size() % 4 == 2) return (last & 0x0F) == 0;
  if (in.size() % 4 == 3) return (last & 0x03) == 0;
  return true;
}

/// Decodes `in` into `out` (which must hold base64url_decoded_size(in.size()) bytes).
/// Returns the byte count, or nullopt unless `in` is the one canonical encoding: only the
/// URL-safe alphabet, no padding, no whitespace, and the unused low bits of the last
/// character zero (so no two strings decode to the same bytes).
[[nodiscard]] inline std::optional<std::size_t> base64url_decode(std::string_view in,
                                                                 unsigned char* out) noexcept {
  const auto size = base64url_decoded_size(in.size());
  if (!size) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t n = in.size();
  std::size_t i = 0;
  std::size_t o = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a = base64url_values[p[i]], b = base64url_values[p[i + 1]],
                        c = base64url_values[p[i + 2]], d = base64url_values[p[i + 3]];
    if ((a | b | c | d) & 0xC0) return std::nullopt;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = static_cast<unsigned char>(v >> 16);
    out[o++] = static_cast<unsigned char>(v >> 8);
    out[o++] = static_cast<unsigned char>(v);
  }
  const std::size_t rest = n - i;
  if (rest == 2) {
    const std::uint32_t a = base64url_values[p[i]], b = base64url_values[p[i + 1]];
    if (((a | b) & 0xC0) || (b & 0x0F) != 0) return std::nullopt;
    out[o++] = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (rest == 3) {
    const std::uint32_t a = base64url_values[p[i]], b = base64url_values[p[i + 1]],
                        c = base64url_values[p[i + 2]];
    if (((a | b | c) & 0xC0) || (c & 0x03) != 0) return std::nullopt;
    out[o++] = static_cast<unsigned char>((a << 2) | (b >> 4));
    out[o++] = static_cast<unsigned char>(((b & 0x0F) << 4) | (c >> 2));
  }
  return o;
}

/// Decodes into a string; false (and `out` unspecified) for a non-canonical input.
[[nodiscard]] inline bool base64url_decode(std::string_view in, std::string& out) {
  const auto size = base64url_decoded_size(in.size());
  if (!size) return false;
  out.resize(*size);
  const auto written = base64url_decode(in, reinterpret_cast<unsigned char*>(out.data()));
  return written.has_value();
}

}  // namespace jwtservice::detail
