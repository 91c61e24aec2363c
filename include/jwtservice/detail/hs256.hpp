// HMAC-SHA-256 keyed once (OpenSSL 3 EVP_MAC), with a constant-time verify.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>

namespace jwtservice::detail {

using Mac256 = std::array<unsigned char, 32>;

/// A pre-keyed HMAC-SHA-256. The MAC algorithm is fetched and the key scheduled once, at
/// construction; calls reuse working copies of that keyed state from a small lock-free pool.
/// Thread-safe: sign and verify may run concurrently. The key bytes live only inside OpenSSL, which cleanses
/// them on free.
class Hs256Key {
 public:
  /// Throws std::runtime_error when OpenSSL cannot provide HMAC-SHA-256.
  explicit Hs256Key(std::string_view secret);
  ~Hs256Key();
  Hs256Key(Hs256Key&&) noexcept;
  Hs256Key& operator=(Hs256Key&&) noexcept;
  Hs256Key(const Hs256Key&) = delete;
  Hs256Key& operator=(const Hs256Key&) = delete;

  /// The MAC of `data`; throws std::runtime_error on an OpenSSL failure.
  [[nodiscard]] Mac256 sign(std::string_view data) const;

  /// True when `mac` is the MAC of `data`; compared in constant time. Never throws:
  /// an OpenSSL failure counts as a mismatch.
  [[nodiscard]] bool verify(std::string_view data, const unsigned char* mac,
                            std::size_t mac_size) const noexcept;

 private:
  bool compute(std::string_view data, Mac256& out) const noexcept;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtservice::detail
