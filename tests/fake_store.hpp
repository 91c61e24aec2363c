// Test support: a RevocationStore whose answers, failures and calls a test controls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/revocation.hpp"

namespace jwtservice::testing {

/// Answers from a set of revoked jtis; counts calls, remembers each TTL revoked with, throws on
/// demand (a std::exception, or a non-standard one) and can run a hook (advance a clock, say) on
/// each call. Not for concurrent revokes.
struct FakeStore {
  std::set<std::string, std::less<>> revoked;
  std::vector<std::int64_t> ttls;
  bool fail = false;
  bool fail_non_std = false;
  std::function<void()> on_call;
  std::atomic<int> calls{0};

  bool is_revoked(std::string_view jti) {
    enter();
    return revoked.contains(jti);
  }
  bool revoke(std::string_view jti, std::int64_t ttl, const RevocationMetadata& /*meta*/) {
    enter();
    ttls.push_back(ttl);
    return ttl > 0 && revoked.emplace(jti).second;
  }

 private:
  void enter() {
    ++calls;
    if (on_call) on_call();
    if (fail) throw std::runtime_error("connection refused");
    if (fail_non_std) throw 42;
  }
};

}  // namespace jwtservice::testing
