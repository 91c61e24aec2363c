// libFuzzer target for the strict base64url codec: decoding never reads or writes out of bounds,
// accepts exactly the canonical encodings (which base64url_is_canonical agrees with), and
// re-encoding what it decoded gives the input back; encoding any bytes round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "jwtservice/detail/base64url.hpp"

namespace {

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_base64url finding: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = jwtservice::detail;
  const std::string_view in{reinterpret_cast<const char*>(data), size};

  // Decoding: into a heap buffer of exactly the announced size, so ASan sees any overrun.
  const auto announced = d::base64url_decoded_size(in.size());
  const bool canonical = d::base64url_is_canonical(in);
  std::string decoded;
  const bool ok = d::base64url_decode(in, decoded);
  if (ok != canonical) finding("base64url_decode and base64url_is_canonical disagree");
  if (announced) {
    auto buffer = std::make_unique<unsigned char[]>(*announced + 1);  // +1: never zero-sized
    const auto written = d::base64url_decode(in, buffer.get());
    if (written.has_value() != ok) finding("the two base64url_decode overloads disagree");
    if (written && *written != *announced) finding("decoded size differs from base64url_decoded_size");
    if (written && std::string_view(reinterpret_cast<const char*>(buffer.get()), *written) != decoded) {
      finding("the two base64url_decode overloads decode differently");
    }
  } else if (ok) {
    finding("decoded a length that base64url_decoded_size refuses");
  }
  if (ok) {
    if (decoded.size() != *announced) finding("decoded size differs from base64url_decoded_size");
    if (d::base64url_encode(decoded) != in) finding("re-encoding the decoded bytes does not give the input");
  }

  // Encoding: any bytes encode to a canonical string of the announced size that decodes back.
  const std::string encoded = d::base64url_encode(in);
  if (encoded.size() != d::base64url_encoded_size(in.size())) finding("encoded size is wrong");
  if (!d::base64url_is_canonical(encoded)) finding("an encoding is not canonical");
  std::string back;
  if (!d::base64url_decode(encoded, back) || back != in) finding("encode/decode does not round-trip");
  std::string appended = "prefix.";
  d::base64url_encode_append(in, appended);
  if (std::string_view{appended}.substr(7) != encoded) finding("base64url_encode_append differs from encode");
  return 0;
}
