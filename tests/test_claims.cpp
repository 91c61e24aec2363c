// The strict claim reader: it accepts exactly what the nlohmann-based strict parser accepts,
// and reads the same values out of what it accepts.
#include "jwtservice/detail/claims.hpp"

#include <gtest/gtest.h>

#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/json_strict.hpp"

namespace {

namespace jd = jwtservice::detail;
using json = nlohmann::json;

/// The reference: a strict parse that yields an object.
bool reference_accepts(std::string_view text) {
  json value;
  return jd::parse_json_strict(text, value) && value.is_object();
}

bool reader_accepts(std::string_view text) {
  jd::ClaimSpans spans;
  return jd::read_claims(text, spans);
}

/// The reference for any value: a strict parse of whatever type.
bool reference_accepts_value(std::string_view text) {
  json value;
  return jd::parse_json_strict(text, value);
}

/// `depth` nested arrays around 1: "[[1]]" for 2.
std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

/// Prints bytes so that a failing case can be read (and never a secret: these are test inputs).
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) {
      out += c;
    } else {
      constexpr char hex[] = "0123456789ABCDEF";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

const std::vector<std::string> kCases = {
    "{}",
    " {} ",
    "{\"a\":1}",
    "{\"a\":[1,2,{\"b\":null}]}",
    "[]",
    "1",
    "\"s\"",
    "",
    " ",
    "{",
    "}",
    "{\"a\"}",
    "{\"a\":}",
    "{\"a\":1,}",
    "{,\"a\":1}",
    "{\"a\":1 \"b\":2}",
    "{\"a\":[1,]}",
    "{\"a\":[,1]}",
    "{\"a\":01}",
    "{\"a\":-}",
    "{\"a\":1.}",
    "{\"a\":.5}",
    "{\"a\":1e}",
    "{\"a\":1e+}",
    "{\"a\":-0}",
    "{\"a\":-0.0e-0}",
    "{\"a\":1E5}",
    "{\"a\":1e400}",
    "{\"a\":-1e400}",
    "{\"a\":1e-400}",
    "{\"a\":1.7976931348623157e308}",
    "{\"a\":1.8e308}",
    "{\"a\":" + std::string(400, '9') + "}",
    "{\"a\":0." + std::string(400, '0') + "1}",
    "{\"a\":9223372036854775808}",
    "{\"a\":18446744073709551616}",
    "{\"a\":true}",
    "{\"a\":tru}",
    "{\"a\":nul}",
    "{\"a\":falsey}",
    "{\"a\":NaN}",
    "{\"a\":Infinity}",
    "{'a':1}",
    "{\"a\":'x'}",
    "{\"a\":1}//c",
    "{\"a\":1}/*c*/",
    "{\"a\":1}x",
    "{} {}",
    "{\"a\":1,\"a\":2}",
    "{\"a\":1,\"\\u0061\":2}",
    "{\"a\":{\"b\":1,\"b\":2}}",
    "{\"a\":{\"b\":1},\"b\":{\"b\":1}}",
    "{\"x\":[{\"k\":1},{\"k\":2}]}",
    "\xEF\xBB\xBF{}",
    "{\"a\":\"\xC0\xAF\"}",
    "{\"a\":\"\x80\"}",
    "{\"a\":\"\xE2\x82\"}",
    "{\"a\":\"\xED\xA0\x80\"}",
    "{\"a\":\"\xF4\x90\x80\x80\"}",
    "{\"a\":\"\xF0\x9F\x98\x80\"}",
    "{\"a\":\"\xE2\x82\xAC\"}",
    "{\"a\":\"\\ud800\"}",
    "{\"a\":\"\\udc00\"}",
    "{\"a\":\"\\ud83d\\ude00\"}",
    "{\"a\":\"\\ud83d\\u0041\"}",
    "{\"a\":\"\\u00e9\"}",
    "{\"a\":\"\\u0000\"}",
    "{\"a\":\"\\x41\"}",
    "{\"a\":\"\\'\"}",
    "{\"a\":\"tab\there\"}",
    "{\"a\":\"nl\nhere\"}",
    std::string("{\"a\":\"\0\"}", 8),
    std::string("{}\0", 3),
    std::string("{\"a\":1}\0{\"a\":2}", 15),
    "{\"a\":\"\\uZZZZ\"}",
    "{\"a\":\"\\u12\"}",
    "{\"\":1}",
    "{\"\":1,\"\":2}",
    "{\"a\":1}\r\n\t ",
    "\t{\"a\" : [ 1 , 2 ] }\n",
};

TEST(ClaimReader, AcceptsExactlyWhatTheStrictParserAccepts) {
  for (const auto& text : kCases) {
    EXPECT_EQ(reader_accepts(text), reference_accepts(text)) << "input: " << printable(text);
  }
}

/// Top-level values that are not objects, for the any-value reader.
const std::vector<std::string> kValueCases = {
    "[]",
    "[1,\"a\",null,true,false,{}]",
    "1",
    "-0.5e-3",
    "\"s\"",
    "\"\\ud83d\\ude00\"",
    "null",
    "true",
    "false",
    " 3 ",
    "\t[ ]\n",
    "[1,[2,{\"a\":1,\"a\":2}]]",
    "[{\"a\":1},{\"a\":1}]",
    "-",
    "1 2",
    "[1]x",
    "[1,]",
    "\"\\ud800\"",
    "\"\x80\"",
    "01",
    "1e400",
    "nul",
    "\xEF\xBB\xBF"
    "1",
    std::string("1\0", 2),
    "\"unterminated",
    "[\"a\":1]",
    nested_arrays(64),
    nested_arrays(65),
};

TEST(StrictJson, AcceptsExactlyWhatTheStrictParserAcceptsForAnyValue) {
  for (const auto* cases : {&kCases, &kValueCases}) {
    for (const auto& text : *cases) {
      EXPECT_EQ(jd::is_strict_json(text), reference_accepts_value(text)) << "input: " << printable(text);
    }
  }
}

TEST(StrictJson, HostileNestingIsRefusedWithoutRecursing) {
  // Deep enough to overflow the stack of any recursive parser; the reader keeps a fixed stack.
  EXPECT_FALSE(jd::is_strict_json(nested_arrays(100'000)));
  EXPECT_FALSE(jd::is_strict_json(std::string(1'000'000, '[')));
  EXPECT_FALSE(jd::parse_strict_object("{\"a\":" + nested_arrays(100'000) + "}"));
}

TEST(ParseStrictObject, BuildsWhatNlohmannParsesFromAStrictObject) {
  for (const std::string text :
       {R"({})", R"( {"a":1} )", R"({"flow":"signup","n":1,"nested":{"a":[1,2]}})",
        R"({"\u00fcn\u00ef":"\u00e7\u00f8d\u00e9","list":[null,true,-1.5e3]})",
        R"({"big":18446744073709551615,"neg":-9223372036854775808,"tiny":1e-400})"}) {
    const auto parsed = jd::parse_strict_object(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_EQ(*parsed, json::parse(text)) << text;
    EXPECT_EQ(parsed->dump(), json::parse(text).dump()) << "same number types for " << text;
  }
  const auto nested = jd::parse_strict_object("{\"a\":" + nested_arrays(63) + "}");
  ASSERT_TRUE(nested.has_value()) << "an object holding 63 arrays is 64 deep";
}

TEST(ParseStrictObject, RefusesRepeatedMemberNamesAtAnyDepth) {
  for (const char* text : {R"({"a":1,"a":2})", R"({"a":1,"\u0061":2})", R"({"x":{"b":1,"b":2}})",
                           R"({"x":[{"k":1,"k":1}]})", R"({"":1,"":2})"}) {
    EXPECT_FALSE(jd::parse_strict_object(text)) << text;
  }
}

TEST(ParseStrictObject, RefusesWhatIsNotAStrictObject) {
  const std::vector<std::string> refused = {"[1,2]",
                                            "\"text\"",
                                            "42",
                                            "true",
                                            "null",
                                            "",
                                            " ",
                                            "{not json",
                                            "{\"a\":1}x",
                                            "{} {}",
                                            "\xEF\xBB\xBF{}",
                                            std::string("{}\0", 3),
                                            "{\"a\":\"\xC0\xAF\"}",
                                            "{\"a\":\"\\ud800\"}",
                                            "{\"a\":1e400}",
                                            "{\"a\":" + nested_arrays(64) + "}"};
  for (const auto& text : refused) {
    EXPECT_FALSE(jd::parse_strict_object(text)) << printable(text);
  }
}

TEST(ParseStrictObject, AcceptsExactlyTheObjectsTheClaimReaderAccepts) {
  for (const auto& text : kCases) {
    EXPECT_EQ(jd::parse_strict_object(text).has_value(), reader_accepts(text))
        << "input: " << printable(text);
  }
}

TEST(ClaimReader, NestingOf64IsAcceptedAnd65Refused) {
  for (const char* open_close : {"[]", "{}"}) {
    for (int depth : {63, 64, 65, 1000}) {
      std::string text = "{\"a\":";
      std::string tail = "}";
      for (int i = 1; i < depth; ++i) {
        text += open_close[0] == '[' ? "[" : "{\"k\":";
        tail.insert(0, 1, open_close[1]);
      }
      text += "1" + tail;
      if (open_close[0] == '{') {
        // an object chain ends with a value, not inside an array
        text = "{\"a\":";
        tail = "}";
        for (int i = 1; i < depth; ++i) {
          text += "{\"k\":";
          tail += "}";
        }
        text += "1" + tail;
      }
      EXPECT_EQ(reader_accepts(text), reference_accepts(text)) << open_close << " depth " << depth;
      EXPECT_EQ(reader_accepts(text), depth <= 64) << open_close << " depth " << depth;
    }
  }
}

TEST(ClaimReader, AgreesWithTheStrictParserOnRandomMutations) {
  // Mutations of realistic payloads: flips, insertions and deletions of the bytes that matter.
  const std::vector<std::string> seeds = {
      R"({"sub":"user@example.com","iat":1700000000,"nbf":1700000000,"exp":1700000600,"iss":"JWTService","aud":["a","b"],"action":"VALIDAR_EMAIL","jti":"j","extra_data":{"flow":"signup","n":[1,2.5,-3e2,true,null]}})",
      R"({"a":"\u00e9\ud83d\ude00","b":{"c":{"d":[[[]]]}},"e":"\"\\\/\b\f\n\r\t"})",
  };
  const std::string alphabet = "{}[]\":,\\u0123456789.eE+-tfnrl \t\n\x80\xC3\xA9\xED\xF0\xFF\x00";
  std::mt19937 rng{20261128};
  int disagreements = 0;
  for (int round = 0; round < 60000; ++round) {
    std::string text = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = rng() % text.size();
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: text[at] = c; break;
        case 1: text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: text.erase(at, 1);
      }
    }
    if (reader_accepts(text) && reference_accepts(text)) {
      // What the reader accepts, it also builds exactly as nlohmann parses it.
      jd::ClaimSpans spans;
      (void)jd::read_claims(text, spans);
      const json built = jd::json_value(jd::JsonSpan{jd::JsonType::object, false, text});
      if (built != json::parse(text) && ++disagreements <= 5) {
        ADD_FAILURE() << "built value differs from nlohmann's: " << printable(text);
      }
    }
    if (jd::is_strict_json(text) != reference_accepts_value(text) && ++disagreements <= 5) {
      ADD_FAILURE() << "is_strict_json " << (jd::is_strict_json(text) ? "accepts" : "refuses") << ": "
                    << printable(text);
    }
    if (reader_accepts(text) != reference_accepts(text) && ++disagreements <= 5) {
      ADD_FAILURE() << "reader " << (reader_accepts(text) ? "accepts" : "refuses") << ", reference "
                    << (reference_accepts(text) ? "accepts" : "refuses") << ": " << printable(text);
    }
  }
  EXPECT_EQ(disagreements, 0);
}

TEST(ClaimReader, RecordsTopLevelClaimsOnly) {
  jd::ClaimSpans c;
  ASSERT_TRUE(jd::read_claims(
      R"({"extra_data":{"sub":"inner","iss":1},"sub":"outer","aud":["x","y"],"iat":5,"action":null})", c));
  EXPECT_EQ(c.sub.type, jd::JsonType::string);
  EXPECT_EQ(c.sub.raw, "outer");
  EXPECT_EQ(c.extra_data.type, jd::JsonType::object);
  EXPECT_EQ(c.extra_data.raw, R"({"sub":"inner","iss":1})");
  EXPECT_EQ(c.aud.type, jd::JsonType::array);
  EXPECT_TRUE(jd::is_string_array(c.aud));
  EXPECT_EQ(c.iat.type, jd::JsonType::number);
  EXPECT_EQ(c.action.type, jd::JsonType::null);
  EXPECT_FALSE(c.iss.present()) << "iss inside extra_data is not the top-level iss";
  EXPECT_FALSE(c.jti.present());
}

TEST(ClaimReader, EscapedNamesAndValuesAreReadUnescaped) {
  jd::ClaimSpans c;
  ASSERT_TRUE(jd::read_claims(R"({"\u0073ub":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/","iss":"a\tb"})", c));
  ASSERT_EQ(c.sub.type, jd::JsonType::string);
  EXPECT_TRUE(c.sub.escaped);
  EXPECT_EQ(jd::string_value(c.sub), "caf\xC3\xA9 \xF0\x9F\x98\x80 \"q\" \\ /");
  EXPECT_TRUE(jd::string_equals(c.iss, "a\tb"));
  EXPECT_FALSE(jd::string_equals(c.iss, "a\\tb"));
}

TEST(ClaimReader, StringArraysAreRecognisedAndSearched) {
  jd::ClaimSpans c;
  ASSERT_TRUE(jd::read_claims(R"({"aud":[ "a" , "b\u0063" ,"d"],"jti":[1]})", c));
  ASSERT_TRUE(jd::is_string_array(c.aud));
  std::vector<std::string> seen;
  EXPECT_FALSE(jd::find_string(c.aud, [&](const jd::JsonSpan& m) {
    seen.push_back(jd::string_value(m));
    return false;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "bc", "d"}));
  EXPECT_TRUE(jd::find_string(c.aud, [](const jd::JsonSpan& m) { return jd::string_equals(m, "bc"); }));
  EXPECT_FALSE(jd::is_string_array(c.jti));
  ASSERT_TRUE(jd::read_claims(R"({"aud":[]})", c));
  EXPECT_TRUE(jd::is_string_array(c.aud));
}

// find_string is noexcept exactly when its callback is: before, it was always noexcept, so a
// callback that threw (string_value allocating, say) ended the process in std::terminate.
const jd::JsonSpan kTwoStrings{jd::JsonType::array, false, R"(["a","b"])"};
constexpr auto kNothrowCallback = [](const jd::JsonSpan&) noexcept { return false; };
constexpr auto kThrowingCallback = [](const jd::JsonSpan&) -> bool { throw std::runtime_error("callback"); };
static_assert(noexcept(jd::find_string(kTwoStrings, kNothrowCallback)),
              "find_string must be noexcept for a noexcept callback");
static_assert(!noexcept(jd::find_string(kTwoStrings, kThrowingCallback)),
              "find_string must not be noexcept for a callback that may throw");

TEST(ClaimReader, FindStringPropagatesTheCallbacksException) {
  int calls = 0;
  EXPECT_THROW((void)jd::find_string(kTwoStrings,
                                     [&](const jd::JsonSpan& m) -> bool {
                                       ++calls;
                                       if (m.raw == "b") throw std::runtime_error("callback failed");
                                       return false;
                                     }),
               std::runtime_error);
  EXPECT_EQ(calls, 2) << "the exception must come from the second member";
  EXPECT_TRUE(jd::find_string(kTwoStrings, kNothrowCallback) == false);
}

TEST(ClaimReader, NumericDatesMatchTheDomReader) {
  const std::vector<std::string> numbers = {"0",
                                            "-0",
                                            "1700000000",
                                            "-5",
                                            "1.9",
                                            "-1.9",
                                            "1e3",
                                            "1.5e2",
                                            "9223372036854775807",
                                            "-9223372036854775808",
                                            "9223372036854775808",
                                            "1e19",
                                            "-1e19",
                                            "1e-400",
                                            "123456789012345678",
                                            "1234567890123456789",
                                            "0.000001",
                                            "9.2233720368547748e18"};
  for (const auto& n : numbers) {
    const std::string text = "{\"exp\":" + n + "}";  // the spans point into it
    jd::ClaimSpans c;
    ASSERT_TRUE(jd::read_claims(text, c)) << n;
    json dom;
    ASSERT_TRUE(jd::parse_json_strict(n, dom)) << n;
    EXPECT_EQ(jd::numeric_date(c.exp), jd::numeric_date(dom)) << n;
  }
  jd::ClaimSpans c;
  ASSERT_TRUE(jd::read_claims(R"({"exp":"1","nbf":true,"iat":null})", c));
  EXPECT_FALSE(jd::numeric_date(c.exp));
  EXPECT_FALSE(jd::numeric_date(c.nbf));
  EXPECT_FALSE(jd::numeric_date(c.iat));
}

TEST(ClaimReader, BuiltValuesEqualNlohmannsForEveryKindOfValue) {
  for (const std::string text :
       {R"({"a":1,"b":-1,"c":1.5,"d":-0,"e":1e2,"f":18446744073709551615,"g":18446744073709551616})",
        R"({"h":-9223372036854775808,"i":-9223372036854775809,"j":[true,false,null,"s\n\u00e9"],"k":{}})",
        R"({"l":[],"m":[[{"x":[1]}]],"\u006e":"\ud83d\ude00","o":0.1,"p":1e-400,"q":5e-324})"}) {
    const json built = jd::json_value(jd::JsonSpan{jd::JsonType::object, false, text});
    EXPECT_EQ(built, json::parse(text)) << text;
    EXPECT_EQ(built.dump(), json::parse(text).dump()) << "same types (signed/unsigned/float) for " << text;
  }
}

TEST(ClaimReader, HeaderMembersAreRecorded) {
  jd::HeaderSpans h;
  ASSERT_TRUE(jd::read_header(R"({"typ":"JWT","alg":"HS256","kid":"k","crit":["exp"]})", h));
  EXPECT_TRUE(jd::string_equals(h.alg, "HS256"));
  EXPECT_TRUE(jd::string_equals(h.typ, "JWT"));
  EXPECT_TRUE(h.crit.present());
  EXPECT_FALSE(h.b64.present());
}

TEST(ClaimReader, ManyMembersAreCheckedForRepeatsWithoutQuadraticCost) {
  std::string text = "{";
  for (int i = 0; i < 2000; ++i)
    text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  EXPECT_TRUE(reader_accepts(text + "}"));
  EXPECT_FALSE(reader_accepts(text + ",\"k1999\":1}")) << "a repeat among 2000 members";
}

}  // namespace
