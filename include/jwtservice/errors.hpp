// The exception hierarchy: what jwtservice throws for programmer, configuration and store errors.
#pragma once

#include <stdexcept>
#include <string>

#include "jwtservice/export.hpp"

namespace jwtservice {

/// Root of every exception jwtservice throws. Messages never contain a secret or a whole token.
class JWTSERVICE_API Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration value is missing or invalid; the message names the key
/// (`JWTSERVICE_LEEWAY must be a non-negative integer`).
class JWTSERVICE_API ConfigError : public Error {
 public:
  using Error::Error;
};

/// A caller passed an argument the contract forbids (blank sub, negative expires_in, ...).
class JWTSERVICE_API InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A token could not be created (randomness or MAC failure, or the rate limit below).
class JWTSERVICE_API TokenCreationError : public Error {
 public:
  using Error::Error;
};

/// The create rate limit is spent; retry later.
class JWTSERVICE_API RateLimitExceeded : public TokenCreationError {
 public:
  using TokenCreationError::TokenCreationError;
};

/// Reserved for callers that prefer exceptions to results: `validar` itself never throws for
/// anything a token can cause, it returns a result with a reason.
class JWTSERVICE_API TokenValidationError : public Error {
 public:
  using Error::Error;
};

/// A revocation store failed to answer; revocation cannot be confirmed (fail closed).
class JWTSERVICE_API StoreError : public Error {
 public:
  using Error::Error;
};

}  // namespace jwtservice
