// The strict JSON reader: what it accepts, everything it refuses, and NumericDate conversion.
#include "support/json_strict.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace jd = jwtservice::detail;
using json = nlohmann::json;

/// The input as a short readable literal (bytes outside printable ASCII as \xNN), for messages.
std::string printable(std::string_view text) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  constexpr std::size_t limit = 60;
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size() && i < limit; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out += static_cast<char>(byte);
    } else {
      out += "\\x";
      out += digits[byte >> 4];
      out += digits[byte & 0x0F];
    }
  }
  out += '"';
  if (text.size() > limit) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

bool accepts(std::string_view text) {
  json out;
  return jd::parse_json_strict(text, out);
}

void expect_accepted(std::string_view text) {
  EXPECT_TRUE(accepts(text)) << "refused valid JSON " << printable(text);
}

void expect_refused(std::string_view text) { EXPECT_FALSE(accepts(text)) << "accepted " << printable(text); }

std::string nested_arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

/// `depth` objects, each the value of member "a" of the one around it.
std::string nested_objects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 1; i < depth; ++i)
    text += R"({"a":)";
  text += "{}";
  text += std::string(depth - 1, '}');
  return text;
}

/// `depth` containers alternating array, object, array, ...
std::string nested_mixed(std::size_t depth) {
  std::string open;
  std::string close;
  for (std::size_t i = 0; i < depth; ++i) {
    if (i % 2 == 0) {
      open += '[';
      close.insert(close.begin(), ']');
    } else {
      open += R"({"k":)";
      close.insert(close.begin(), '}');
    }
  }
  // The innermost container must be complete on its own: "{"k":" needs a value.
  return open + (depth % 2 == 0 ? "1" : "") + close;
}

// --- Accepted -------------------------------------------------------------------------------

TEST(JsonStrict, AcceptsObjectsAndArraysAndGivesTheirValue) {
  const std::string_view text = R"({"a":1,"b":[true,false,null],"c":{"d":"e"},"f":-2.5e3})";
  json out;
  ASSERT_TRUE(jd::parse_json_strict(text, out)) << "refused " << printable(text);
  EXPECT_EQ(out, json::parse(text));

  expect_accepted("{}");
  expect_accepted("[]");
  expect_accepted(R"([1,"two",3.5,{"x":[]}])");
  expect_accepted(R"({"sub":"ana@example.com","exp":1300819380,"aud":["a","b"]})");
}

TEST(JsonStrict, AcceptsSurroundingWhitespace) {
  expect_accepted(" \t\r\n{} \t\r\n");
  expect_accepted("{\r\n \"a\" : 1 }");
}

TEST(JsonStrict, AcceptsScalarsAsTheTopLevelValue) {
  // Exactly one JSON value; the claim reader, not the parser, insists on an object.
  expect_accepted("1");
  expect_accepted(R"("s")");
  expect_accepted("null");
  expect_accepted("true");
}

TEST(JsonStrict, MaxDepthIs64) { static_assert(jd::max_json_depth == 64); }

TEST(JsonStrict, AcceptsExactly64NestedArrays) {
  json out;
  ASSERT_TRUE(jd::parse_json_strict(nested_arrays(64), out)) << "refused 64 nested arrays";
  const json* inner = &out;
  std::size_t depth = 1;
  while (!inner->empty()) {
    inner = &inner->front();
    ++depth;
  }
  EXPECT_EQ(depth, 64U) << "the parsed value lost nesting levels";
}

TEST(JsonStrict, Refuses65NestedArrays) {
  EXPECT_FALSE(accepts(nested_arrays(65))) << "accepted 65 nested arrays (the limit is 64)";
}

TEST(JsonStrict, AcceptsExactly64NestedObjects) {
  EXPECT_TRUE(accepts(nested_objects(64))) << "refused 64 nested objects";
}

TEST(JsonStrict, Refuses65NestedObjects) {
  EXPECT_FALSE(accepts(nested_objects(65))) << "accepted 65 nested objects (the limit is 64)";
}

TEST(JsonStrict, CountsArraysAndObjectsTogetherForDepth) {
  EXPECT_TRUE(accepts(nested_mixed(64))) << "refused 64 alternating arrays and objects";
  EXPECT_FALSE(accepts(nested_mixed(65))) << "accepted 65 alternating arrays and objects";
}

TEST(JsonStrict, DepthCountsOpenContainersNotTotalContainers) {
  // 100 sibling arrays at depth 2 are far from the limit.
  std::string text = "[";
  for (int i = 0; i < 100; ++i)
    text += i == 0 ? "[]" : ",[]";
  text += "]";
  expect_accepted(text);
  // Closing 63 levels and opening 63 again never exceeds 64 open at once.
  expect_accepted("[" + nested_arrays(63) + "," + nested_arrays(63) + "]");
}

TEST(JsonStrict, RefusesHostileNestingOf100000WithoutCrashing) {
  // The parser is iterative: this must neither overflow the stack nor be accepted.
  EXPECT_FALSE(accepts(std::string(100000, '['))) << "accepted 100000 unclosed '['";
  EXPECT_FALSE(accepts(nested_arrays(100000))) << "accepted 100000 nested arrays";
  EXPECT_FALSE(accepts(nested_objects(100000))) << "accepted 100000 nested objects";
}

TEST(JsonStrict, AcceptsUnicodeEscapesAndDecodesThem) {
  json out;
  ASSERT_TRUE(jd::parse_json_strict(R"(["\u00e9","\u20ac","\u0041"])", out));
  EXPECT_EQ(out[0], "\xC3\xA9") << "\\u00e9 should decode to UTF-8 C3 A9";
  EXPECT_EQ(out[1], "\xE2\x82\xAC") << "\\u20ac should decode to UTF-8 E2 82 AC";
  EXPECT_EQ(out[2], "A");
}

TEST(JsonStrict, AcceptsValidSurrogatePairEscapes) {
  json out;
  ASSERT_TRUE(jd::parse_json_strict(R"(["\ud83d\ude00","\uD800\uDC00","\uDBFF\uDFFF"])", out))
      << "refused valid surrogate pairs";
  EXPECT_EQ(out[0], "\xF0\x9F\x98\x80") << "U+1F600";
  EXPECT_EQ(out[1], "\xF0\x90\x80\x80") << "U+10000";
  EXPECT_EQ(out[2], "\xF4\x8F\xBF\xBF") << "U+10FFFF";
}

TEST(JsonStrict, AcceptsValidUtf8Text) {
  expect_accepted("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF\"");
  expect_accepted("{\"na\xC3\xAFve\":1}");
}

TEST(JsonStrict, AcceptsAByteOrderMarkCharacterInsideAString) {
  // Only a BOM before the value is refused; U+FEFF as text is an ordinary character.
  expect_accepted("\"\xEF\xBB\xBF\"");
}

// --- Refused --------------------------------------------------------------------------------

TEST(JsonStrict, RefusesAUtf8ByteOrderMark) {
  expect_refused("\xEF\xBB\xBF{}");
  expect_refused("\xEF\xBB\xBF[]");
  expect_refused("\xEF\xBB\xBF\"x\"");
  expect_refused("\xEF\xBB\xBF");
}

TEST(JsonStrict, RefusesAnOverlongEncoding) {
  expect_refused("\"\xC0\xAF\"");
  expect_refused("\"\xC1\xBF\"");
  expect_refused("\"\xE0\x80\xAF\"");
  expect_refused("\"\xF0\x80\x80\xAF\"");
}

TEST(JsonStrict, RefusesALoneContinuationByte) {
  expect_refused("\"\x80\"");
  expect_refused(
      "\"a\xBF"
      "b\"");
}

TEST(JsonStrict, RefusesATruncatedSequence) {
  expect_refused("\"\xE2\x82\"");
  expect_refused("\"\xF0\x9F\x98\"");
  expect_refused("\"\xC3\"");
  expect_refused("\"\xC3");
}

TEST(JsonStrict, RefusesAnEncodedSurrogate) {
  expect_refused("\"\xED\xA0\x80\"");  // U+D800
  expect_refused("\"\xED\xBF\xBF\"");  // U+DFFF
}

TEST(JsonStrict, RefusesCodePointsAboveU10FFFF) {
  expect_refused("\"\xF4\x90\x80\x80\"");  // U+110000
  expect_refused("\"\xF5\x80\x80\x80\"");
  expect_refused("\"\xFF\"");
}

TEST(JsonStrict, RefusesInvalidUtf8InMemberNames) {
  expect_refused("{\"\xC0\xAF\":1}");
  expect_refused("{\"\xED\xA0\x80\":1}");
}

TEST(JsonStrict, RefusesLoneSurrogateEscapes) {
  expect_refused(R"("\ud800")");
  expect_refused(R"("\udc00")");
  expect_refused(R"("\uDBFF")");
  expect_refused(R"("\ud800x")");
  expect_refused(R"("\ud800\u0041")");
  expect_refused(R"("\ud800\ud800")");
  expect_refused(R"("\udc00\ud800")");
  expect_refused(R"({"\ud800":1})");
}

TEST(JsonStrict, RefusesARepeatedMemberNameAtTopLevel) {
  expect_refused(R"({"a":1,"a":2})");
  expect_refused(R"({"a":1,"a":1})");
  expect_refused(R"({"sub":"x","iat":1,"sub":"y"})");
}

TEST(JsonStrict, RefusesARepeatedMemberNameInANestedObject) {
  expect_refused(R"({"x":{"a":1,"a":2}})");
  expect_refused(R"([{"a":1,"a":2}])");
  expect_refused(R"({"x":[1,{"y":{"b":null,"b":null}}]})");
}

TEST(JsonStrict, RefusesARepeatedMemberNameSpelledWithDifferentEscapes) {
  expect_refused(R"({"a":1,"\u0061":2})");
  expect_refused(R"({"\u0061":1,"a":2})");
  expect_refused("{\"\xC3\xA9\":1,\"\\u00e9\":2}");
  expect_refused(R"({"\ud83d\ude00":1,"\uD83D\uDE00":2})");
}

TEST(JsonStrict, AcceptsTheSameNameInDifferentObjects) {
  expect_accepted(R"({"a":{"a":1}})");
  expect_accepted(R"([{"a":1},{"a":2}])");
  expect_accepted(R"({"a":1,"A":2,"a ":3})");
}

TEST(JsonStrict, RefusesNumbersOutOfTheDoubleRange) {
  expect_refused("1e400");
  expect_refused("-1e400");
  expect_refused(R"({"exp":1e400})");
  expect_refused("[1.8e308]");
  expect_refused("1" + std::string(400, '0'));
}

TEST(JsonStrict, AcceptsNumbersAtTheEdgeOfTheDoubleRange) {
  expect_accepted("1.7976931348623157e308");
  expect_accepted("-1.7976931348623157e308");
  expect_accepted("18446744073709551616");  // beyond uint64: read as a double
}

TEST(JsonStrict, RefusesTrailingContent) {
  expect_refused("{} {}");
  expect_refused("{}x");
  expect_refused("{}}");
  expect_refused("[]]");
  expect_refused("{},");
  expect_refused("1 2");
}

TEST(JsonStrict, RefusesTrailingContentAfterANulByte) {
  using namespace std::string_literals;
  expect_refused("{}\0"s);
  expect_refused("{}\0x"s);
  expect_refused("{\"sub\":\"a\"}\0{\"sub\":\"b\"}"s);
}

TEST(JsonStrict, RefusesComments) {
  expect_refused("{} // comment");
  expect_refused("/* comment */ {}");
  expect_refused("{\"a\":1 /* comment */}");
  expect_refused("# comment\n{}");
}

TEST(JsonStrict, RefusesTrailingCommas) {
  expect_refused("[1,]");
  expect_refused(R"({"a":1,})");
  expect_refused("[,]");
}

TEST(JsonStrict, RefusesNanAndInfinityLiterals) {
  expect_refused("NaN");
  expect_refused("Infinity");
  expect_refused("-Infinity");
  expect_refused(R"({"exp":NaN})");
  expect_refused("[Infinity]");
  expect_refused("nan");
}

TEST(JsonStrict, RefusesSingleQuotes) {
  expect_refused("{'a':1}");
  expect_refused("['a']");
  expect_refused(R"({"a":'b'})");
}

TEST(JsonStrict, RefusesEmptyAndBlankInput) {
  expect_refused("");
  expect_refused(" \t\r\n");
  using namespace std::string_literals;
  expect_refused("\0"s);
}

TEST(JsonStrict, RefusesOtherNonJson) {
  expect_refused("{a:1}");
  expect_refused("01");
  expect_refused("+1");
  expect_refused(".5");
  expect_refused("1.");
  expect_refused("\"unterminated");
  expect_refused("\"tab\tinside\"");
  expect_refused("True");
  expect_refused("undefined");
  expect_refused("{");
}

// --- numeric_date ---------------------------------------------------------------------------

std::optional<std::int64_t> numeric_date_of(std::string_view text) {
  json value;
  if (!jd::parse_json_strict(text, value)) {
    ADD_FAILURE() << "test input is not JSON: " << printable(text);
    return std::nullopt;
  }
  return jd::numeric_date(value);
}

TEST(NumericDate, AcceptsIntegers) {
  EXPECT_EQ(jd::numeric_date(json(0)), 0);
  EXPECT_EQ(jd::numeric_date(json(1300819380)), 1300819380);
  EXPECT_EQ(numeric_date_of("1300819380"), 1300819380);
}

TEST(NumericDate, AcceptsNegativeIntegers) {
  EXPECT_EQ(jd::numeric_date(json(-1)), -1);
  EXPECT_EQ(numeric_date_of("-1300819380"), -1300819380);
}

TEST(NumericDate, TruncatesDecimalsTowardZero) {
  EXPECT_EQ(numeric_date_of("1.9"), 1);
  EXPECT_EQ(numeric_date_of("-1.9"), -1);
  EXPECT_EQ(numeric_date_of("0.5"), 0);
  EXPECT_EQ(numeric_date_of("-0.5"), 0);
  EXPECT_EQ(numeric_date_of("1300819380.999"), 1300819380);
  EXPECT_EQ(numeric_date_of("1e9"), 1000000000);
  EXPECT_EQ(numeric_date_of("2.0"), 2);
}

TEST(NumericDate, AcceptsInt64MaxWrittenAsAnUnsignedNumber) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(numeric_date_of("9223372036854775807"), max);
  EXPECT_EQ(jd::numeric_date(json(static_cast<std::uint64_t>(max))), max);
}

TEST(NumericDate, AcceptsInt64Min) {
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(numeric_date_of("-9223372036854775808"), min);
  EXPECT_EQ(jd::numeric_date(json(min)), min);
}

TEST(NumericDate, Refuses2ToThe63) {
  EXPECT_EQ(numeric_date_of("9223372036854775808"), std::nullopt);
  EXPECT_EQ(jd::numeric_date(json(std::uint64_t{1} << 63)), std::nullopt);
  EXPECT_EQ(jd::numeric_date(json(std::numeric_limits<std::uint64_t>::max())), std::nullopt);
  EXPECT_EQ(numeric_date_of("9223372036854775808.0"), std::nullopt) << "2^63 written as a decimal";
}

TEST(NumericDate, Refuses1e19AndOtherHugeDecimals) {
  EXPECT_EQ(numeric_date_of("1e19"), std::nullopt);
  EXPECT_EQ(numeric_date_of("-1e19"), std::nullopt);
  EXPECT_EQ(numeric_date_of("1e300"), std::nullopt);
  EXPECT_EQ(numeric_date_of("18446744073709551616"), std::nullopt);
}

TEST(NumericDate, RefusesNonFiniteDoubles) {
  EXPECT_EQ(jd::numeric_date(json(std::numeric_limits<double>::infinity())), std::nullopt);
  EXPECT_EQ(jd::numeric_date(json(-std::numeric_limits<double>::infinity())), std::nullopt);
  EXPECT_EQ(jd::numeric_date(json(std::numeric_limits<double>::quiet_NaN())), std::nullopt);
}

TEST(NumericDate, RefusesBooleansStringsNullArraysAndObjects) {
  EXPECT_EQ(numeric_date_of("true"), std::nullopt);
  EXPECT_EQ(numeric_date_of("false"), std::nullopt);
  EXPECT_EQ(numeric_date_of(R"("1300819380")"), std::nullopt);
  EXPECT_EQ(numeric_date_of("null"), std::nullopt);
  EXPECT_EQ(numeric_date_of("[1300819380]"), std::nullopt);
  EXPECT_EQ(numeric_date_of("[]"), std::nullopt);
  EXPECT_EQ(numeric_date_of(R"({"exp":1})"), std::nullopt);
}

}  // namespace
