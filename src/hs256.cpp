// HMAC-SHA-256 on OpenSSL 3's EVP_MAC: fetched and keyed once, duplicated per call.
#include "jwtservice/detail/hs256.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <stdexcept>

namespace jwtservice::detail {

struct Hs256Key::Impl {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // initialised with the key; only ever duplicated, never updated

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    EVP_MAC_CTX_free(keyed);  // cleanses the key schedule
    EVP_MAC_free(mac);
  }
};

namespace {

struct CtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const noexcept { EVP_MAC_CTX_free(ctx); }
};
using CtxPtr = std::unique_ptr<EVP_MAC_CTX, CtxDeleter>;

bool compute(const EVP_MAC_CTX* keyed, std::string_view data, Mac256& out) noexcept {
  CtxPtr ctx{EVP_MAC_CTX_dup(keyed)};
  std::size_t written = 0;
  return ctx &&
         EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
         EVP_MAC_final(ctx.get(), out.data(), &written, out.size()) == 1 && written == out.size();
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

Mac256 Hs256Key::sign(std::string_view data) const {
  Mac256 out{};
  if (!compute(impl_->keyed, data, out)) throw std::runtime_error("HMAC-SHA-256 failed");
  return out;
}

bool Hs256Key::verify(std::string_view data, const unsigned char* mac, std::size_t mac_size) const noexcept {
  Mac256 expected{};
  if (!compute(impl_->keyed, data, expected)) return false;
  // The length of a MAC is public; its bytes are compared in constant time.
  return mac_size == expected.size() && CRYPTO_memcmp(expected.data(), mac, expected.size()) == 0;
}

}  // namespace jwtservice::detail
