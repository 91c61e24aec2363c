// The shared text helpers: hex digits both ways, ASCII case-insensitive equality, blankness.
#include "jwtservice/detail/text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace jd = jwtservice::detail;

// Usable in constant expressions, so a table or a check built on them costs nothing at run time.
static_assert(jd::hex_digits.size() == 16);
static_assert(jd::hex_value('f') == 15);
static_assert(jd::iequals("application/JWT", "Application/jwt"));
static_assert(!jd::iequals("JWT", "JWS"));

TEST(HexDigits, AreTheLowerCaseDigitsInNibbleOrder) { EXPECT_EQ(jd::hex_digits, "0123456789abcdef"); }

TEST(HexValue, ReadsEveryDigitOfEitherCase) {
  for (int v = 0; v < 16; ++v) {
    const char lower = jd::hex_digits[static_cast<std::size_t>(v)];
    EXPECT_EQ(jd::hex_value(lower), v) << lower;
    const char upper = v < 10 ? lower : static_cast<char>(lower - 'a' + 'A');
    EXPECT_EQ(jd::hex_value(upper), v) << upper;
  }
}

TEST(HexValue, IsMinusOneForEveryOtherByte) {
  const std::string_view digits = "0123456789abcdefABCDEF";
  int others = 0;
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (digits.find(c) != std::string_view::npos) continue;
    EXPECT_EQ(jd::hex_value(c), -1) << "byte " << b;
    ++others;
  }
  EXPECT_EQ(others, 256 - 22);
}

TEST(HexValue, RoundTripsWithHexDigits) {
  for (int byte = 0; byte < 256; ++byte) {
    const char hi = jd::hex_digits[static_cast<std::size_t>(byte >> 4)];
    const char lo = jd::hex_digits[static_cast<std::size_t>(byte & 0x0F)];
    EXPECT_EQ(jd::hex_value(hi) * 16 + jd::hex_value(lo), byte);
  }
}

TEST(Iequals, IgnoresTheCaseOfAsciiLettersOnly) {
  EXPECT_TRUE(jd::iequals("", ""));
  EXPECT_TRUE(jd::iequals("JWT", "jwt"));
  EXPECT_TRUE(jd::iequals("HS256", "hs256"));
  EXPECT_TRUE(jd::iequals("redis://", "REDIS://"));
  EXPECT_TRUE(jd::iequals("a-Z_0@[`{", "A-z_0@[`{"));
  EXPECT_FALSE(jd::iequals("JWT", "JWT "));
  EXPECT_FALSE(jd::iequals("JWT", "JW"));
  EXPECT_FALSE(jd::iequals("@", "`")) << "0x40 and 0x60 differ by the case bit but are not letters";
  EXPECT_FALSE(jd::iequals("[", "{"));
}

TEST(Iequals, ComparesBytesOutsideAsciiExactly) {
  EXPECT_TRUE(jd::iequals("\xC3\xA9", "\xC3\xA9"));                               // é
  EXPECT_FALSE(jd::iequals("\xC3\xA9", "\xC3\x89")) << "é and É are not folded";  // É
  EXPECT_FALSE(jd::iequals("\xC9", "\xE9")) << "Latin-1 É and é are not folded";
}

TEST(AsciiLower, LowersAsciiLettersAndLeavesEverythingElse) {
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const char expected = b >= 'A' && b <= 'Z' ? static_cast<char>(b + 32) : c;
    EXPECT_EQ(jd::ascii_lower(c), expected) << "byte " << b;
  }
}

TEST(IsBlank, IsTrueForEmptyAndWhitespaceOnly) {
  EXPECT_TRUE(jd::is_blank(""));
  EXPECT_TRUE(jd::is_blank(" \t\r\n\v\f"));
  EXPECT_FALSE(jd::is_blank(" a "));
  EXPECT_FALSE(jd::is_blank(std::string_view{"\0", 1})) << "a NUL is not whitespace";
}

namespace {
std::string printable(std::string_view text) {
  std::string out;
  jd::append_printable(out, text);
  return out;
}
}  // namespace

TEST(AppendPrintable, EscapesC0ControlsAndDelSoNoLineCanBeForged) {
  EXPECT_EQ(printable("a\nb\r\x1b[2Jc\x7f"), "a\\x0ab\\x0d\\x1b[2Jc\\x7f");
  EXPECT_EQ(printable(std::string_view{"\0", 1}), "\\x00");
}

TEST(AppendPrintable, EscapesABackslashSoThatAnEscapeInTheTextCannotPassForOne) {
  EXPECT_EQ(printable("C:\\x0a"), "C:\\\\x0a") << "a literal \\x0a must not read like an escaped newline";
}

TEST(AppendPrintable, EscapesTheC1ControlsButKeepsOtherUtf8) {
  EXPECT_EQ(printable("\xc2\x9b"
                      "31m"),
            "\\u009b31m")
      << "U+009B is a CSI on terminals that honour C1";
  EXPECT_EQ(printable("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
  EXPECT_EQ(printable("caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac"), "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac")
      << "é, a no-break space (U+00A0) and € are printable";
  EXPECT_EQ(printable("\xc2"), "\xc2") << "a lone lead byte at the end is left as it is";
}
