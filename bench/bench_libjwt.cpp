// Peer: libjwt 1.10 (Debian libjwt-dev; C, jansson-based). It verifies the signature; this
// version has no claim validation API, so the bench checks alg, iat, nbf, exp, iss, aud, sub,
// action and extra_data itself (the checks jwtservice makes) and copies sub, action, jti and
// extra_data out.
#include "bench_common.hpp"
#include "bench_peer_check.hpp"

#if JWTSERVICE_BENCH_HAVE_LIBJWT
#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

namespace bench {
namespace {

struct Decoded {
  std::string sub, action, jti, extra_data;
};

struct JwtFree {
  void operator()(jwt_t* j) const noexcept { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

const std::string kIssuerZ{kIssuer};
const std::string kAudienceZ{kAudience};

bool validate(const std::string& token, Decoded& out) {
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(kSecret.data()),
                 static_cast<int>(kSecret.size())) != 0)
    return false;
  JwtPtr jwt{raw};
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return false;
  const long now = static_cast<long>(unix_now());
  // NumericDates: libjwt reads JSON integers only (a missing or non-integer claim: ENOENT).
  errno = 0;
  const long iat = jwt_get_grant_int(jwt.get(), "iat");
  if (errno == 0 && iat > now) return false;
  errno = 0;
  const long nbf = jwt_get_grant_int(jwt.get(), "nbf");
  if (errno == 0 && nbf > now) return false;
  errno = 0;
  const long exp = jwt_get_grant_int(jwt.get(), "exp");
  if (errno == 0 && exp <= now) return false;
  const char* iss = jwt_get_grant(jwt.get(), "iss");
  if (iss == nullptr || kIssuerZ != iss) return false;
  const char* aud = jwt_get_grant(jwt.get(), "aud");
  if (aud == nullptr || kAudienceZ != aud) return false;
  const char* sub = jwt_get_grant(jwt.get(), "sub");
  if (sub == nullptr || *sub == '\0') return false;
  const char* action = jwt_get_grant(jwt.get(), "action");
  if (action != nullptr && !known_action(action)) return false;
  char* extra = jwt_get_grants_json(jwt.get(), "extra_data");
  if (extra != nullptr && extra[0] != '{') {
    std::free(extra);
    return false;
  }
  out.sub = sub;
  if (action != nullptr) out.action = action;
  if (const char* jti = jwt_get_grant(jwt.get(), "jti")) out.jti = jti;
  if (extra != nullptr) {
    out.extra_data = extra;
    std::free(extra);
  }
  return true;
}

const std::string kExtraGrant = std::string{R"({"extra_data":)"} + std::string{kExtraDataJson} + "}";
const std::string kSubZ{kSub};
const std::string kActionZ{kAction};

std::string create() {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPtr jwt{raw};
  const long now = static_cast<long>(unix_now());
  const std::string jti = uuid4();
  if (jwt_add_grant(jwt.get(), "sub", kSubZ.c_str()) || jwt_add_grant_int(jwt.get(), "iat", now) ||
      jwt_add_grant_int(jwt.get(), "nbf", now) || jwt_add_grant_int(jwt.get(), "exp", now + kExpiresIn) ||
      jwt_add_grant(jwt.get(), "iss", kIssuerZ.c_str()) ||
      jwt_add_grant(jwt.get(), "aud", kAudienceZ.c_str()) ||
      jwt_add_grant(jwt.get(), "action", kActionZ.c_str()) || jwt_add_grant(jwt.get(), "jti", jti.c_str()) ||
      jwt_add_grants_json(jwt.get(), kExtraGrant.c_str()) ||
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(kSecret.data()),
                  static_cast<int>(kSecret.size())))
    return {};
  char* out = jwt_encode_str(jwt.get());
  if (out == nullptr) return {};
  std::string token{out};
  std::free(out);
  return token;
}

void BM_validate(benchmark::State& state) {
  const std::string& token = the_token();
  for (auto _ : state) {
    Decoded d;
    if (!validate(token, d)) [[unlikely]] {
      fail(state, "libjwt refused the token");
      break;
    }
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_create(benchmark::State& state) {
  for (auto _ : state) {
    std::string token = create();
    if (token.empty()) [[unlikely]] {
      fail(state, "libjwt could not create a token");
      break;
    }
    benchmark::DoNotOptimize(token.data());
  }
  state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
  threads_1_2(benchmark::RegisterBenchmark("libjwt/validate", BM_validate));
  threads_1_2(benchmark::RegisterBenchmark("libjwt/create", BM_create));
  add_contender("validate", "libjwt", [] {
    Decoded d;
    const bool ok = validate(the_token(), d);
    benchmark::DoNotOptimize(d);
    return ok;
  });
  add_contender("create", "libjwt", [] {
    std::string token = create();
    benchmark::DoNotOptimize(token.data());
    return !token.empty();
  });
  return true;
}();

}  // namespace

bool libjwt_self_check() {
  Decoded d;
  Decoded own;
  return validate(the_token(), d) && d.sub == kSub && d.action == kAction && d.extra_data == kExtraDataJson &&
         !validate(bad_signature_token(), d) && validate(create(), own) && own.jti.size() == 36;
}

}  // namespace bench

#else
namespace bench {
bool libjwt_self_check() { return true; }
}  // namespace bench
#endif
