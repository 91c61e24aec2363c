// libFuzzer target for validar: raw bytes as a token, or bytes as the header and payload of a
// token this harness signs with a key the service knows, so that the payload reader and the claim
// checks are reached too. Signed inputs are judged against a reference model of docs/validation.md
// (the 18 steps, with ValidateOptions) built on the strict DOM parser and, for `bnd`, on OpenSSL's
// HMAC directly; any disagreement, crash or internal error is a finding.
//
// Input layout: byte 0 selects the mode (bits 0-1), the audience form (bits 2-3), the service
// (bit 4), whether ValidateOptions are given (bit 5), whether the harness writes the right `bnd`
// into the payload (bit 6: each `"*"` becomes the bnd of the payload's sub, see fill_bnd) and
// whether it signs with the fallback key instead of SECRET_KEY (bit 7). With bit 5, byte 1 holds
// the options (bits 0-2 action, 3-4 binding, 5-7 max_age; see Options). The rest is the token
// (raw mode), the payload (payload mode), or header 0xFF payload (header mode; 0xFF never occurs
// in UTF-8, so it cannot be part of a useful JSON text).
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/hs256.hpp"
#include "jwtservice/jwtservice.hpp"
#include "support/json_strict.hpp"

namespace {

using json = nlohmann::json;
using jwtservice::Reason;

constexpr std::string_view kSecret = "fuzz-secret-0123456789-abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kFallbackSecret = "fuzz-old-secret-0123456789-abcdefghijklmnopqrstu";
constexpr std::string_view kIssuer = "JWTService";
constexpr std::string_view kConfigAudience = "mobile-app";
constexpr std::string_view kRevokedJti = "revoked-jti";
constexpr std::string_view kGoodHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kGoodPayload =
    R"({"sub":"u","iat":1700000000,"exp":1700000600,"iss":"JWTService","aud":"mobile-app","jti":"j"})";
constexpr std::int64_t kNow = 1700000000;
constexpr std::size_t kMaxTokenBytes = 8192;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_validate finding: %s\n", what);
  std::abort();
}

#define FUZZ_CHECK(cond)                                 \
  do {                                                   \
    if (!(cond)) finding(#cond " (line " FUZZ_LINE ")"); \
  } while (0)
#define FUZZ_STR2(x) #x
#define FUZZ_STR(x) FUZZ_STR2(x)
#define FUZZ_LINE FUZZ_STR(__LINE__)

/// One service configuration and what the reference model needs to know about it.
struct Setup {
  std::int64_t leeway = 0;
  std::optional<std::string> config_audience;
  std::shared_ptr<jwtservice::InMemoryRevocationStore> store;
  std::unique_ptr<jwtservice::Service> service;
};

jwtservice::Logger failing_on_error() {
  // validar logs an error only when it failed internally (an exception it swallowed).
  return [](jwtservice::LogLevel level, std::string_view message) {
    if (level == jwtservice::LogLevel::error) {
      std::fprintf(stderr, "%.*s\n", static_cast<int>(message.size()), message.data());
      finding("validar logged an internal error");
    }
  };
}

Setup make_setup(bool strict) {
  Setup s;
  jwtservice::Config config;
  config.secret_key = std::string{kSecret};
  config.secret_key_fallbacks = {std::string{kFallbackSecret}};
  config.rate_limit_create = 0;
  config.rate_limit_validate = 0;
  if (strict) {
    config.leeway = 30;
    config.audience = std::string{kConfigAudience};
    s.leeway = 30;
    s.config_audience = std::string{kConfigAudience};
    s.store = std::make_shared<jwtservice::InMemoryRevocationStore>([] { return kNow; });
    s.store->revoke(kRevokedJti, 3600, {});
  }
  jwtservice::ServiceOptions options{.logger = failing_on_error(),
                                     .clock = [] { return kNow; },
                                     .monotonic_clock = [] { return std::chrono::nanoseconds{1}; }};
  if (s.store) options.revocation_store = s.store;
  s.service = std::make_unique<jwtservice::Service>(config, std::move(options));
  return s;
}

Setup& setup(bool strict) {
  static Setup plain = make_setup(false);
  static Setup with_store = make_setup(true);
  return strict ? with_store : plain;
}

const jwtservice::detail::Hs256Key& key(bool fallback) {
  static const jwtservice::detail::Hs256Key primary{kSecret};
  static const jwtservice::detail::Hs256Key old{kFallbackSecret};
  return fallback ? old : primary;
}

std::string sign(std::string_view header, std::string_view payload, bool fallback) {
  std::string token = jwtservice::detail::base64url_encode(header);
  token += '.';
  jwtservice::detail::base64url_encode_append(payload, token);
  const auto mac = key(fallback).sign(token);
  token += '.';
  jwtservice::detail::base64url_encode_append(
      std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()}, token);
  return token;
}

/// The audience argument: none (the config's), one, a list of two, an empty list.
struct Audience {
  int form = 0;
  const std::vector<std::string>& list() const {
    static const std::vector<std::string> two{"web-app", "mobile-app"};
    static const std::vector<std::string> none{};
    return form == 2 ? two : none;
  }
  /// The audiences the reference model expects, or nullopt when aud is not checked.
  std::optional<std::vector<std::string>> expected(const Setup& s) const {
    switch (form) {
      case 0:
        if (s.config_audience) return std::vector<std::string>{*s.config_audience};
        return std::nullopt;
      case 1: return std::vector<std::string>{"web-app"};
      case 2: return list();
      default: return std::vector<std::string>{};
    }
  }
};

/// The six names of docs/creating-and-validating.md, by enumerator value: the model's own copy of the
/// contract.
constexpr std::array<std::string_view, 6> kActionNames = {"NO_ACTION",      "VALIDAR_EMAIL",
                                                          "RESET_PASSWORD", "PENDING_2FA",
                                                          "ACTIVATING_2FA", "PENDING_PASSWORD_CHANGE"};
constexpr int kUnlistedAction = 99;
constexpr std::string_view kStateA = "state-A";
constexpr std::string_view kStateB = "state-B";

/// The ValidateOptions of one input (docs/validation.md), decoded from its options byte.
struct Options {
  bool given = false;
  std::optional<int> action;           ///< an enumerator value; kUnlistedAction is not in the traits
  std::optional<std::string> binding;  ///< "state-A", "state-B" or "" (counts as given, never matches)
  std::optional<std::int64_t> max_age;

  static Options from(bool given, std::uint8_t byte) {
    Options o;
    o.given = given;
    if (!given) return o;
    const int action = byte & 7;
    if (action >= 1 && action <= 6) o.action = action - 1;
    if (action == 7) o.action = kUnlistedAction;
    switch ((byte >> 3) & 3) {
      case 1: o.binding = std::string{kStateA}; break;
      case 2: o.binding = std::string{kStateB}; break;
      case 3: o.binding = std::string{}; break;
      default: break;
    }
    constexpr std::int64_t kMaxAges[] = {0, 1, 30, 60, 600, 3600, 86400, INT64_MAX};
    if (const auto m = kMaxAges[(byte >> 5) & 7]; m != 0) o.max_age = m;
    return o;
  }
  /// §7: an unlisted action or an empty audience list throws InvalidArgument before any check.
  [[nodiscard]] bool must_throw(const Audience& a) const {
    return given && (action == kUnlistedAction || a.form == 3);
  }
  [[nodiscard]] jwtservice::ValidateOptions to_library(const Audience& a) const {
    jwtservice::ValidateOptions v;
    if (action) v.action = static_cast<jwtservice::JWTAction>(*action);
    if (a.form == 1) v.audience = "web-app";
    if (a.form == 2) v.audience = {"web-app", "mobile-app"};
    if (a.form == 3) v.audience = std::vector<std::string>{};
    v.binding = binding;
    v.max_age = max_age;
    return v;
  }
};

jwtservice::VerificationResult run(const Setup& s, std::string_view token, const Audience& a,
                                   const Options& o) {
  if (o.given) return s.service->validar(token, o.to_library(a));
  switch (a.form) {
    case 0: return s.service->validar(token);
    case 1: return s.service->validar(token, std::string_view{"web-app"});
    case 2: return s.service->validar(token, {"web-app", "mobile-app"});
    default: return s.service->validar(token, a.list());
  }
}

/// Runs validar expecting InvalidArgument; any other outcome is a finding.
void expect_invalid_argument(const Setup& s, std::string_view token, const Audience& a, const Options& o) {
  try {
    (void)s.service->validar(token, o.to_library(a));
  } catch (const jwtservice::InvalidArgument&) {
    return;
  }
  finding("validar did not throw InvalidArgument for an unlisted action or an empty audience list");
}

// --- the reference model of docs/validation.md, steps 3 (header JSON) and 5-16, on the strict DOM ----

bool is_blank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\v' && c != '\f' && c != '\r') return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

/// docs/password-reset.md: bnd = base64url(bytes 0-15 of HMAC-SHA256(K, sub || 0x00 || state)) with
/// K = HMAC-SHA256(secret, "jwtservice binding v1"); OpenSSL's one-shot HMAC, not the library's.
std::string model_bnd(std::string_view secret, std::string_view sub, std::string_view state) {
  auto hmac = [](std::string_view key, std::string_view message) {
    std::array<unsigned char, 32> out{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(), &size);
    return out;
  };
  const auto k = hmac(secret, "jwtservice binding v1");
  std::string message{sub};
  message += '\0';
  message += state;
  const auto mac = hmac(std::string_view{reinterpret_cast<const char*>(k.data()), k.size()}, message);
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    bits = (bits << 8) | mac[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  return out;
}

/// The raw text of the top-level members whose value the DOM holds as a double: the DOM alone
/// cannot tell `1e3` from an integer literal beyond the int64 range (which nlohmann also
/// stores as a double), and docs/validation.md treats them differently.
class FloatTexts final : public nlohmann::json_sax<json> {
 public:
  std::map<std::string, std::string> texts;

  bool null() override { return true; }
  bool boolean(bool /*v*/) override { return true; }
  bool number_integer(number_integer_t /*v*/) override { return true; }
  bool number_unsigned(number_unsigned_t /*v*/) override { return true; }
  bool number_float(number_float_t /*v*/, const string_t& text) override {
    if (depth_ == 1) texts[key_] = text;
    return true;
  }
  bool string(string_t& /*v*/) override { return true; }
  bool binary(binary_t& /*v*/) override { return true; }
  bool start_object(std::size_t /*n*/) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t /*n*/) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& name) override {
    if (depth_ == 1) key_ = name;
    return true;
  }
  bool parse_error(std::size_t /*p*/, const std::string& /*t*/,
                   const nlohmann::detail::exception& /*e*/) override {
    return false;
  }

 private:
  int depth_ = 0;
  std::string key_;
};

/// docs/validation.md: an integer literal must fit int64 exactly; a decimal is truncated toward zero
/// (read as a double, as any JSON parser does) and must then fit.
std::optional<std::int64_t> numeric_date(const json& v, const std::map<std::string, std::string>& texts,
                                         const std::string& name) {
  if (v.is_number_float()) {
    const auto it = texts.find(name);
    if (it != texts.end() && it->second.find_first_of(".eE") == std::string::npos) return std::nullopt;
  }
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {
    const double t = std::trunc(v.get<double>());
    if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return std::nullopt;
    return static_cast<std::int64_t>(t);
  }
  return std::nullopt;
}

std::int64_t clamp(__int128 v) {
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<std::int64_t>(v);
}

bool header_acceptable(std::string_view text) {
  json h;
  if (!jwtservice::detail::parse_json_strict(text, h) || !h.is_object()) return false;
  const auto alg = h.find("alg");
  if (alg == h.end() || !alg->is_string() || alg->get<std::string>() != "HS256") return false;
  if (h.contains("crit") || h.contains("b64")) return false;
  if (const auto typ = h.find("typ"); typ != h.end()) {
    if (!typ->is_string()) return false;
    const auto t = typ->get<std::string>();
    return iequals(t, "JWT") || iequals(t, "application/jwt");
  }
  return true;
}

struct Expected {
  Reason reason = Reason::invalid;
  json claims;
  std::optional<std::string> aud;
  std::optional<std::int64_t> iat, exp;
};

bool action_known(const std::string& name) {
  return jwtservice::action_from_name<jwtservice::JWTAction>(name).has_value();
}

Expected reference(std::string_view payload, const Setup& s, const Audience& a, const Options& o,
                   std::string_view signing_secret) {
  Expected e;
  json& c = e.claims;
  auto fail = [&](Reason r) {
    e.reason = r;
    return e;
  };
  // 5.
  if (!jwtservice::detail::parse_json_strict(payload, c) || !c.is_object()) return fail(Reason::invalid);
  FloatTexts floats;
  json::sax_parse(payload, &floats);
  auto date = [&](const char* name) { return numeric_date(c[name], floats.texts, name); };
  std::optional<std::int64_t> nbf;
  std::optional<std::int64_t>& exp = e.exp;
  if (c.contains("nbf") && !(nbf = date("nbf"))) return fail(Reason::invalid);
  if (c.contains("exp") && !(exp = date("exp"))) return fail(Reason::invalid);
  if (c.contains("iss") && !c["iss"].is_string()) return fail(Reason::invalid);
  if (c.contains("aud")) {
    const json& aud = c["aud"];
    if (aud.is_array()) {
      for (const auto& m : aud) {
        if (!m.is_string()) return fail(Reason::invalid);
      }
    } else if (!aud.is_string()) {
      return fail(Reason::invalid);
    }
  }
  if (c.contains("bnd") && !c["bnd"].is_string()) return fail(Reason::invalid);
  const __int128 now = kNow;
  const __int128 leeway = s.leeway;
  // 6.-8. (§7: max_age needs iat, and ends the token at iat + max_age, computed exactly)
  if (c.contains("iat")) {
    e.iat = date("iat");
    if (!e.iat || *e.iat > now + leeway) return fail(Reason::invalid_iat);
  } else if (o.max_age) {
    return fail(Reason::invalid_iat);
  }
  if (nbf && *nbf > now + leeway) return fail(Reason::immature);
  if (exp && *exp <= now - leeway) return fail(Reason::expired);
  if (o.max_age && __int128{*e.iat} + *o.max_age <= now - leeway) return fail(Reason::expired);
  // 9.
  if (!c.contains("iss") || c["iss"].get<std::string>() != kIssuer) return fail(Reason::invalid_issuer);
  // 10.
  const auto expected = a.expected(s);
  auto accepted = [&](const std::string& aud) {
    if (!expected) return true;
    for (const auto& x : *expected) {
      if (x == aud) return true;
    }
    return false;
  };
  if (c.contains("aud")) {
    const json& aud = c["aud"];
    if (aud.is_string()) {
      if (!accepted(aud.get<std::string>())) return fail(Reason::invalid_audience);
      e.aud = aud.get<std::string>();
    } else {
      for (const auto& m : aud) {
        if (accepted(m.get<std::string>())) {
          e.aud = m.get<std::string>();
          break;
        }
      }
      if (expected && !e.aud) return fail(Reason::invalid_audience);
    }
  } else if (expected) {
    return fail(Reason::invalid_audience);
  }
  // 11.-15.
  if (!c.contains("sub") || !c["sub"].is_string() || c["sub"].get<std::string>().empty()) {
    return fail(Reason::missing_sub);
  }
  if (c.contains("action") && (!c["action"].is_string() || !action_known(c["action"].get<std::string>()))) {
    return fail(Reason::invalid_action);
  }
  // 13. An expected action needs an action claim naming it (NO_ACTION included).
  if (o.action && (!c.contains("action") || c["action"].get<std::string>() != kActionNames.at(*o.action))) {
    return fail(Reason::action_mismatch);
  }
  if (c.contains("extra_data") && !c["extra_data"].is_object()) return fail(Reason::invalid_extra_data);
  // 15. Both sides or neither; an empty binding never matches; bnd under the key that signed.
  if (c.contains("bnd") != o.binding.has_value()) return fail(Reason::binding_mismatch);
  if (o.binding &&
      (o.binding->empty() ||
       c["bnd"].get<std::string>() != model_bnd(signing_secret, c["sub"].get<std::string>(), *o.binding))) {
    return fail(Reason::binding_mismatch);
  }
  // 16.-18.
  if (s.store) {
    if (!c.contains("jti") || !c["jti"].is_string() || is_blank(c["jti"].get<std::string>())) {
      return fail(Reason::missing_jti);
    }
    if (s.store->is_revoked(c["jti"].get<std::string>())) return fail(Reason::revoked);
  }
  e.reason = Reason::none;
  return e;
}

/// Replaces each `"*"` in `payload` by the quoted bnd of its sub (when it has a string sub) and
/// state-A (or the options' state when it is not empty), under the signing key: a fuzzer cannot
/// guess an HMAC, so this is how a matching binding is reached. An empty state is never filled
/// in: an empty state never matches (docs/validation.md), and the model says so.
std::string fill_bnd(std::string_view payload, const Options& o, std::string_view signing_secret) {
  std::string out{payload};
  json c;
  if (!jwtservice::detail::parse_json_strict(payload, c) || !c.is_object() || !c.contains("sub") ||
      !c["sub"].is_string()) {
    return out;
  }
  const std::string_view state = o.binding && !o.binding->empty() ? std::string_view{*o.binding} : kStateA;
  const std::string quoted = "\"" + model_bnd(signing_secret, c["sub"].get<std::string>(), state) + "\"";
  for (auto at = out.find("\"*\""); at != std::string::npos; at = out.find("\"*\"", at + quoted.size()))
    out.replace(at, 3, quoted);
  return out;
}

// --- invariants -------------------------------------------------------------------------------

void check_shape(const jwtservice::VerificationResult& r) {
  FUZZ_CHECK(r.valid == (r.reason == Reason::none));
  FUZZ_CHECK(static_cast<bool>(r) == r.valid);
  FUZZ_CHECK(r.status == jwtservice::status_for(r.reason));
  if (r.valid) {
    FUZZ_CHECK(r.sub.has_value() && !r.sub->empty());
    if (r.extra_data) FUZZ_CHECK(r.extra_data->is_object());
    return;
  }
  FUZZ_CHECK(!r.sub && !r.action && !r.age && !r.expires_in && !r.aud && !r.extra_data);
  FUZZ_CHECK(r.reason == Reason::revoked ? r.jti.has_value() : !r.jti.has_value());
}

void check_against_reference(const jwtservice::VerificationResult& r, const Expected& e) {
  if (r.reason != e.reason) {
    std::fprintf(stderr, "validar: %s, reference model: %s\n", std::string{to_string(r.reason)}.c_str(),
                 std::string{to_string(e.reason)}.c_str());
    finding("validar disagrees with the reference model of docs/validation.md");
  }
  if (r.reason == Reason::revoked) FUZZ_CHECK(r.jti == e.claims["jti"].get<std::string>());
  if (!r.valid) return;
  const json& c = e.claims;
  FUZZ_CHECK(r.sub == c["sub"].get<std::string>());
  FUZZ_CHECK(r.action.has_value() == c.contains("action"));
  if (r.action) FUZZ_CHECK(jwtservice::action_name(*r.action) == c["action"].get<std::string>());
  FUZZ_CHECK(r.age == (e.iat ? std::optional<std::int64_t>{clamp(__int128{kNow} - *e.iat)} : std::nullopt));
  FUZZ_CHECK(r.expires_in ==
             (e.exp ? std::optional<std::int64_t>{clamp(__int128{*e.exp} - kNow)} : std::nullopt));
  FUZZ_CHECK(r.aud == e.aud);
  if (c.contains("jti") && c["jti"].is_string()) {
    FUZZ_CHECK(r.jti == c["jti"].get<std::string>());
  } else {
    FUZZ_CHECK(!r.jti);
  }
  FUZZ_CHECK(r.extra_data.has_value() == c.contains("extra_data"));
  if (r.extra_data) FUZZ_CHECK(*r.extra_data == c["extra_data"]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned control = data[0];
  const bool options_given = ((control >> 5) & 1U) != 0;
  if (options_given && size < 2) return 0;
  const Options options = Options::from(options_given, options_given ? data[1] : 0);
  const std::size_t skip = options_given ? 2 : 1;
  const std::string_view rest{reinterpret_cast<const char*>(data + skip), size - skip};
  const int mode = static_cast<int>(control & 3U);
  const Audience audience{static_cast<int>((control >> 2) & 3U)};
  const Setup& s = setup(((control >> 4) & 1U) != 0);
  const bool fill = ((control >> 6) & 1U) != 0;
  const bool fallback = ((control >> 7) & 1U) != 0;
  const std::string_view signing_secret = fallback ? kFallbackSecret : kSecret;

  if (options.must_throw(audience)) {
    expect_invalid_argument(s, rest, audience, options);
    return 0;
  }

  if (mode == 0 || mode == 3) {
    // Raw bytes: anything may come back, but in the documented shape, deterministically, and
    // never valid for bytes that are not a well-formed signed token.
    const auto r = run(s, rest, audience, options);
    check_shape(r);
    if (!is_blank(rest) && rest.size() > kMaxTokenBytes) FUZZ_CHECK(r.reason == Reason::invalid);
    const auto again = run(s, rest, audience, options);
    FUZZ_CHECK(again.reason == r.reason && again.sub == r.sub && again.jti == r.jti);
    return 0;
  }

  std::string_view header = kGoodHeader;
  std::string_view raw_payload = rest;
  if (mode == 2) {
    const auto split = rest.find('\xff');
    header = rest.substr(0, split);
    raw_payload = split == std::string_view::npos ? kGoodPayload : rest.substr(split + 1);
  }
  const std::string filled = fill ? fill_bnd(raw_payload, options, signing_secret) : std::string{};
  const std::string_view payload = fill ? std::string_view{filled} : raw_payload;
  const std::string token = sign(header, payload, fallback);
  const auto r = run(s, token, audience, options);
  check_shape(r);
  // Correctly signed: never bad_signature, never missing_token.
  FUZZ_CHECK(r.reason != Reason::bad_signature && r.reason != Reason::missing_token);
  if (token.size() > kMaxTokenBytes) {
    FUZZ_CHECK(r.reason == Reason::invalid);
    return 0;
  }
  if (!header_acceptable(header)) {
    if (r.reason != Reason::invalid) finding("a header the reference model refuses was accepted");
    return 0;
  }
  check_against_reference(r, reference(payload, s, audience, options, signing_secret));
  return 0;
}
