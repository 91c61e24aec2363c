// HS256: the pre-keyed HMAC against RFC 4231, RFC 7515 A.1 and Project Wycheproof, and the
// service's verdicts on those tokens (the signature is verified before the payload is parsed).
#include "jwtservice/detail/hs256.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/config.hpp"
#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/logger.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/result.hpp"
#include "jwtservice/service.hpp"

namespace {

namespace jd = jwtservice::detail;
using jwtservice::Reason;

std::string bytes_from_hex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string{hex.substr(i, 2)}, nullptr, 16)));
  }
  return out;
}

std::string hex_of(const unsigned char* bytes, std::size_t size) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0x0F];
  }
  return out;
}

std::string hex_of(const jd::Mac256& mac) { return hex_of(mac.data(), mac.size()); }

const unsigned char* bytes_of(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

/// The bytes of a canonical base64url string; an empty string (and a test failure) otherwise.
std::string decoded(std::string_view b64) {
  std::string out;
  if (!jd::base64url_decode(b64, out)) {
    ADD_FAILURE() << "test data is not canonical base64url (" << b64.size() << " characters)";
    return {};
  }
  return out;
}

std::string_view reason_name(const jwtservice::VerificationResult& r) {
  return jwtservice::to_string(r.reason);
}

/// A service keyed with `secret` that logs nothing and lives at `now`.
jwtservice::Service make_service(std::string secret, std::string issuer, std::int64_t now) {
  jwtservice::Config config;
  config.secret_key = std::move(secret);
  config.issuer = std::move(issuer);
  return jwtservice::Service{config, jwtservice::ServiceOptions{.logger = jwtservice::null_logger(),
                                                                .clock = [now] { return now; }}};
}

// ---------------------------------------------------------------------------------------------
// RFC 4231 §4: HMAC-SHA-256 test cases 1-7.

struct Rfc4231Case {
  int number;
  std::string key;
  std::string data;
  std::string_view mac_hex;  // case 5 gives only the first 128 bits
};

std::vector<Rfc4231Case> rfc4231_cases() {
  return {
      {1, std::string(20, '\x0b'), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {2, "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {3, std::string(20, '\xaa'), std::string(50, '\xdd'),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {4, bytes_from_hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), std::string(50, '\xcd'),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {5, std::string(20, '\x0c'), "Test With Truncation", "a3b6167473100ee06e0c796c2955552b"},
      {6, std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {7, std::string(131, '\xaa'),
       "This is a test using a larger than block-size key and a larger than block-size data. The key "
       "needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
}

TEST(Hs256Rfc4231, SignGivesTheRfcMacForEveryCase) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const std::string mac = hex_of(key.sign(c.data));
    // Case 5 publishes the MAC truncated to 128 bits: compare that prefix of the full MAC.
    EXPECT_EQ(mac.substr(0, c.mac_hex.size()), c.mac_hex) << "sign() gave the wrong MAC";
  }
}

TEST(Hs256Rfc4231, VerifyAcceptsTheRfcMacForEveryCase) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    if (c.mac_hex.size() == 64) {
      const std::string mac = bytes_from_hex(c.mac_hex);
      EXPECT_TRUE(key.verify(c.data, bytes_of(mac), mac.size())) << "verify() refused the RFC's MAC";
    } else {
      // Truncated in the RFC: the full MAC that begins with the RFC's prefix verifies.
      const jd::Mac256 mac = key.sign(c.data);
      ASSERT_EQ(hex_of(mac).substr(0, c.mac_hex.size()), c.mac_hex) << "sign() gave the wrong MAC";
      EXPECT_TRUE(key.verify(c.data, mac.data(), mac.size())) << "verify() refused the full MAC";
    }
  }
}

TEST(Hs256Rfc4231, VerifyRejectsTheMacWithAnyOneBitFlipped) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const jd::Mac256 good = key.sign(c.data);
    for (std::size_t bit = 0; bit < good.size() * 8; ++bit) {
      jd::Mac256 bad = good;
      bad[bit / 8] = static_cast<unsigned char>(bad[bit / 8] ^ (1U << (bit % 8)));
      EXPECT_FALSE(key.verify(c.data, bad.data(), bad.size()))
          << "verify() accepted a MAC with bit " << bit << " flipped";
    }
  }
}

TEST(Hs256Rfc4231, VerifyRejectsATruncatedMac) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const jd::Mac256 good = key.sign(c.data);
    for (std::size_t size = 1; size < good.size(); ++size) {
      EXPECT_FALSE(key.verify(c.data, good.data(), size))
          << "verify() accepted the MAC's first " << size << " bytes";
    }
    // RFC 4231 case 5 is published at 128 bits; HS256 never accepts such a MAC.
    const std::string published = bytes_from_hex(c.mac_hex);
    if (published.size() < good.size()) {
      EXPECT_FALSE(key.verify(c.data, bytes_of(published), published.size()))
          << "verify() accepted the RFC's 128-bit truncated MAC";
    }
  }
}

TEST(Hs256Rfc4231, VerifyRejectsAnEmptyMac) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const jd::Mac256 good = key.sign(c.data);
    EXPECT_FALSE(key.verify(c.data, good.data(), 0)) << "verify() accepted an empty MAC";
  }
}

TEST(Hs256Rfc4231, VerifyRejectsTheRightMacWithExtraBytes) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const jd::Mac256 good = key.sign(c.data);
    std::string longer{reinterpret_cast<const char*>(good.data()), good.size()};
    longer += '\0';
    EXPECT_FALSE(key.verify(c.data, bytes_of(longer), longer.size()))
        << "verify() accepted the right MAC followed by one more byte";
  }
}

TEST(Hs256Rfc4231, VerifyRejectsTheMacOfOtherData) {
  for (const auto& c : rfc4231_cases()) {
    SCOPED_TRACE("RFC 4231 test case " + std::to_string(c.number));
    const jd::Hs256Key key{c.key};
    const jd::Mac256 good = key.sign(c.data);
    EXPECT_FALSE(key.verify(c.data + "x", good.data(), good.size()))
        << "verify() accepted the MAC for data with one more byte";
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 7515 Appendix A.1: the HS256 JWS, byte for byte.

// A.1's JWK "k", base64url as printed.
constexpr std::string_view kA1KeyB64 =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
// The JOSE header and the claims, with their CRLFs and the space after each.
constexpr std::string_view kA1Header = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
constexpr std::string_view kA1Payload =
    "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
constexpr std::string_view kA1HeaderB64 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
constexpr std::string_view kA1PayloadB64 =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
constexpr std::string_view kA1SignatureB64 = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::int64_t kA1Exp = 1300819380;

std::string a1_signing_input() { return std::string{kA1HeaderB64} + "." + std::string{kA1PayloadB64}; }
std::string a1_token() { return a1_signing_input() + "." + std::string{kA1SignatureB64}; }

TEST(Hs256Rfc7515, AppendixA1HeaderAndPayloadEncodeExactlyAsPrinted) {
  EXPECT_EQ(jd::base64url_encode(kA1Header), kA1HeaderB64) << "the A.1 header bytes encode differently";
  EXPECT_EQ(jd::base64url_encode(kA1Payload), kA1PayloadB64) << "the A.1 payload bytes encode differently";
  EXPECT_EQ(decoded(kA1HeaderB64), kA1Header) << "the printed A.1 header decodes differently";
  EXPECT_EQ(decoded(kA1PayloadB64), kA1Payload) << "the printed A.1 payload decodes differently";
}

TEST(Hs256Rfc7515, AppendixA1KeyDecodesTo64Bytes) {
  EXPECT_EQ(decoded(kA1KeyB64).size(), 64U) << "A.1's k should be a 512-bit key";
}

TEST(Hs256Rfc7515, AppendixA1SignatureIsTheMacOfTheSigningInput) {
  const jd::Hs256Key key{decoded(kA1KeyB64)};
  const jd::Mac256 mac = key.sign(a1_signing_input());
  EXPECT_EQ(jd::base64url_encode(std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()}),
            kA1SignatureB64)
      << "sign() over the A.1 signing input differs from the RFC's signature";
}

TEST(Hs256Rfc7515, AppendixA1SignatureVerifies) {
  const jd::Hs256Key key{decoded(kA1KeyB64)};
  const std::string signature = decoded(kA1SignatureB64);
  ASSERT_EQ(signature.size(), 32U);
  EXPECT_TRUE(key.verify(a1_signing_input(), bytes_of(signature), signature.size()))
      << "verify() refused the RFC 7515 A.1 signature";
}

TEST(Hs256Rfc7515, AppendixA1SignatureFailsForAnotherKey) {
  std::string other = decoded(kA1KeyB64);
  other[0] = static_cast<char>(other[0] ^ 0x01);
  const jd::Hs256Key key{other};
  const std::string signature = decoded(kA1SignatureB64);
  EXPECT_FALSE(key.verify(a1_signing_input(), bytes_of(signature), signature.size()))
      << "verify() accepted the A.1 signature under a key differing in one bit";
}

TEST(Hs256Rfc7515, ServiceChecksTheClaimsOfAppendixA1BeforeExpAndReportsMissingSub) {
  // A.1 has iss "joe" and exp but no sub: reaching missing_sub proves signature, header,
  // payload, exp and issuer all passed.
  const auto service = make_service(decoded(kA1KeyB64), "joe", 1300819000);
  const auto r = service.validar(a1_token());
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(reason_name(r), "missing_sub") << "A.1 should pass every check up to the missing sub";
}

TEST(Hs256Rfc7515, ServiceReportsMissingSubForAppendixA1OneSecondBeforeExp) {
  const auto service = make_service(decoded(kA1KeyB64), "joe", kA1Exp - 1);
  EXPECT_EQ(reason_name(service.validar(a1_token())), "missing_sub")
      << "A.1 is not yet expired one second before its exp";
}

TEST(Hs256Rfc7515, ServiceReportsAppendixA1ExpiredAtItsExpSecond) {
  const auto service = make_service(decoded(kA1KeyB64), "joe", kA1Exp);
  const auto r = service.validar(a1_token());
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(reason_name(r), "expired") << "a token is expired AT its exp second";
  EXPECT_EQ(jwtservice::to_string(r.status), "expired");
}

TEST(Hs256Rfc7515, ServiceReportsBadSignatureForAppendixA1UnderAnotherKey) {
  std::string other = decoded(kA1KeyB64);
  other[0] = static_cast<char>(other[0] ^ 0x01);
  const auto service = make_service(other, "joe", 1300819000);
  const auto r = service.validar(a1_token());
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(reason_name(r), "bad_signature") << "A.1 must not verify under a different key";
}

// ---------------------------------------------------------------------------------------------
// Project Wycheproof json_web_signature_test.json, the HS256 cases (tests/vectors/README.md).

struct WycheproofCase {
  int id = 0;
  std::string comment;
  std::string key;  // decoded
  std::string jws;
  bool valid = false;  // Wycheproof's verdict
};

std::vector<WycheproofCase> wycheproof_cases() {
  const std::string path = std::string{JWTSERVICE_VECTORS_DIR} + "/wycheproof_jws.json";
  std::ifstream in{path};
  if (!in) {
    ADD_FAILURE() << "cannot open " << path;
    return {};
  }
  const auto file = nlohmann::json::parse(in);
  std::vector<WycheproofCase> cases;
  for (const auto& t : file.at("hs256")) {
    cases.push_back({.id = t.at("tcId").get<int>(),
                     .comment = t.at("comment").get<std::string>(),
                     .key = decoded(t.at("key_b64url").get<std::string>()),
                     .jws = t.at("jws").get<std::string>(),
                     .valid = t.at("result").get<std::string>() == "valid"});
  }
  return cases;
}

std::string trace(const WycheproofCase& c) {
  return "Wycheproof tcId " + std::to_string(c.id) + " (" + c.comment + ")";
}

std::vector<std::string_view> split_on_dots(std::string_view jws) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = jws.find('.', start);
    segments.push_back(jws.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return segments;
    start = dot + 1;
  }
}

bool has_three_canonical_segments(std::string_view jws) {
  const auto segments = split_on_dots(jws);
  if (segments.size() != 3) return false;
  for (const auto segment : segments) {
    if (!jd::base64url_is_canonical(segment)) return false;
  }
  return true;
}

/// Hs256Key over the literal `header.payload` bytes, with the decoded third segment as the MAC.
bool mac_matches_literal_signing_input(const jd::Hs256Key& key, std::string_view jws) {
  const std::size_t dot = jws.rfind('.');
  std::string signature;
  if (dot == std::string_view::npos || !jd::base64url_decode(jws.substr(dot + 1), signature)) return false;
  return key.verify(jws.substr(0, dot), bytes_of(signature), signature.size());
}

/// jwtservice's verdict on each case, for a service keyed with the case's key.
const std::map<int, Reason>& expected_service_reasons() {
  static const std::map<int, Reason> reasons{
      {1, Reason::invalid},         // signature passes, then the payload "foo" is not an object
      {2, Reason::bad_signature},   // modified signature
      {3, Reason::bad_signature},   // empty signature segment: a MAC of the wrong length
      {4, Reason::invalid},         // two segments
      {5, Reason::bad_signature},   // modified payload
      {6, Reason::bad_signature},   // empty payload segment: well-formed, but the MAC is not its
      {7, Reason::invalid},         // two segments
      {8, Reason::bad_signature},   // modified header (kid), still an acceptable header
      {9, Reason::invalid},         // empty header: not a JSON object
      {10, Reason::invalid},        // two segments
      {11, Reason::invalid},        // empty header
      {12, Reason::invalid},        // one segment
      {13, Reason::missing_token},  // empty string
      {14, Reason::invalid},        // four segments
      {15, Reason::invalid},        // four segments
      {16, Reason::invalid},        // alg none
      {17, Reason::invalid},        // JSON serialisation: no dots
      {357, Reason::invalid},       // signature passes, payload "Test" is not JSON
      {358, Reason::invalid},       // signature passes, payload "T21325668" is not JSON
      {359, Reason::invalid},       // signature passes, payload "T8123413" is not JSON
      {360, Reason::invalid},       // spaces in the signature segment
      {361, Reason::invalid},       // '?' in the signature segment
      {362, Reason::invalid},       // '?' in the signature segment
      {363, Reason::invalid},       // '?' in the signature segment
      {364, Reason::invalid},       // '?' in the signature segment
      {365, Reason::invalid},       // spaces in the header segment (MAC matches the literal bytes)
      {366, Reason::invalid},       // '#' in the header segment (MAC matches the literal bytes)
      {368, Reason::invalid},       // spaces in the payload segment (MAC matches the literal bytes)
      {369, Reason::invalid},       // '#' in the payload segment (MAC matches the literal bytes)
      {371, Reason::invalid},       // '?' in the payload segment (MAC matches the literal bytes)
      {372, Reason::invalid},       // '?' in the header segment; Wycheproof tolerates it, we do not
      {373, Reason::invalid},       // '?' in the payload segment; Wycheproof tolerates it, we do not
      {374, Reason::invalid},       // payload "AB": non-zero unused bits
      {375, Reason::invalid},       // payload "AB" (MAC matches the literal bytes)
      {376, Reason::invalid},       // signature passes, payload "Test" is not JSON
      {377, Reason::invalid},       // signature passes, payload "Test" is not JSON
  };
  return reasons;
}

TEST(Hs256Wycheproof, VectorFileHoldsEveryExpectedHs256Case) {
  const auto cases = wycheproof_cases();
  ASSERT_EQ(cases.size(), expected_service_reasons().size()) << "the vector file changed: review the table";
  for (const auto& c : cases) {
    EXPECT_TRUE(expected_service_reasons().contains(c.id)) << trace(c) << " has no expected reason";
    EXPECT_EQ(c.key.size(), 32U) << trace(c) << ": the key should be 256 bits";
  }
}

TEST(Hs256Wycheproof, SignatureVerifiesExactlyForValidCasesWithThreeCanonicalSegments) {
  int verified = 0;
  int refused_by_mac = 0;
  int refused_by_structure = 0;
  for (const auto& c : wycheproof_cases()) {
    SCOPED_TRACE(trace(c));
    if (!has_three_canonical_segments(c.jws)) {
      // Refused before any MAC: jwtservice never decodes a non-canonical segment.
      ++refused_by_structure;
      continue;
    }
    const auto segments = split_on_dots(c.jws);
    const std::string signature = decoded(segments[2]);
    const std::string signing_input = std::string{segments[0]} + "." + std::string{segments[1]};
    const bool ok = jd::Hs256Key{c.key}.verify(signing_input, bytes_of(signature), signature.size());
    EXPECT_EQ(ok, c.valid) << (c.valid ? "a valid case's signature did not verify"
                                       : "an invalid case's signature verified");
    ++(ok ? verified : refused_by_mac);
  }
  EXPECT_EQ(verified, 6) << "tcId 1, 357, 358, 359, 376 and 377 should verify";
  EXPECT_EQ(refused_by_mac, 8) << "tcId 2, 3, 5, 6, 8, 9, 11 and 16 should fail only on the MAC";
  EXPECT_EQ(refused_by_structure, 22) << "every other case has a missing, extra or non-canonical segment";
}

TEST(Hs256Wycheproof, ServiceGivesTheDocumentedReasonForEveryCase) {
  for (const auto& c : wycheproof_cases()) {
    SCOPED_TRACE(trace(c));
    const auto expected = expected_service_reasons().find(c.id);
    ASSERT_NE(expected, expected_service_reasons().end()) << "no expected reason";
    const auto service = make_service(c.key, "JWTService", 1700000000);
    const auto r = service.validar(c.jws);
    EXPECT_FALSE(r.valid) << "no Wycheproof HS256 token carries claims jwtservice accepts";
    EXPECT_EQ(reason_name(r), jwtservice::to_string(expected->second));
  }
}

TEST(Hs256Wycheproof, ValidCasesFailOnTheirPayloadOnlyAfterTheSignaturePassed) {
  // A valid case's payload is not a JSON object, yet the verdict is never bad_signature; the same
  // token with a different signature is bad_signature, never invalid. So the MAC decides first.
  int checked = 0;
  for (const auto& c : wycheproof_cases()) {
    if (!c.valid || !has_three_canonical_segments(c.jws)) continue;
    SCOPED_TRACE(trace(c));
    const auto service = make_service(c.key, "JWTService", 1700000000);
    EXPECT_EQ(reason_name(service.validar(c.jws)), "invalid")
        << "the signature passed, so the payload (not an object) is what fails";

    std::string forged = c.jws;
    const std::size_t first_signature_char = forged.rfind('.') + 1;
    forged[first_signature_char] = forged[first_signature_char] == 'A' ? 'B' : 'A';  // stays canonical
    EXPECT_EQ(reason_name(service.validar(forged)), "bad_signature")
        << "a wrong MAC must be reported before the malformed payload is looked at";
    ++checked;
  }
  EXPECT_EQ(checked, 6);
}

TEST(Hs256Wycheproof, NonCanonicalSegmentsAreInvalidEvenWhenTheMacMatchesTheirLiteralBytes) {
  // Several cases carry a MAC computed over the broken text itself: only the structure check
  // stops them.
  int matching = 0;
  for (const auto& c : wycheproof_cases()) {
    if (has_three_canonical_segments(c.jws) || split_on_dots(c.jws).size() != 3) continue;
    const jd::Hs256Key key{c.key};
    if (!mac_matches_literal_signing_input(key, c.jws)) continue;
    SCOPED_TRACE(trace(c));
    ++matching;
    const auto service = make_service(c.key, "JWTService", 1700000000);
    EXPECT_EQ(reason_name(service.validar(c.jws)), "invalid")
        << "a non-canonical segment must be refused however the MAC looks";
  }
  EXPECT_EQ(matching, 6) << "tcId 365, 366, 368, 369, 371 and 375 carry such a MAC";
}

}  // namespace
