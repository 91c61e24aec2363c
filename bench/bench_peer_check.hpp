// The checks jwtservice makes beyond what a peer library checks itself (docs/validation.md steps 11-13):
// applied by the bench on the peers' decoded claims so that every contender does the same work.
#pragma once

#include <string_view>

namespace bench {

inline bool known_action(std::string_view name) noexcept {
  for (std::string_view known : {"NO_ACTION", "VALIDAR_EMAIL", "RESET_PASSWORD", "PENDING_2FA",
                                 "ACTIVATING_2FA", "PENDING_PASSWORD_CHANGE"}) {
    if (name == known) return true;
  }
  return false;
}

/// Peers' self-checks, run by main before any benchmark.
bool cppjwt_self_check();
bool libjwt_self_check();

}  // namespace bench
