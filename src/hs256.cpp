// HMAC-SHA-256 on OpenSSL 3's EVP_MAC: fetched and keyed once, reused from a small pool.
#include "jwtservice/detail/hs256.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <functional>
#include <stdexcept>
#include <thread>

namespace jwtservice::detail {

struct Hs256Key::Impl {
  /// A working context some thread may be using; a flag, not a mutex, guards it.
  struct alignas(64) Slot {
    std::atomic<bool> busy{false};
    EVP_MAC_CTX* ctx = nullptr;  // a copy of `keyed`, re-initialised (same key) for each MAC
  };

  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // initialised with the key; only ever duplicated, never updated
  std::array<Slot, 8> slots;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    for (auto& slot : slots)
      EVP_MAC_CTX_free(slot.ctx);
    EVP_MAC_CTX_free(keyed);  // cleanses the key schedule
    EVP_MAC_free(mac);
  }
};

namespace {

struct CtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_MAC_CTX, CtxDeleter>;

bool run_mac(EVP_MAC_CTX* ctx, std::string_view data, Mac256& out) noexcept {
  std::size_t written = 0;
  return EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
         EVP_MAC_final(ctx, out.data(), &written, out.size()) == 1 && written == out.size();
}

/// Each thread starts looking at its own slot, so threads rarely meet on one.
std::size_t first_slot() noexcept {
  thread_local const std::size_t hint = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return hint;
}

}  // namespace

Hs256Key::Hs256Key(std::string_view secret) : impl_(std::make_unique<Impl>()) {
  impl_->mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  if (impl_->mac == nullptr) throw std::runtime_error("OpenSSL provides no HMAC");
  impl_->keyed = EVP_MAC_CTX_new(impl_->mac);
  if (impl_->keyed == nullptr) throw std::runtime_error("OpenSSL could not allocate an HMAC context");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(impl_->keyed, reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                   params) != 1) {
    throw std::runtime_error("OpenSSL refused the HMAC-SHA-256 key");
  }
}

Hs256Key::~Hs256Key() = default;
Hs256Key::Hs256Key(Hs256Key&&) noexcept = default;
Hs256Key& Hs256Key::operator=(Hs256Key&&) noexcept = default;

bool Hs256Key::compute(std::string_view data, Mac256& out) const noexcept {
  // A pooled context is re-initialised with its key (EVP_MAC_init with no key), which costs
  // half of duplicating the keyed context; a free slot is claimed with one atomic exchange.
  const std::size_t start = first_slot();
  for (std::size_t i = 0; i < impl_->slots.size(); ++i) {
    auto& slot = impl_->slots[(start + i) % impl_->slots.size()];
    if (slot.busy.exchange(true, std::memory_order_acquire)) continue;
    if (slot.ctx == nullptr) slot.ctx = EVP_MAC_CTX_dup(impl_->keyed);
    const bool ok = slot.ctx != nullptr && EVP_MAC_init(slot.ctx, nullptr, 0, nullptr) == 1 &&
                    run_mac(slot.ctx, data, out);
    slot.busy.store(false, std::memory_order_release);
    return ok;
  }
  // Every slot busy: more threads than slots are hashing right now.
  CtxPtr ctx{EVP_MAC_CTX_dup(impl_->keyed)};
  return ctx && run_mac(ctx.get(), data, out);
}

Mac256 Hs256Key::sign(std::string_view data) const {
  Mac256 out{};
  if (!compute(data, out)) throw std::runtime_error("HMAC-SHA-256 failed");
  return out;
}

bool Hs256Key::verify(std::string_view data, const unsigned char* mac, std::size_t mac_size) const noexcept {
  Mac256 expected{};
  if (!compute(data, expected)) return false;
  // The length of a MAC is public; its bytes are compared in constant time.
  const bool equal = mac_size == expected.size() && CRYPTO_memcmp(expected.data(), mac, expected.size()) == 0;
  OPENSSL_cleanse(expected.data(), expected.size());
  return equal;
}

}  // namespace jwtservice::detail
