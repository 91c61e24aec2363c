// Strict base64url: canonical encodings only.
#include "jwtservice/detail/base64url.hpp"

#include <gtest/gtest.h>

#include <string>

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
