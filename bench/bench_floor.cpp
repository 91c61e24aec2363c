// The floor: the least work that validates (and signs) the same token with the same checks,
// written minimally here, independent of jwtservice's code. What jwtservice does beyond it is
// overhead to explain.
//
// validate = split on '.', strict canonical base64url-decode of header, payload and signature,
// header scan (a JSON object, alg exactly "HS256", typ JWT if present, no crit/b64), pre-keyed
// HMAC-SHA-256, CRYPTO_memcmp, then one hand-written pass over the payload (a strict JSON scan:
// structure, escapes, UTF-8, numbers, duplicate registered claims) extracting
// sub iat nbf exp iss aud jti action extra_data, and the checks of docs/validation.md steps 6-13 with
// the same outputs as jwtservice (sub, action, jti, aud copied out; extra_data as its JSON text;
// age, expires_in).
//
// sign = the claims written with a minimal JSON string escaper, a fresh UUID v4 jti from
// RAND_bytes (drawn in 4 KiB batches per thread, dropped in a forked child), base64url,
// pre-keyed HMAC, base64url. extra_data is given as JSON text (jwtservice takes an
// nlohmann::json and must serialise it: see parts/extra_data_dump for that cost).
//
// Each is registered once per way of reusing the HMAC key (see Hmac* below); report.py takes
// the fastest as "the floor".
#define OPENSSL_SUPPRESS_DEPRECATED 1  // only for HmacMidstate, the SHA256_CTX lower bound

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <pthread.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "bench_common.hpp"
#include "bench_floor.hpp"

namespace bench::floor {
namespace {

// ---- base64url (RFC 4648 §5, unpadded, canonical only) ----------------------------------------

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<std::uint8_t, 256> kValues = [] {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t)
    v = 0xFF;
  for (std::uint8_t i = 0; i < 64; ++i)
    t[static_cast<unsigned char>(kAlphabet[i])] = i;
  return t;
}();

/// Decodes canonical unpadded base64url; returns the byte count or -1.
long b64_decode(std::string_view in, unsigned char* out, std::size_t cap) noexcept {
  const std::size_t n = in.size();
  if (n % 4 == 1) return -1;
  const std::size_t size = n / 4 * 3 + (n % 4 == 0 ? 0 : n % 4 - 1);
  if (size > cap) return -1;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t i = 0;
  std::size_t o = 0;
  for (; i + 4 <= n; i += 4) {
    const std::uint32_t a = kValues[p[i]], b = kValues[p[i + 1]], c = kValues[p[i + 2]],
                        d = kValues[p[i + 3]];
    if ((a | b | c | d) & 0xC0) return -1;
    const std::uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o] = static_cast<unsigned char>(v >> 16);
    out[o + 1] = static_cast<unsigned char>(v >> 8);
    out[o + 2] = static_cast<unsigned char>(v);
    o += 3;
  }
  if (n - i == 2) {
    const std::uint32_t a = kValues[p[i]], b = kValues[p[i + 1]];
    if (((a | b) & 0xC0) || (b & 0x0F)) return -1;
    out[o++] = static_cast<unsigned char>((a << 2) | (b >> 4));
  } else if (n - i == 3) {
    const std::uint32_t a = kValues[p[i]], b = kValues[p[i + 1]], c = kValues[p[i + 2]];
    if (((a | b | c) & 0xC0) || (c & 0x03)) return -1;
    out[o++] = static_cast<unsigned char>((a << 2) | (b >> 4));
    out[o++] = static_cast<unsigned char>(((b & 0x0F) << 4) | (c >> 2));
  }
  return static_cast<long>(o);
}

void b64_encode_append(const unsigned char* p, std::size_t n, std::string& out) {
  const std::size_t at = out.size();
  out.resize(at + n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
  char* o = out.data() + at;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8) | p[i + 2];
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
    o += 4;
  }
  if (n - i == 1) {
    const std::uint32_t v = std::uint32_t{p[i]} << 16;
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    const std::uint32_t v = (std::uint32_t{p[i]} << 16) | (std::uint32_t{p[i + 1]} << 8);
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
  }
}

// ---- a minimal strict JSON scanner --------------------------------------------------------------

constexpr int kMaxDepth = 64;

/// Bytes a JSON string carries as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c)
    t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

/// Three ASCII bytes as one integer, to classify claim names with one comparison.
constexpr std::uint32_t tag3(const char* s) noexcept {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(s[0])) |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(s[2])) << 16;
}

struct Scanner {
  const unsigned char* p;
  const unsigned char* end;

  void ws() noexcept {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
      ++p;
  }
  bool eat(unsigned char c) noexcept {
    ws();
    if (p < end && *p == c) {
      ++p;
      return true;
    }
    return false;
  }

  /// One UTF-8 sequence starting at a byte >= 0x80 (RFC 3629: no overlongs, no surrogates).
  bool utf8() noexcept {
    const unsigned char c = *p;
    int len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
      return false;
    p += len;
    return true;
  }

  static int hex(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool u4(std::uint32_t& v) noexcept {
    if (end - p < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex(p[i]);
      if (h < 0) return false;
      v = (v << 4) | static_cast<std::uint32_t>(h);
    }
    p += 4;
    return true;
  }

  /// A string (the opening quote already current); `raw` is its text between the quotes,
  /// `escaped` tells whether it must be unescaped before use.
  bool string(std::string_view& raw, bool& escaped) noexcept {
    ws();
    if (p >= end || *p != '"') return false;
    const unsigned char* start = ++p;
    escaped = false;
    while (p < end) {
      while (p < end && kPlain[*p])  // the common case: printable ASCII other than " and backslash
        ++p;
      if (p >= end) break;
      const unsigned char c = *p;
      if (c == '"') {
        raw = {reinterpret_cast<const char*>(start), static_cast<std::size_t>(p - start)};
        ++p;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        escaped = true;
        if (++p >= end) return false;
        const unsigned char e = *p++;
        if (e == 'u') {
          std::uint32_t v = 0;
          if (!u4(v)) return false;
          if (v >= 0xDC00 && v <= 0xDFFF) return false;  // lone low surrogate
          if (v >= 0xD800 && v <= 0xDBFF) {              // needs its low half
            std::uint32_t low = 0;
            if (end - p < 2 || p[0] != '\\' || p[1] != 'u') return false;
            p += 2;
            if (!u4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          }
        } else if (!std::strchr("\"\\/bfnrt", e) || e == 0) {
          return false;
        }
      } else if (c < 0x80) {
        ++p;
      } else if (!utf8()) {
        return false;
      }
    }
    return false;
  }

  /// A number; `integral` when it has no fraction or exponent (then `i` holds it, when it fits).
  bool number(double& d, std::int64_t& i, bool& integral) noexcept {
    ws();
    const unsigned char* start = p;
    if (p < end && *p == '-') ++p;
    if (p >= end) return false;
    if (*p == '0') {
      ++p;
    } else if (*p >= '1' && *p <= '9') {
      while (p < end && *p >= '0' && *p <= '9')
        ++p;
    } else {
      return false;
    }
    integral = true;
    if (p < end && *p == '.') {
      integral = false;
      ++p;
      if (p >= end || *p < '0' || *p > '9') return false;
      while (p < end && *p >= '0' && *p <= '9')
        ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      integral = false;
      ++p;
      if (p < end && (*p == '+' || *p == '-')) ++p;
      if (p >= end || *p < '0' || *p > '9') return false;
      while (p < end && *p >= '0' && *p <= '9')
        ++p;
    }
    const char* b = reinterpret_cast<const char*>(start);
    const char* e = reinterpret_cast<const char*>(p);
    if (integral && std::from_chars(b, e, i).ec == std::errc{}) return true;
    integral = false;
    const auto r = std::from_chars(b, e, d);
    return r.ec == std::errc{} && std::isfinite(d);  // 1e400 is out of range: refused
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end - p) < word.size() || std::memcmp(p, word.data(), word.size()) != 0)
      return false;
    p += word.size();
    return true;
  }

  /// Any JSON value, checked and skipped (nested objects and arrays included).
  bool skip(int depth) noexcept {
    ws();
    if (p >= end) return false;
    std::string_view s;
    bool esc = false;
    switch (*p) {
      case '"': return string(s, esc);
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      case '{':
        if (depth >= kMaxDepth) return false;
        ++p;
        if (eat('}')) return true;
        do {
          if (!string(s, esc) || !eat(':') || !skip(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      case '[':
        if (depth >= kMaxDepth) return false;
        ++p;
        if (eat(']')) return true;
        do {
          if (!skip(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      default: {
        double d = 0;
        std::int64_t i = 0;
        bool integral = false;
        return number(d, i, integral);
      }
    }
  }
};

/// The unescaped text of a JSON string (the slow path: the bench's token has no escapes).
std::string unescape(std::string_view raw, bool escaped) {
  if (!escaped) return std::string{raw};
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        auto h4 = [&](std::size_t at) {
          std::uint32_t v = 0;
          for (std::size_t k = 0; k < 4; ++k)
            v = (v << 4) | static_cast<std::uint32_t>(Scanner::hex(static_cast<unsigned char>(raw[at + k])));
          return v;
        };
        std::uint32_t cp = h4(i + 1);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (h4(i + 3) - 0xDC00);
          i += 6;
        }
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xF0 | (cp >> 18));
          out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: out += e; break;  // " \ /
    }
  }
  return out;
}

bool ieq(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// The header: a JSON object with alg exactly HS256, no crit or b64, typ (if any) JWT.
bool header_ok(const unsigned char* text, std::size_t n) noexcept {
  Scanner s{text, text + n};
  if (!s.eat('{')) return false;
  bool alg_ok = false;
  unsigned seen = 0;
  if (!s.eat('}')) {
    do {
      std::string_view key, value;
      bool kesc = false, vesc = false;
      if (!s.string(key, kesc) || !s.eat(':')) return false;
      // Escaped names never match the plain names below; they are only skipped.
      const unsigned bit = key == "alg" ? 1u : key == "typ" ? 2u : key == "crit" || key == "b64" ? 4u : 0u;
      if (bit & seen) return false;  // a repeated name
      seen |= bit;
      if (bit == 4u) return false;
      if (bit == 1u || bit == 2u) {
        s.ws();
        if (!s.string(value, vesc)) return false;
        if (bit == 1u) alg_ok = !vesc && value == "HS256";
        if (bit == 2u && (vesc || !(ieq(value, "JWT") || ieq(value, "application/jwt")))) return false;
      } else if (!s.skip(1)) {
        return false;
      }
    } while (s.eat(','));
    if (!s.eat('}')) return false;
  }
  s.ws();
  return alg_ok && s.p == s.end;
}

/// A NumericDate from a scanned number (decimals truncated toward zero, int64 range).
bool numeric_date(Scanner& s, std::int64_t& out) noexcept {
  double d = 0;
  bool integral = false;
  if (!s.number(d, out, integral)) return false;
  if (integral) return true;
  const double t = std::trunc(d);
  if (!(t >= -0x1p63 && t < 0x1p63)) return false;
  out = static_cast<std::int64_t>(t);
  return true;
}

constexpr std::string_view kActions[] = {"NO_ACTION",   "VALIDAR_EMAIL",  "RESET_PASSWORD",
                                         "PENDING_2FA", "ACTIVATING_2FA", "PENDING_PASSWORD_CHANGE"};

// The registered claims, one bit each (repeated names are refused).
constexpr unsigned kSubC = 1, kIatC = 2, kNbfC = 4, kExpC = 8, kIssC = 16, kAudC = 32, kJtiC = 64,
                   kActionC = 128, kExtraC = 256;

}  // namespace

// ---- HMAC-SHA-256 with the key scheduled once --------------------------------------------------

namespace {
EVP_MAC_CTX* keyed_ctx(std::string_view key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  EVP_MAC_CTX* ctx = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);  // the context holds its own reference
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (!ctx || EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) != 1)
    throw std::runtime_error("HMAC-SHA-256 unavailable");
  return ctx;
}
}  // namespace

HmacDup::HmacDup(std::string_view key) : keyed_(keyed_ctx(key)) {}
HmacDup::~HmacDup() { EVP_MAC_CTX_free(keyed_); }
bool HmacDup::mac(std::string_view data, unsigned char out[32]) const noexcept {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(keyed_);
  std::size_t n = 0;
  const bool ok =
      ctx && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
      EVP_MAC_final(ctx, out, &n, 32) == 1 && n == 32;
  EVP_MAC_CTX_free(ctx);
  return ok;
}

HmacReinit::HmacReinit(std::string_view key) : keyed_(keyed_ctx(key)) {}
HmacReinit::~HmacReinit() { EVP_MAC_CTX_free(keyed_); }
bool HmacReinit::mac(std::string_view data, unsigned char out[32]) const noexcept {
  // One context per thread, duplicated once from the keyed one; EVP_MAC_init with a NULL key
  // rewinds it to the keyed state.
  struct Local {
    const HmacReinit* owner = nullptr;
    EVP_MAC_CTX* ctx = nullptr;
    ~Local() { EVP_MAC_CTX_free(ctx); }
  };
  thread_local Local local;
  if (local.owner != this) {
    EVP_MAC_CTX_free(local.ctx);
    local.ctx = EVP_MAC_CTX_dup(keyed_);
    local.owner = this;
  }
  std::size_t n = 0;
  return local.ctx && EVP_MAC_init(local.ctx, nullptr, 0, nullptr) == 1 &&
         EVP_MAC_update(local.ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
         EVP_MAC_final(local.ctx, out, &n, 32) == 1 && n == 32;
}

HmacEvpMd::HmacEvpMd(std::string_view key) {
  md_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  inner_ = EVP_MD_CTX_new();
  outer_ = EVP_MD_CTX_new();
  unsigned char block[64] = {};
  if (key.size() > 64) {
    unsigned int n = 0;
    EVP_Digest(key.data(), key.size(), block, &n, md_, nullptr);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[64];
  for (int i = 0; i < 64; ++i)
    pad[i] = block[i] ^ 0x36;
  EVP_DigestInit_ex(inner_, md_, nullptr);
  EVP_DigestUpdate(inner_, pad, 64);
  for (int i = 0; i < 64; ++i)
    pad[i] = block[i] ^ 0x5c;
  EVP_DigestInit_ex(outer_, md_, nullptr);
  EVP_DigestUpdate(outer_, pad, 64);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}
HmacEvpMd::~HmacEvpMd() {
  EVP_MD_CTX_free(inner_);
  EVP_MD_CTX_free(outer_);
  EVP_MD_free(md_);
}
bool HmacEvpMd::mac(std::string_view data, unsigned char out[32]) const noexcept {
  struct Local {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Local() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Local local;
  unsigned char h[32];
  unsigned int n = 0;
  return EVP_MD_CTX_copy_ex(local.ctx, inner_) == 1 &&
         EVP_DigestUpdate(local.ctx, data.data(), data.size()) == 1 &&
         EVP_DigestFinal_ex(local.ctx, h, &n) == 1 && EVP_MD_CTX_copy_ex(local.ctx, outer_) == 1 &&
         EVP_DigestUpdate(local.ctx, h, 32) == 1 && EVP_DigestFinal_ex(local.ctx, out, &n) == 1 && n == 32;
}

HmacMidstate::HmacMidstate(std::string_view key) {
  unsigned char block[64] = {};
  if (key.size() > 64) {
    SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), block);
  } else {
    std::memcpy(block, key.data(), key.size());
  }
  unsigned char pad[64];
  for (int i = 0; i < 64; ++i)
    pad[i] = block[i] ^ 0x36;
  SHA256_Init(&inner_);
  SHA256_Update(&inner_, pad, 64);
  for (int i = 0; i < 64; ++i)
    pad[i] = block[i] ^ 0x5c;
  SHA256_Init(&outer_);
  SHA256_Update(&outer_, pad, 64);
  OPENSSL_cleanse(block, sizeof block);
  OPENSSL_cleanse(pad, sizeof pad);
}
HmacMidstate::~HmacMidstate() {
  OPENSSL_cleanse(&inner_, sizeof inner_);
  OPENSSL_cleanse(&outer_, sizeof outer_);
}
bool HmacMidstate::mac(std::string_view data, unsigned char out[32]) const noexcept {
  SHA256_CTX c = inner_;  // a plain struct copy: no allocation
  unsigned char h[32];
  SHA256_Update(&c, data.data(), data.size());
  SHA256_Final(h, &c);
  c = outer_;
  SHA256_Update(&c, h, 32);
  SHA256_Final(out, &c);
  OPENSSL_cleanse(&c, sizeof c);
  return true;
}

// ---- validate ---------------------------------------------------------------------------------

template <class Hmac>
Reason validate(const Hmac& hmac, std::string_view token, std::int64_t now, const Expect& expect, Result& r) {
  if (token.empty() || token.size() > 8192) return Reason::invalid;
  // 1. Structure: exactly three segments.
  const std::size_t d1 = token.find('.');
  if (d1 == std::string_view::npos) return Reason::invalid;
  const std::size_t d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos)
    return Reason::invalid;

  // 2. Strict base64url of all three parts, header acceptable.
  unsigned char header[512];
  unsigned char payload[8192];
  unsigned char sig[64];
  const long hn = b64_decode(token.substr(0, d1), header, sizeof header);
  const long pn = b64_decode(token.substr(d1 + 1, d2 - d1 - 1), payload, sizeof payload);
  const long sn = b64_decode(token.substr(d2 + 1), sig, sizeof sig);
  if (hn < 0 || pn < 0 || sn < 0) return Reason::invalid;
  if (!header_ok(header, static_cast<std::size_t>(hn))) return Reason::invalid;

  // 3. Signature, before anything of the payload is read.
  unsigned char mac[32];
  if (sn != 32 || !hmac.mac(token.substr(0, d2), mac) || CRYPTO_memcmp(mac, sig, 32) != 0)
    return Reason::bad_signature;

  // 4. One pass over the payload.
  Scanner s{payload, payload + pn};
  if (!s.eat('{')) return Reason::invalid;
  unsigned seen = 0;
  std::int64_t iat = 0, nbf = 0, exp = 0;
  std::string_view sub, iss, jti, action, extra;
  bool sub_esc = false, iss_esc = false, jti_esc = false, action_esc = false;
  bool sub_str = false, jti_str = false, action_str = false, iat_ok = false, extra_obj = false;
  bool aud_match = false;
  std::string aud_matched;
  if (!s.eat('}')) {
    do {
      std::string_view key;
      bool kesc = false;
      if (!s.string(key, kesc) || !s.eat(':')) return Reason::invalid;
      unsigned bit = 0;
      if (!kesc) {
        switch (key.size()) {
          case 3:
            switch (tag3(key.data())) {
              case tag3("sub"): bit = kSubC; break;
              case tag3("iat"): bit = kIatC; break;
              case tag3("nbf"): bit = kNbfC; break;
              case tag3("exp"): bit = kExpC; break;
              case tag3("iss"): bit = kIssC; break;
              case tag3("aud"): bit = kAudC; break;
              case tag3("jti"): bit = kJtiC; break;
              default: break;
            }
            break;
          case 6: bit = std::memcmp(key.data(), "action", 6) == 0 ? kActionC : 0; break;
          case 10: bit = std::memcmp(key.data(), "extra_data", 10) == 0 ? kExtraC : 0; break;
          default: break;
        }
      }
      if (bit & seen) return Reason::invalid;  // a repeated claim
      seen |= bit;
      s.ws();
      const bool is_string = s.p < s.end && *s.p == '"';
      switch (bit) {
        case kSubC:
          sub_str = is_string;
          if (is_string ? !s.string(sub, sub_esc) : !s.skip(1)) return Reason::invalid;
          break;
        case kJtiC:
          jti_str = is_string;
          if (is_string ? !s.string(jti, jti_esc) : !s.skip(1)) return Reason::invalid;
          break;
        case kActionC:
          action_str = is_string;
          if (is_string ? !s.string(action, action_esc) : !s.skip(1)) return Reason::invalid;
          break;
        case kIssC:
          if (!is_string || !s.string(iss, iss_esc)) return Reason::invalid;  // step 5: iss must be a string
          break;
        case kNbfC:
          if (!numeric_date(s, nbf)) return Reason::invalid;
          break;
        case kExpC:
          if (!numeric_date(s, exp)) return Reason::invalid;
          break;
        case kIatC: {
          const unsigned char* at = s.p;
          iat_ok = numeric_date(s, iat);
          if (!iat_ok) {  // not a number: step 6's invalid_iat, unless not JSON at all
            s.p = at;
            if (!s.skip(1)) return Reason::invalid;
          }
          break;
        }
        case kAudC: {
          std::string_view a;
          bool aesc = false;
          auto accept = [&](std::string_view raw, bool esc) {
            if (aud_match) return;
            std::string text = unescape(raw, esc);
            if (expect.audience.empty() || text == expect.audience) {
              aud_match = true;
              aud_matched = std::move(text);
            }
          };
          if (is_string) {
            if (!s.string(a, aesc)) return Reason::invalid;
            accept(a, aesc);
          } else {
            if (!s.eat('[')) return Reason::invalid;
            if (!s.eat(']')) {
              do {
                if (!s.string(a, aesc)) return Reason::invalid;  // only strings in a list
                accept(a, aesc);
              } while (s.eat(','));
              if (!s.eat(']')) return Reason::invalid;
            }
          }
          break;
        }
        case kExtraC: {
          const unsigned char* at = s.p;
          extra_obj = at < s.end && *at == '{';
          if (!s.skip(1)) return Reason::invalid;
          extra = {reinterpret_cast<const char*>(at), static_cast<std::size_t>(s.p - at)};
          break;
        }
        default:
          if (!s.skip(1)) return Reason::invalid;
          break;
      }
    } while (s.eat(','));
    if (!s.eat('}')) return Reason::invalid;
  }
  s.ws();
  if (s.p != s.end) return Reason::invalid;

  // 5. The claim checks, in jwtservice's order.
  const std::int64_t L = expect.leeway;
  if ((seen & kIatC) && (!iat_ok || iat > now + L)) return Reason::invalid_iat;
  if ((seen & kNbfC) && nbf > now + L) return Reason::immature;
  if ((seen & kExpC) && exp - now + L <= 0) return Reason::expired;
  if (!(seen & kIssC) || (iss_esc ? unescape(iss, true) != expect.issuer : iss != expect.issuer))
    return Reason::invalid_issuer;
  if (!expect.audience.empty() && !aud_match) return Reason::invalid_audience;
  if (!(seen & kSubC) || !sub_str || sub.empty()) return Reason::missing_sub;
  std::string action_text;
  if (seen & kActionC) {
    if (!action_str) return Reason::invalid_action;
    action_text = unescape(action, action_esc);
    bool known = false;
    for (auto name : kActions)
      known = known || name == action_text;
    if (!known) return Reason::invalid_action;
  }
  if ((seen & kExtraC) && !extra_obj) return Reason::invalid_extra_data;

  // 6. What the caller gets.
  r.sub = unescape(sub, sub_esc);
  r.action = std::move(action_text);
  r.aud = std::move(aud_matched);
  r.jti = jti_str ? unescape(jti, jti_esc) : std::string{};
  r.extra_data.assign(extra);
  r.age = (seen & kIatC) ? now - iat : 0;
  r.expires_in = (seen & kExpC) ? exp - now : 0;
  return Reason::none;
}

// ---- sign -------------------------------------------------------------------------------------

namespace {

/// Appends `s` as a JSON string; false when it is not valid UTF-8.
bool append_json_string(std::string& out, std::string_view s) {
  out += '"';
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const unsigned char* run = p;
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++p;
      continue;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    if (c >= 0x80) {
      Scanner sc{p, end};
      if (!sc.utf8()) return false;
      out.append(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sc.p - p));
      p = sc.p;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++p;
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++p;
    }
    run = p;
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
  out += '"';
  return true;
}

void append_int(std::string& out, std::int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

/// 16 bytes from RAND_bytes drawn 4 KiB at a time per thread (one RAND_bytes call per 256 jtis);
/// a forked child drops the batch it inherited, so parent and child never share jtis.
std::atomic<unsigned> g_fork_generation{0};
const bool g_atfork = [] {
  pthread_atfork(nullptr, nullptr, [] { g_fork_generation.fetch_add(1, std::memory_order_relaxed); });
  return true;
}();

void random16(unsigned char out[16]) {
  struct Pool {
    unsigned char bytes[4096];
    std::size_t used = sizeof bytes;
    unsigned generation = 0;
    ~Pool() { OPENSSL_cleanse(bytes, sizeof bytes); }
  };
  thread_local Pool pool;
  const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.used == sizeof pool.bytes || generation != pool.generation) {
    if (RAND_bytes(pool.bytes, sizeof pool.bytes) != 1) throw std::runtime_error("RAND_bytes failed");
    pool.used = 0;
    pool.generation = generation;
  }
  std::memcpy(out, pool.bytes + pool.used, 16);
  OPENSSL_cleanse(pool.bytes + pool.used, 16);
  pool.used += 16;
}

}  // namespace

template <class Hmac>
std::string sign(const Hmac& hmac, const Claims& c, std::int64_t now) {
  // A fresh UUID v4 jti.
  unsigned char rnd[16];
  random16(rnd);
  rnd[6] = static_cast<unsigned char>((rnd[6] & 0x0F) | 0x40);
  rnd[8] = static_cast<unsigned char>((rnd[8] & 0x3F) | 0x80);
  char jti[36];
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0, o = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) jti[o++] = '-';
    jti[o++] = hex[rnd[i] >> 4];
    jti[o++] = hex[rnd[i] & 15];
  }

  std::string payload;
  payload.reserve(256);
  payload += "{\"sub\":";
  bool ok = append_json_string(payload, c.sub);
  payload += ",\"iat\":";
  append_int(payload, now);
  payload += ",\"nbf\":";
  append_int(payload, now);
  payload += ",\"exp\":";
  append_int(payload, now + c.expires_in);
  payload += ",\"iss\":";
  ok = ok && append_json_string(payload, c.issuer);
  payload += ",\"aud\":";
  ok = ok && append_json_string(payload, c.audience);
  payload += ",\"action\":";
  ok = ok && append_json_string(payload, c.action);
  payload += ",\"jti\":\"";
  payload.append(jti, sizeof jti);
  payload += "\",\"extra_data\":";
  payload += c.extra_data_json;
  payload += '}';
  if (!ok) throw std::invalid_argument("claims are not valid UTF-8");

  static constexpr std::string_view kHeaderB64 = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
  std::string token;
  token.reserve(kHeaderB64.size() + 2 + payload.size() * 4 / 3 + 4 + 43);
  token += kHeaderB64;
  token += '.';
  b64_encode_append(reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), token);
  unsigned char mac[32];
  if (!hmac.mac(token, mac)) throw std::runtime_error("HMAC failed");
  token += '.';
  b64_encode_append(mac, 32, token);
  return token;
}

/// Not an HMAC: hands back the MAC of the bench token, precomputed. Lets parts/ time the floor's
/// validate without its HMAC (parsing, decoding, checks alone).
class HmacCached {
 public:
  explicit HmacCached(std::string_view key) { HmacMidstate{key}.mac(signing_input(), mac_); }
  bool mac(std::string_view, unsigned char out[32]) const noexcept {
    std::memcpy(out, mac_, 32);
    return true;
  }

 private:
  static std::string_view signing_input() {
    const std::string& t = the_token();
    return std::string_view{t}.substr(0, t.rfind('.'));
  }
  unsigned char mac_[32]{};
};

template Reason validate<HmacCached>(const HmacCached&, std::string_view, std::int64_t, const Expect&,
                                     Result&);
template Reason validate<HmacDup>(const HmacDup&, std::string_view, std::int64_t, const Expect&, Result&);
template Reason validate<HmacReinit>(const HmacReinit&, std::string_view, std::int64_t, const Expect&,
                                     Result&);
template Reason validate<HmacEvpMd>(const HmacEvpMd&, std::string_view, std::int64_t, const Expect&, Result&);
template Reason validate<HmacMidstate>(const HmacMidstate&, std::string_view, std::int64_t, const Expect&,
                                       Result&);
template std::string sign<HmacDup>(const HmacDup&, const Claims&, std::int64_t);
template std::string sign<HmacReinit>(const HmacReinit&, const Claims&, std::int64_t);
template std::string sign<HmacEvpMd>(const HmacEvpMd&, const Claims&, std::int64_t);
template std::string sign<HmacMidstate>(const HmacMidstate&, const Claims&, std::int64_t);

// ---- benchmarks -------------------------------------------------------------------------------

namespace {

template <class Hmac>
const Hmac& key() {
  static const Hmac hmac{kSecret};
  return hmac;
}

const Expect kExpect{.issuer = std::string{kIssuer}, .audience = std::string{kAudience}, .leeway = 0};

template <class Hmac>
void BM_validate(benchmark::State& state) {
  const Hmac& hmac = key<Hmac>();
  const std::string& token = the_token();
  for (auto _ : state) {
    Result r;
    // The clock is read per call, as jwtservice does.
    if (validate(hmac, token, unix_now(), kExpect, r) != Reason::none) [[unlikely]] {
      fail(state, "the floor refused the token");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Hmac>
void BM_sign(benchmark::State& state) {
  const Hmac& hmac = key<Hmac>();
  const Claims claims{.sub = std::string{kSub},
                      .issuer = std::string{kIssuer},
                      .audience = std::string{kAudience},
                      .action = std::string{kAction},
                      .extra_data_json = std::string{kExtraDataJson},
                      .expires_in = kExpiresIn};
  for (auto _ : state) {
    std::string token = sign(hmac, claims, unix_now());
    benchmark::DoNotOptimize(token.data());
  }
  state.SetItemsProcessed(state.iterations());
}

template <class Hmac>
void BM_hmac(benchmark::State& state) {
  const Hmac& hmac = key<Hmac>();
  const std::string& token = the_token();
  const std::string_view input = std::string_view{token}.substr(0, token.rfind('.'));
  unsigned char out[32];
  for (auto _ : state) {
    if (!hmac.mac(input, out)) [[unlikely]] {
      fail(state, "HMAC failed");
      break;
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
}

/// The shared-nothing floor of the scaling table: each thread validates the distinct tokens
/// with its own keyed context (HmacReinit keeps one per thread) and shares no write.
void BM_scaling_validate(benchmark::State& state) {
  const HmacReinit& hmac = key<HmacReinit>();
  const auto& tokens = distinct_tokens();
  std::size_t i = static_cast<std::size_t>(state.thread_index()) * 61;  // threads start apart
  for (auto _ : state) {
    Result r;
    if (validate(hmac, tokens[i++ % tokens.size()], unix_now(), kExpect, r) != Reason::none) [[unlikely]] {
      fail(state, "the floor refused a token");
      break;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}

const Claims& sign_claims() {
  static const Claims claims{.sub = std::string{kSub},
                             .issuer = std::string{kIssuer},
                             .audience = std::string{kAudience},
                             .action = std::string{kAction},
                             .extra_data_json = std::string{kExtraDataJson},
                             .expires_in = kExpiresIn};
  return claims;
}

template <class Hmac>
void register_variant(const char* name) {
  const std::string n{name};
  add_contender("validate", "floor:" + n, [] {
    Result r;
    const bool ok = validate(key<Hmac>(), the_token(), unix_now(), kExpect, r) == Reason::none;
    benchmark::DoNotOptimize(r);
    return ok;
  });
  add_contender("create", "floor:" + n, [] {
    std::string token = sign(key<Hmac>(), sign_claims(), unix_now());
    benchmark::DoNotOptimize(token.data());
    return !token.empty();
  });
  threads_1_2(benchmark::RegisterBenchmark(("floor/validate/hmac:" + n).c_str(), BM_validate<Hmac>));
  threads_1_2(benchmark::RegisterBenchmark(("floor/sign/hmac:" + n).c_str(), BM_sign<Hmac>));
  with_min(benchmark::RegisterBenchmark(("parts/hmac/" + n).c_str(), BM_hmac<Hmac>)->UseRealTime());
}

const bool registered = [] {
  register_variant<HmacDup>("dup");        // EVP_MAC_CTX_dup of a keyed context per call
  register_variant<HmacReinit>("reinit");  // one context per thread, EVP_MAC_init(ctx, NULL, 0, NULL)
  register_variant<HmacEvpMd>("evp_md");   // ipad/opad EVP_MD_CTX midstates, EVP_MD_CTX_copy_ex
  register_variant<HmacMidstate>("sha256_ctx_deprecated");  // SHA256_CTX midstates, struct copy
  threads_1_2_4(benchmark::RegisterBenchmark("scaling/validate/floor", BM_scaling_validate));
  threads_1_2_4(benchmark::RegisterBenchmark("scaling/create/floor", BM_sign<HmacReinit>));
  // The floor's validate without the HMAC: what parsing and checking alone cost.
  with_min(benchmark::RegisterBenchmark("parts/floor_validate_without_hmac", BM_validate<HmacCached>)
               ->UseRealTime());
  return true;
}();

}  // namespace

/// Checks the floor against the token (used by main before running anything).
bool self_check() {
  Result r;
  const auto ok = validate(key<HmacReinit>(), the_token(), unix_now(), kExpect, r) == Reason::none &&
                  r.sub == kSub && r.action == kAction && r.extra_data == kExtraDataJson;
  const auto bad =
      validate(key<HmacReinit>(), bad_signature_token(), unix_now(), kExpect, r) == Reason::bad_signature;
  const auto garbage =
      validate(key<HmacReinit>(), garbage_token(), unix_now(), kExpect, r) == Reason::invalid;
  Result r2;
  const Claims claims{.sub = std::string{kSub},
                      .issuer = std::string{kIssuer},
                      .audience = std::string{kAudience},
                      .action = std::string{kAction},
                      .extra_data_json = std::string{kExtraDataJson},
                      .expires_in = kExpiresIn};
  const auto signed_ok = validate(key<HmacMidstate>(), sign(key<HmacDup>(), claims, unix_now()), unix_now(),
                                  kExpect, r2) == Reason::none;
  return ok && bad && garbage && signed_ok;
}

}  // namespace bench::floor
