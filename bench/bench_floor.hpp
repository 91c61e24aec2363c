// The floor's interface (see bench_floor.cpp): minimal HS256 validate and sign, and the ways of
// reusing a scheduled HMAC key that it is measured with.
#pragma once

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace bench::floor {

enum class Reason {
  none,
  invalid,
  bad_signature,
  invalid_iat,
  immature,
  expired,
  invalid_issuer,
  invalid_audience,
  missing_sub,
  invalid_action,
  invalid_extra_data
};

struct Expect {
  std::string issuer;
  std::string audience;  // empty: not checked
  std::int64_t leeway = 0;
};

/// The same outputs jwtservice's result carries (extra_data as its JSON text).
struct Result {
  std::string sub, action, aud, jti, extra_data;
  std::int64_t age = 0, expires_in = 0;
};

struct Claims {
  std::string sub, issuer, audience, action, extra_data_json;
  std::int64_t expires_in = 0;
};

/// EVP_MAC_CTX_dup of the keyed context on every call (jwtservice's first design).
class HmacDup {
 public:
  explicit HmacDup(std::string_view key);
  ~HmacDup();
  HmacDup(const HmacDup&) = delete;
  HmacDup& operator=(const HmacDup&) = delete;
  bool mac(std::string_view data, unsigned char out[32]) const noexcept;

 private:
  EVP_MAC_CTX* keyed_;
};

/// One EVP_MAC_CTX per thread, rewound with EVP_MAC_init(ctx, NULL, 0, NULL) on every call.
class HmacReinit {
 public:
  explicit HmacReinit(std::string_view key);
  ~HmacReinit();
  HmacReinit(const HmacReinit&) = delete;
  HmacReinit& operator=(const HmacReinit&) = delete;
  bool mac(std::string_view data, unsigned char out[32]) const noexcept;

 private:
  EVP_MAC_CTX* keyed_;
};

/// HMAC by hand over EVP_MD: the ipad/opad SHA-256 states kept, EVP_MD_CTX_copy_ex per call.
class HmacEvpMd {
 public:
  explicit HmacEvpMd(std::string_view key);
  ~HmacEvpMd();
  HmacEvpMd(const HmacEvpMd&) = delete;
  HmacEvpMd& operator=(const HmacEvpMd&) = delete;
  bool mac(std::string_view data, unsigned char out[32]) const noexcept;

 private:
  EVP_MD* md_ = nullptr;
  EVP_MD_CTX* inner_ = nullptr;
  EVP_MD_CTX* outer_ = nullptr;
};

/// HMAC by hand over the (deprecated in OpenSSL 3) SHA256_CTX: the ipad/opad states are plain
/// structs, copied per call without any allocation. The lower bound of what OpenSSL can do;
/// jwtservice compiles with OPENSSL_NO_DEPRECATED, so it is shown for reference.
class HmacMidstate {
 public:
  explicit HmacMidstate(std::string_view key);
  ~HmacMidstate();
  HmacMidstate(const HmacMidstate&) = delete;
  HmacMidstate& operator=(const HmacMidstate&) = delete;
  bool mac(std::string_view data, unsigned char out[32]) const noexcept;

 private:
  SHA256_CTX inner_{};
  SHA256_CTX outer_{};
};

template <class Hmac>
Reason validate(const Hmac& hmac, std::string_view token, std::int64_t now, const Expect& expect,
                Result& out);

template <class Hmac>
std::string sign(const Hmac& hmac, const Claims& claims, std::int64_t now);

bool self_check();

}  // namespace bench::floor
