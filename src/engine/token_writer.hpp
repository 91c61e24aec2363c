// Token creation: the request's checks, the payload, and the signed compact form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/keyring.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/detail/engine.hpp"

namespace jwtservice::detail {

/// Throws InvalidArgument for a request whose token validation would refuse or that breaks a
/// rule of criar: an action not in action_traits, blank sub, jti or audience, negative expires_in, an empty
/// binding, an extra_data that is not an object, is nested deeper than 63 levels, or holds NaN or infinity.
/// Messages name the field or the limit, never the data.
void check_create_request(const CreateRequest& request);

/// The signing input `header.payload` of a token issued at `now`, claims in the order the
/// Python package writes them (then `bnd` after `jti`). The jti is the request's, or a random
/// UUID v4 written straight into the payload (and copied to `drawn_jti` when it is not null).
/// Throws InvalidArgument for text that is not UTF-8, or when the signed token would be longer
/// than `config.max_token_bytes`; TokenCreationError when the CSPRNG fails.
[[nodiscard]] std::string write_signing_input(const CreateRequest& request, std::int64_t now,
                                              const Config& config, const Keyring& keys,
                                              std::string* drawn_jti);

/// Appends `.signature` (SECRET_KEY's MAC of the signing input) to make the token; throws
/// TokenCreationError when the MAC fails.
void append_signature(std::string& signing_input, const Keyring& keys);

}  // namespace jwtservice::detail
