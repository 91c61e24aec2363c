// Randomness from OpenSSL's CSPRNG: token ids and secrets.
#pragma once

#include <cstddef>
#include <string>

namespace jwtservice::detail {

/// A random UUID version 4 (RFC 9562 §5.4), lower-case, from RAND_bytes.
/// Throws TokenCreationError when the CSPRNG fails.
[[nodiscard]] std::string random_uuid4();

/// `count` random bytes from RAND_bytes; throws TokenCreationError when the CSPRNG fails.
[[nodiscard]] std::string random_bytes(std::size_t count);

}  // namespace jwtservice::detail
