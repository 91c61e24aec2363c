// Strict base64url: canonical encodings only.
#include "jwtservice/detail/base64url.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jd = jwtservice::detail;

TEST(Base64Url, EncodesRfc4648TestVectorsWithoutPadding) {
  EXPECT_EQ(jd::base64url_encode(""), "");
  EXPECT_EQ(jd::base64url_encode("f"), "Zg");
  EXPECT_EQ(jd::base64url_encode("fo"), "Zm8");
  EXPECT_EQ(jd::base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(jd::base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(jd::base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(jd::base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(jd::base64url_encode("\xfb\xff"), "-_8");
}

namespace {

/// Deterministic bytes covering the whole 0..255 range (xorshift32, seeded by the length).
std::string random_ish_bytes(std::size_t size) {
  std::uint32_t state = 0x9E3779B9U ^ static_cast<std::uint32_t>(size * 2654435761U);
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    out.push_back(static_cast<char>(state & 0xFF));
  }
  return out;
}

/// The input as a short readable literal (bytes outside printable ASCII as \xNN), for messages.
std::string printable(std::string_view text) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F && byte != '\\') {
      out += c;
    } else {
      out += "\\x";
      out += digits[byte >> 4];
      out += digits[byte & 0x0F];
    }
  }
  return out + '"';
}

/// Decodes with both overloads and checks that they and base64url_is_canonical agree.
/// Returns the decoded bytes, or nullopt when refused.
std::optional<std::string> decode_checked(std::string_view in) {
  std::string as_string;
  const bool string_ok = jd::base64url_decode(in, as_string);

  std::vector<unsigned char> buffer(in.size() + 1);
  const auto written = jd::base64url_decode(in, buffer.data());

  const bool canonical = jd::base64url_is_canonical(in);
  EXPECT_EQ(string_ok, written.has_value())
      << "the string and buffer overloads disagree on " << printable(in);
  EXPECT_EQ(canonical, string_ok) << "base64url_is_canonical disagrees with decode on " << printable(in);
  if (!string_ok || !written) return std::nullopt;

  EXPECT_EQ(*written, as_string.size()) << "the overloads decode " << printable(in) << " to different sizes";
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(buffer.data()), *written), as_string)
      << "the overloads decode " << printable(in) << " to different bytes";
  EXPECT_EQ(jd::base64url_decoded_size(in.size()), as_string.size())
      << "base64url_decoded_size disagrees with decode on " << printable(in);
  return as_string;
}

void expect_refused(std::string_view in) {
  EXPECT_EQ(decode_checked(in), std::nullopt) << "decoded the non-canonical " << printable(in);
}

}  // namespace

TEST(Base64Url, DecodesRfc4648TestVectors) {
  EXPECT_EQ(decode_checked(""), "");
  EXPECT_EQ(decode_checked("Zg"), "f");
  EXPECT_EQ(decode_checked("Zm8"), "fo");
  EXPECT_EQ(decode_checked("Zm9v"), "foo");
  EXPECT_EQ(decode_checked("Zm9vYg"), "foob");
  EXPECT_EQ(decode_checked("Zm9vYmE"), "fooba");
  EXPECT_EQ(decode_checked("Zm9vYmFy"), "foobar");
  EXPECT_EQ(decode_checked("-_8"), "\xfb\xff");
}

TEST(Base64Url, RoundTripsEveryLengthFrom0To64) {
  for (std::size_t size = 0; size <= 64; ++size) {
    SCOPED_TRACE("length " + std::to_string(size));
    const std::string bytes = random_ish_bytes(size);
    const std::string encoded = jd::base64url_encode(bytes);
    EXPECT_EQ(encoded.size(), jd::base64url_encoded_size(size));
    EXPECT_TRUE(jd::base64url_is_canonical(encoded)) << "an encoding is not canonical";
    EXPECT_EQ(decode_checked(encoded), bytes) << "decode(encode(x)) != x";
  }
}

TEST(Base64Url, RoundTripsEveryByteValue) {
  std::string all;
  for (int b = 0; b < 256; ++b)
    all.push_back(static_cast<char>(b));
  EXPECT_EQ(decode_checked(jd::base64url_encode(all)), all);
}

TEST(Base64Url, EncodeAppendKeepsWhatIsThere) {
  std::string out = "prefix.";
  jd::base64url_encode_append("foo", out);
  EXPECT_EQ(out, "prefix.Zm9v");
}

TEST(Base64Url, RefusesPadding) {
  expect_refused("Zg==");
  expect_refused("Zm8=");
  expect_refused("Zm9=");
  expect_refused("Zm9v=");
  expect_refused("Zm9vYg==");
  expect_refused("=Zm9");
  expect_refused("Zm=v");
  expect_refused("====");
  expect_refused("=");
}

TEST(Base64Url, RefusesPlusAndSlash) {
  expect_refused("+/8");  // the standard alphabet's spelling of "-_8"
  expect_refused("Zm+v");
  expect_refused("Zm/v");
  expect_refused("+m9v");
  expect_refused("Zm9/");
  expect_refused("Zm9vY+");
}

TEST(Base64Url, RefusesWhitespaceAndNewlinesAnywhere) {
  expect_refused(" Zm9");
  expect_refused("Zm9 ");
  expect_refused("Zm 9");
  expect_refused("Zm9v Zm9v");  // length 9, and a space
  expect_refused("Zm9v\nZm9");
  expect_refused("Zm9\n");
  expect_refused("\nZm9");
  expect_refused("Zm\r\n9v");
  expect_refused("Zm9v\r\n");
  expect_refused("Zm\t9");
  expect_refused("Zm9\v");
  expect_refused("Zm9\f");
}

TEST(Base64Url, RefusesLengthOneModuloFour) {
  expect_refused("Z");
  expect_refused("A");
  expect_refused("Zm9vY");
  expect_refused("Zm9vYmFyZ");
  for (std::size_t n = 0; n < 100; ++n) {
    if (n % 4 == 1) expect_refused(std::string(n, 'A'));
  }
}

TEST(Base64Url, RefusesNonZeroUnusedBits) {
  EXPECT_EQ(decode_checked("Zg"), "f");
  expect_refused("Zh");  // same bytes as "Zg", unused bits set
  expect_refused("Zv");
  expect_refused("Z_");
  EXPECT_EQ(decode_checked("Zm8"), "fo");
  expect_refused("Zm9");  // same bytes as "Zm8", unused bits set
  expect_refused("Zm-");
  expect_refused("AB");  // Wycheproof's ModifiedUnusedBitsInPayload
  expect_refused("AAB");
  expect_refused("Zm9vYh");
  expect_refused("Zm9vYmF");
}

TEST(Base64Url, RefusesNulBytes) {
  using namespace std::string_literals;
  expect_refused("Zm\0v"s);
  expect_refused("\0\0\0\0"s);
  expect_refused("Zm9v\0\0"s);
  expect_refused("Zg\0"s);
}

TEST(Base64Url, RefusesNonAsciiBytes) {
  expect_refused("Zm9\xC3");
  expect_refused("\xC3\xA9Zg");
  expect_refused("Zm9v\xEF\xBC\xA1");  // U+FF21 FULLWIDTH LATIN CAPITAL LETTER A
  expect_refused("\x80\x80\x80\x80");
  expect_refused("\xFF\xFF");
}

TEST(Base64Url, RefusesEveryNonAlphabetByteInEveryPosition) {
  // Lengths 2, 3 and 4 modulo 4 cover the tail and the full-group paths.
  for (std::string_view canonical : {"Zm9vYg", "Zm9vYmE", "Zm9vYmFy"}) {
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      if (jd::base64url_alphabet.find(c) != std::string_view::npos) continue;
      for (std::size_t at = 0; at < canonical.size(); ++at) {
        std::string bad{canonical};
        bad[at] = c;
        EXPECT_FALSE(jd::base64url_is_canonical(bad))
            << "byte " << b << " at position " << at << " of " << canonical << " counted as canonical";
        std::string out;
        EXPECT_FALSE(jd::base64url_decode(bad, out))
            << "byte " << b << " at position " << at << " of " << canonical << " decoded";
      }
    }
  }
}

TEST(Base64Url, IsCanonicalExactlyWhenDecodeAcceptsForEveryShortString) {
  // Every 2-byte string, and every 3-character string over the alphabet plus '=' and '+':
  // canonical == decodes == re-encodes to itself.
  std::string in(2, '\0');
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      in[0] = static_cast<char>(a);
      in[1] = static_cast<char>(b);
      std::string out;
      const bool decodes = jd::base64url_decode(in, out);
      ASSERT_EQ(jd::base64url_is_canonical(in), decodes) << "disagree on " << printable(in);
      if (decodes) {
        ASSERT_EQ(jd::base64url_encode(out), in) << printable(in) << " is not its own encoding";
      }
    }
  }
  const std::string chars = std::string{jd::base64url_alphabet} + "=+";
  in.assign(3, '\0');
  for (char a : chars) {
    for (char b : chars) {
      for (char c : chars) {
        in[0] = a;
        in[1] = b;
        in[2] = c;
        std::string out;
        const bool decodes = jd::base64url_decode(in, out);
        ASSERT_EQ(jd::base64url_is_canonical(in), decodes) << "disagree on " << printable(in);
        if (decodes) {
          ASSERT_EQ(jd::base64url_encode(out), in) << printable(in) << " is not its own encoding";
        }
      }
    }
  }
}

TEST(Base64Url, DecodedSizeOfEachLength) {
  static_assert(jd::base64url_decoded_size(0) == 0U);
  static_assert(!jd::base64url_decoded_size(1).has_value());
  EXPECT_EQ(jd::base64url_decoded_size(0), 0U);
  EXPECT_EQ(jd::base64url_decoded_size(1), std::nullopt);
  EXPECT_EQ(jd::base64url_decoded_size(2), 1U);
  EXPECT_EQ(jd::base64url_decoded_size(3), 2U);
  EXPECT_EQ(jd::base64url_decoded_size(4), 3U);
  EXPECT_EQ(jd::base64url_decoded_size(5), std::nullopt);
  EXPECT_EQ(jd::base64url_decoded_size(6), 4U);
  EXPECT_EQ(jd::base64url_decoded_size(43), 32U) << "an HS256 signature segment";
  EXPECT_EQ(jd::base64url_decoded_size(86), 64U);
}

TEST(Base64Url, DecodedSizeInvertsEncodedSize) {
  for (std::size_t n = 0; n <= 1000; ++n) {
    EXPECT_EQ(jd::base64url_decoded_size(jd::base64url_encoded_size(n)), n) << "for " << n << " bytes";
    if (n % 4 == 1) {
      EXPECT_EQ(jd::base64url_decoded_size(n), std::nullopt) << "no encoding has " << n << " characters";
    }
  }
}
