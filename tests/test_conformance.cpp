// The conformance corpus (tests/conformance/cases.json, written by generate.py): every case run
// through the public API, one parameterised test per case.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jwtservice/jwtservice.hpp"

#ifndef JWTSERVICE_CONFORMANCE_CASES
// tests/test_conformance.cpp -> tests/conformance/cases.json
#define JWTSERVICE_CONFORMANCE_CASES_FROM_SOURCE 1
#endif

namespace {

using json = nlohmann::json;
using jwtservice::Reason;

std::string cases_path() {
#ifdef JWTSERVICE_CONFORMANCE_CASES_FROM_SOURCE
  std::string here = __FILE__;
  const auto slash = here.find_last_of("/\\");
  return (slash == std::string::npos ? std::string{"."} : here.substr(0, slash)) + "/conformance/cases.json";
#else
  return JWTSERVICE_CONFORMANCE_CASES;
#endif
}

/// One case of cases.json. Printed by its id only: never the secret or the whole token.
struct Case {
  std::string id;
  std::string source;
  std::string description;
  json data;  // the whole case object
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.id; }

/// Decodes the case's base64url key bytes; written here, not taken from the library under test.
std::string decode_b64url(std::string_view text) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const auto v = alphabet.find(c);
    if (v == std::string_view::npos) throw std::invalid_argument("secret_b64url is not base64url");
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

/// Loads every case; a file that cannot be read becomes one case that fails with the reason.
std::vector<Case> load_cases() {
  const std::string path = cases_path();
  std::ifstream in{path, std::ios::binary};
  json doc = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!in || doc.is_discarded() || !doc.contains("cases") || !doc["cases"].is_array()) {
    return {Case{"cases_json_unreadable", "", "cannot read " + path, json::object()}};
  }
  std::vector<Case> cases;
  for (auto& c : doc["cases"]) {
    cases.push_back(Case{c.value("id", std::string{"no_id"}), c.value("source", std::string{}),
                         c.value("description", std::string{}), std::move(c)});
  }
  return cases;
}

const std::vector<Case>& all_cases() {
  static const std::vector<Case> cases = load_cases();
  return cases;
}

/// The store of a case: a fixed set of revoked jtis, or one whose every call throws.
struct CaseStore {
  std::set<std::string, std::less<>> revoked;
  bool failing = false;

  bool is_revoked(std::string_view jti) const {
    if (failing) throw std::runtime_error("conformance store is down");
    return revoked.contains(jti);
  }
  bool revoke(std::string_view jti, std::int64_t ttl, const jwtservice::RevocationMetadata& /*meta*/) {
    if (failing) throw std::runtime_error("conformance store is down");
    return ttl > 0 && revoked.emplace(jti).second;
  }
};

std::optional<std::string> optional_string(const json& v) {
  if (v.is_null()) return std::nullopt;
  return v.get<std::string>();
}

std::optional<std::int64_t> optional_int(const json& v) {
  if (v.is_null()) return std::nullopt;
  return v.get<std::int64_t>();
}

std::string reason_name(Reason r) { return std::string{jwtservice::to_string(r)}; }

class Conformance : public ::testing::TestWithParam<Case> {};

TEST_P(Conformance, ValidarGivesTheExpectedResult) {
  const Case& c = GetParam();
  SCOPED_TRACE("case " + c.id + " [" + c.source + "]: " + c.description);
  ASSERT_FALSE(c.data.empty()) << c.description;
  const json& d = c.data;
  const json& expected = d.at("expected");

  json settings = d.at("config");
  settings["SECRET_KEY"] = decode_b64url(d.at("secret_b64url").get<std::string>());
  jwtservice::Config config;
  try {
    config = jwtservice::load_token_config_from_dict(settings);
  } catch (const jwtservice::ConfigError& e) {
    FAIL() << "the case's config is refused: " << e.what();
  }

  const auto now = d.at("now").get<std::int64_t>();
  jwtservice::ServiceOptions options{
      .logger = jwtservice::null_logger(),
      .clock = [now] { return now; },
      .monotonic_clock = [] { return std::chrono::nanoseconds{std::chrono::seconds{1}}; }};
  if (const json& store = d.at("store"); !store.is_null()) {
    auto s = std::make_shared<CaseStore>();
    if (store.is_string()) {
      ASSERT_EQ(store.get<std::string>(), "failing");
      s->failing = true;
    } else {
      for (const auto& jti : store.at("revoked"))
        s->revoked.insert(jti.get<std::string>());
    }
    options.revocation_store = s;
  }
  const jwtservice::Service service{config, std::move(options)};

  const auto token = d.at("token").get<std::string>();
  const json& audience = d.at("audience");
  // The lifecycle options, when the case has them: one ValidateOptions with the audience too.
  std::optional<jwtservice::ValidateOptions> lifecycle;
  if (d.contains("options")) {
    const json& o = d["options"];
    lifecycle.emplace();
    if (!o.at("action").is_null()) {
      lifecycle->action = jwtservice::action_from_name<jwtservice::JWTAction>(o["action"].get<std::string>());
      ASSERT_TRUE(lifecycle->action) << "the case names an unknown action";
    }
    if (!o.at("binding_b64url").is_null())
      lifecycle->binding = decode_b64url(o["binding_b64url"].get<std::string>());
    lifecycle->max_age = optional_int(o.at("max_age"));
    if (audience.is_string()) lifecycle->audience = audience.get<std::string>();
    if (audience.is_array()) lifecycle->audience = audience.get<std::vector<std::string>>();
  }
  auto validate = [&](std::string_view t) {
    if (lifecycle) return service.validar(t, *lifecycle);
    if (audience.is_null()) return service.validar(t);
    if (audience.is_string())
      return service.validar(t, std::string_view{audience.get_ref<const std::string&>()});
    return service.validar(t, audience.get<std::vector<std::string>>());
  };

  if (d.contains("before")) {
    for (const auto& other : d["before"])
      (void)service.validar(other.get<std::string>());
  }
  const int repeat = d.value("repeat", 1);
  jwtservice::VerificationResult r;
  for (int i = 0; i < repeat; ++i)
    r = validate(token);

  const auto want_reason = expected.at("reason").get<std::string>();
  ASSERT_EQ(reason_name(r.reason), want_reason);
  EXPECT_EQ(std::string{jwtservice::to_string(r.status)}, expected.at("status").get<std::string>());
  EXPECT_EQ(r.valid, want_reason == "none");
  EXPECT_EQ(static_cast<bool>(r), r.valid);

  if (r.valid) {
    EXPECT_EQ(r.sub, optional_string(expected.at("sub"))) << "sub";
    const auto action = optional_string(expected.at("action"));
    ASSERT_EQ(r.action.has_value(), action.has_value()) << "action";
    if (action) {
      EXPECT_EQ(jwtservice::action_name(*r.action), std::optional<std::string_view>{*action}) << "action";
    }
    EXPECT_EQ(r.age, optional_int(expected.at("age"))) << "age";
    EXPECT_EQ(r.expires_in, optional_int(expected.at("expires_in"))) << "expires_in";
    EXPECT_EQ(r.aud, optional_string(expected.at("aud"))) << "aud";
    EXPECT_EQ(r.jti, optional_string(expected.at("jti"))) << "jti";
    const json& extra = expected.at("extra_data");
    ASSERT_EQ(r.extra_data.has_value(), !extra.is_null()) << "extra_data";
    if (r.extra_data) {
      EXPECT_EQ(*r.extra_data, extra) << "extra_data";
    }
    return;
  }
  // On failure only valid, status and reason are set (and jti when revoked).
  EXPECT_FALSE(r.sub.has_value()) << "sub on a failed validation";
  EXPECT_FALSE(r.action.has_value()) << "action on a failed validation";
  EXPECT_FALSE(r.age.has_value()) << "age on a failed validation";
  EXPECT_FALSE(r.expires_in.has_value()) << "expires_in on a failed validation";
  EXPECT_FALSE(r.aud.has_value()) << "aud on a failed validation";
  EXPECT_FALSE(r.extra_data.has_value()) << "extra_data on a failed validation";
  if (r.reason == Reason::revoked) {
    EXPECT_EQ(r.jti, optional_string(expected.value("jti", json{}))) << "jti of a revoked token";
  } else {
    EXPECT_FALSE(r.jti.has_value()) << "jti on a failed validation";
  }
}

/// gtest parameter names allow only [A-Za-z0-9_]; ids are generated that way already.
std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.id;
  for (char& ch : name) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) ch = '_';
  }
  return name.empty() ? "case_" + std::to_string(info.index) : name;
}

INSTANTIATE_TEST_SUITE_P(Corpus, Conformance, ::testing::ValuesIn(all_cases()), case_name);

TEST(ConformanceCorpus, CoversEveryReasonAndHasValidCases) {
  std::map<std::string, int> counts;
  for (const auto& c : all_cases()) {
    if (c.data.contains("expected")) ++counts[c.data["expected"].value("reason", std::string{})];
  }
  for (Reason r : {Reason::none, Reason::missing_token, Reason::invalid, Reason::bad_signature,
                   Reason::invalid_iat, Reason::immature, Reason::expired, Reason::invalid_issuer,
                   Reason::invalid_audience, Reason::missing_sub, Reason::invalid_action,
                   Reason::invalid_extra_data, Reason::missing_jti, Reason::revoked, Reason::rate_limited,
                   Reason::store_unavailable, Reason::action_mismatch, Reason::binding_mismatch}) {
    EXPECT_GT(counts[reason_name(r)], 0) << "no case expects " << r;
  }
  EXPECT_GE(counts["none"], 5) << "several valid cases";
  EXPECT_GE(all_cases().size(), 150U);
}

TEST(ConformanceCorpus, CaseIdsAreUnique) {
  std::set<std::string> ids;
  for (const auto& c : all_cases())
    EXPECT_TRUE(ids.insert(c.id).second) << "duplicate case id " << c.id;
}

}  // namespace
