// Randomness from OpenSSL's CSPRNG: token ids and secrets.
#pragma once

#include <cstddef>
#include <string>

namespace jwtservice::detail {

/// Appends a random UUID version 4 (RFC 9562 §5.4), lower-case, to `out`. The bytes come from
/// RAND_bytes, drawn 32 UUIDs at a time into a per-thread pool that a fork() discards, so a
/// parent and its child never hand out the same ids. Throws TokenCreationError when the CSPRNG
/// fails.
void append_uuid4(std::string& out);

/// `count` random bytes straight from RAND_bytes; throws TokenCreationError when it fails.
[[nodiscard]] std::string random_bytes(std::size_t count);

}  // namespace jwtservice::detail
