// The service's keys: SECRET_KEY and its fallbacks, each with its derived binding key.
#include "engine/keyring.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <string>

#include "jwtservice/detail/base64url.hpp"

namespace jwtservice::detail {
namespace {

/// The label that derives a key's binding key; part of the documented `bnd` formula.
constexpr std::string_view kBindingLabel = "jwtservice binding v1";

/// K = HMAC-SHA256(secret, label), kept only inside OpenSSL's MAC state.
Hs256Key binding_key(const Hs256Key& mac) {
  Mac256 k = mac.sign(kBindingLabel);
  Hs256Key key{std::string_view{reinterpret_cast<const char*>(k.data()), k.size()}};
  OPENSSL_cleanse(k.data(), k.size());
  return key;
}

}  // namespace

Keyring::Keyring(const Config& config) {
  keys_.reserve(1 + config.secret_key_fallbacks.size());
  auto add = [this](std::string_view secret) {
    Hs256Key mac{secret};
    Hs256Key binding = binding_key(mac);
    keys_.push_back(Key{std::move(mac), std::move(binding)});
  };
  add(config.secret_key);
  for (const auto& fallback : config.secret_key_fallbacks)
    add(fallback);
}

Mac256 Keyring::sign(std::string_view data) const { return keys_.front().mac.sign(data); }

std::optional<std::size_t> Keyring::verify(std::string_view data, const unsigned char* mac,
                                           std::size_t mac_size) const noexcept {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i].mac.verify(data, mac, mac_size)) return i;
  }
  return std::nullopt;
}

BindingText Keyring::binding(std::size_t index, std::string_view sub, std::string_view state) const {
  // sub || 0x00 || state: the separator keeps ("ab", "c") and ("a", "bc") apart.
  std::string message;
  message.reserve(sub.size() + 1 + state.size());
  message += sub;
  message += '\0';
  message += state;
  Mac256 mac{};
  try {
    mac = keys_.at(index).binding.sign(message);
  } catch (...) {
    OPENSSL_cleanse(message.data(), message.size());
    throw;
  }
  OPENSSL_cleanse(message.data(), message.size());  // the state may be a password hash
  BindingText out{};
  std::string text;
  base64url_encode_append(std::string_view{reinterpret_cast<const char*>(mac.data()), 16}, text);
  std::copy(text.begin(), text.end(), out.begin());
  return out;
}

bool Keyring::binding_matches(std::size_t index, std::string_view sub, std::string_view state,
                              std::string_view claim) const noexcept {
  try {
    const BindingText expected = binding(index, sub, state);
    // The claim's length is public; its bytes are compared in constant time.
    return claim.size() == expected.size() &&
           CRYPTO_memcmp(expected.data(), claim.data(), expected.size()) == 0;
  } catch (...) {
    return false;
  }
}

}  // namespace jwtservice::detail
