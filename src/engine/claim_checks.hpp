// Steps 6 to 15 of validation: the claim checks, one small function per check, in order.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/keyring.hpp"
#include "engine/token_decoder.hpp"
#include "jwtservice/config.hpp"
#include "jwtservice/detail/engine.hpp"
#include "jwtservice/result.hpp"

namespace jwtservice::detail {

/// Checks the claims of one decoded token at time `now` against what the call expects. Each
/// member function is one step of the documented order and returns its reason or
/// Reason::none; call them in order, since later steps use what earlier ones read (iat, the
/// matched audience, the action).
class ClaimChecker {
 public:
  ClaimChecker(const DecodedToken& token, std::int64_t now, const ValidateRequest& request,
               const Config& config, const Keyring& keys) noexcept
      : token_(token), claims_(token.claims), now_(now), request_(request), config_(config), keys_(keys) {}

  [[nodiscard]] Reason issued_at() noexcept;              ///< 6. invalid_iat
  [[nodiscard]] Reason not_before() const noexcept;       ///< 7. immature
  [[nodiscard]] Reason expiry() const noexcept;           ///< 8. expired (exp, and max_age)
  [[nodiscard]] Reason issuer() const noexcept;           ///< 9. invalid_issuer
  [[nodiscard]] Reason audience();                        ///< 10. invalid_audience
  [[nodiscard]] Reason subject() const noexcept;          ///< 11. missing_sub
  [[nodiscard]] Reason action();                          ///< 12. invalid_action
  [[nodiscard]] Reason expected_action() const noexcept;  ///< 13. action_mismatch
  [[nodiscard]] Reason extra_data() const noexcept;       ///< 14. invalid_extra_data
  [[nodiscard]] Reason binding() const;                   ///< 15. binding_mismatch

  /// The claims a valid token reports, after every step above passed.
  void fill(Verdict& v) const;

 private:
  const DecodedToken& token_;
  const ClaimSpans& claims_;
  std::int64_t now_;
  const ValidateRequest& request_;
  const Config& config_;
  const Keyring& keys_;
  std::optional<std::int64_t> iat_;
  std::optional<JsonSpan> matched_aud_;  // the aud (or list member) reported
  int action_ = -1;                      // the token's action, as an index; -1 = none
};

}  // namespace jwtservice::detail
