// The keys of one service: SECRET_KEY signs, SECRET_KEY and its fallbacks verify, and each key
// has the derived key that computes a token's `bnd` claim.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "jwtservice/config.hpp"
#include "jwtservice/detail/hs256.hpp"

namespace jwtservice::detail {

/// The 22 base64url characters of a `bnd` claim.
using BindingText = std::array<char, 22>;

/// Every key is scheduled once, at construction; the raw secrets are not kept (the caller
/// wipes its copies). Thread-safe.
class Keyring {
 public:
  /// Keys SECRET_KEY and every fallback. Throws std::runtime_error when OpenSSL refuses a key.
  explicit Keyring(const Config& config);

  /// The MAC of `data` under SECRET_KEY; throws std::runtime_error when OpenSSL fails.
  [[nodiscard]] Mac256 sign(std::string_view data) const;

  /// The index of the first key (0 = SECRET_KEY, then the fallbacks in order) whose MAC of
  /// `data` is `mac`, each compared in constant time; nullopt when none is.
  [[nodiscard]] std::optional<std::size_t> verify(std::string_view data, const unsigned char* mac,
                                                  std::size_t mac_size) const noexcept;

  /// The `bnd` value of (`sub`, `state`) under key `index`: the unpadded base64url of the first
  /// 16 bytes of HMAC-SHA256(K, sub || 0x00 || state), where K = HMAC-SHA256(key, "jwtservice
  /// binding v1"). Throws std::runtime_error when OpenSSL fails.
  [[nodiscard]] BindingText binding(std::size_t index, std::string_view sub, std::string_view state) const;

  /// True when `claim` is the `bnd` of (`sub`, `state`) under key `index`; compared in
  /// constant time. Never throws: a failure counts as a mismatch.
  [[nodiscard]] bool binding_matches(std::size_t index, std::string_view sub, std::string_view state,
                                     std::string_view claim) const noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

 private:
  struct Key {
    Hs256Key mac;      // verifies tokens (and signs them, for index 0)
    Hs256Key binding;  // K of the binding formula
  };
  std::vector<Key> keys_;
};

}  // namespace jwtservice::detail
