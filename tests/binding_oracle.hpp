// Test support: the `bnd` claim computed straight from docs/password-reset.md's formula with OpenSSL's
// one-shot HMAC and a base64url written here, so the library's own code is not its own judge.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace jwtservice::testing {

/// HMAC-SHA256(key, message), computed by OpenSSL's one-shot HMAC().
inline std::array<unsigned char, 32> oracle_hmac_sha256(std::string_view key, std::string_view message) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  static const unsigned char kNoKey = 0;
  const void* key_bytes = key.empty() ? static_cast<const void*>(&kNoKey) : key.data();
  HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
  return out;
}

/// Unpadded base64url (RFC 4648 §5) of `n` bytes.
inline std::string oracle_base64url(const unsigned char* bytes, std::size_t n) {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const unsigned v = (unsigned{bytes[i]} << 16) | (unsigned{bytes[i + 1]} << 8) | bytes[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    const unsigned v = unsigned{bytes[i]} << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    const unsigned v = (unsigned{bytes[i]} << 16) | (unsigned{bytes[i + 1]} << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

/// The `bnd` of (`sub`, `state`) under `secret`, by docs/password-reset.md: K = HMAC-SHA256(secret,
/// "jwtservice binding v1"); bnd = base64url(bytes 0-15 of HMAC-SHA256(K, sub || 0x00 || state)).
/// `sub` is the decoded string (escapes resolved).
inline std::string oracle_bnd(std::string_view secret, std::string_view sub, std::string_view state) {
  const auto k = oracle_hmac_sha256(secret, "jwtservice binding v1");
  std::string message{sub};
  message += '\0';
  message += state;
  const auto mac =
      oracle_hmac_sha256(std::string_view{reinterpret_cast<const char*>(k.data()), k.size()}, message);
  return oracle_base64url(mac.data(), 16);
}

}  // namespace jwtservice::testing
