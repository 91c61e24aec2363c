// Randomness glue: OpenSSL's RAND_bytes, which reseeds itself and is safe across fork().
#include "jwtservice/detail/random.hpp"

#include <openssl/rand.h>

#include <array>
#include <climits>

#include "jwtservice/errors.hpp"

namespace jwtservice::detail {

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > static_cast<std::size_t>(INT_MAX) ||
      RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
    throw TokenCreationError("the CSPRNG (RAND_bytes) failed");
  }
  return out;
}

std::string random_uuid4() {
  std::array<unsigned char, 16> b{};
  if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1) {
    throw TokenCreationError("the CSPRNG (RAND_bytes) failed");
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10
  constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 0x0F];
  }
  return out;
}

}  // namespace jwtservice::detail
