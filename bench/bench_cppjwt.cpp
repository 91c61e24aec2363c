// Peer: cpp-jwt (Debian libcpp-jwt-dev; header-only, nlohmann-based). Its own checks: signature,
// alg in the allowed list, exp, nbf, iss, aud, iat present; the bench adds sub, action and
// extra_data (steps 11-13) and reads sub, action and extra_data out, as jwtservice does.
// A translation unit of its own: cpp-jwt's namespace `jwt` clashes with libjwt's `struct jwt`.
#include "bench_common.hpp"
#include "bench_peer_check.hpp"

#if JWTSERVICE_BENCH_HAVE_CPPJWT
#include <jwt/jwt.hpp>

#include <nlohmann/json.hpp>
#include <string>

namespace bench {
namespace {

struct Decoded {
  std::string sub, action, jti;
  nlohmann::json extra_data;
};

bool validate(const std::string& token, Decoded& out) {
  using namespace jwt::params;
  std::error_code ec;
  auto obj = jwt::decode(token, algorithms({"HS256"}), ec, secret(kSecret), issuer(std::string{kIssuer}),
                         aud(std::string{kAudience}), validate_iat(true));
  if (ec) return false;
  const nlohmann::json& claims = obj.payload().create_json_obj();
  const auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) return false;
  const auto action = claims.find("action");
  if (action != claims.end() &&
      (!action->is_string() || !known_action(action->get_ref<const std::string&>())))
    return false;
  const auto extra = claims.find("extra_data");
  if (extra != claims.end() && !extra->is_object()) return false;
  out.sub = sub->get<std::string>();
  if (action != claims.end()) out.action = action->get<std::string>();
  if (const auto jti = claims.find("jti"); jti != claims.end() && jti->is_string())
    out.jti = jti->get<std::string>();
  if (extra != claims.end()) out.extra_data = *extra;
  return true;
}

std::string create(const nlohmann::json& extra_data) {
  using namespace jwt::params;
  const std::int64_t now = unix_now();
  jwt::jwt_object obj{algorithm("HS256"), secret(kSecret)};
  obj.add_claim("sub", std::string{kSub})
      .add_claim("iat", now)
      .add_claim("nbf", now)
      .add_claim("exp", now + kExpiresIn)
      .add_claim("iss", std::string{kIssuer})
      .add_claim("aud", std::string{kAudience})
      .add_claim("action", std::string{kAction})
      .add_claim("jti", uuid4())
      .add_claim("extra_data", extra_data);
  return obj.signature();
}

void BM_validate(benchmark::State& state) {
  const std::string& token = the_token();
  for (auto _ : state) {
    Decoded d;
    if (!validate(token, d)) [[unlikely]] {
      fail(state, "cpp-jwt refused the token");
      break;
    }
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_create(benchmark::State& state) {
  const auto extra = nlohmann::json::parse(kExtraDataJson);
  for (auto _ : state) {
    std::string token = create(extra);
    benchmark::DoNotOptimize(token.data());
  }
  state.SetItemsProcessed(state.iterations());
}

const bool registered = [] {
  threads_1_2(benchmark::RegisterBenchmark("cpp-jwt/validate", BM_validate));
  threads_1_2(benchmark::RegisterBenchmark("cpp-jwt/create", BM_create));
  add_contender("validate", "cpp-jwt", [] {
    Decoded d;
    const bool ok = validate(the_token(), d);
    benchmark::DoNotOptimize(d);
    return ok;
  });
  add_contender("create", "cpp-jwt", [] {
    static const auto extra = nlohmann::json::parse(kExtraDataJson);
    std::string token = create(extra);
    benchmark::DoNotOptimize(token.data());
    return !token.empty();
  });
  return true;
}();

}  // namespace

bool cppjwt_self_check() {
  Decoded d;
  Decoded own;
  return validate(the_token(), d) && d.sub == kSub && d.action == kAction &&
         d.extra_data == nlohmann::json::parse(kExtraDataJson) && !validate(bad_signature_token(), d) &&
         validate(create(nlohmann::json::parse(kExtraDataJson)), own) && own.jti.size() == 36;
}

}  // namespace bench

#else
namespace bench {
bool cppjwt_self_check() { return true; }
}  // namespace bench
#endif
