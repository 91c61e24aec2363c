// Steps 6 to 15 of the documented order of checks (docs/validation.md), one function each.
#include "engine/claim_checks.hpp"

#include "jwtservice/detail/saturating.hpp"

namespace jwtservice::detail {

Reason ClaimChecker::issued_at() noexcept {
  if (!claims_.iat.present()) return request_.max_age ? Reason::invalid_iat : Reason::none;
  iat_ = numeric_date(claims_.iat);
  if (!iat_ || *iat_ > sat_add(now_, config_.leeway)) return Reason::invalid_iat;
  return Reason::none;
}

Reason ClaimChecker::not_before() const noexcept {
  return token_.nbf && *token_.nbf > sat_add(now_, config_.leeway) ? Reason::immature : Reason::none;
}

Reason ClaimChecker::expiry() const noexcept {
  // A token is expired AT its exp second: exp - now + leeway <= 0, in a form that stays exact
  // where now - leeway would underflow. max_age ends the token at iat + max_age the same way.
  if (token_.exp && sat_add(sat_sub(*token_.exp, now_), config_.leeway) <= 0) return Reason::expired;
  // iat + max_age <= t - L, as max_age <= (t - L) - iat: saturating either difference keeps
  // the comparison exact (iat + max_age itself could pass INT64_MAX).
  if (request_.max_age && *request_.max_age <= sat_sub(sat_sub(now_, config_.leeway), *iat_)) {
    return Reason::expired;
  }
  return Reason::none;
}

Reason ClaimChecker::issuer() const noexcept {
  return string_equals(claims_.iss, config_.issuer) ? Reason::none : Reason::invalid_issuer;
}

Reason ClaimChecker::audience() {
  // Checked only when an audience is expected (by the call, else by the config).
  const ExpectedAudience& expected = request_.audience;
  const bool audience_expected = !expected.use_config() || config_.audience.has_value();
  auto accepted = [&](const JsonSpan& aud) {
    if (!audience_expected) return true;
    if (expected.use_config()) return string_equals(aud, *config_.audience);
    return aud.escaped ? expected.contains(string_value(aud)) : expected.contains(aud.raw);
  };
  if (claims_.aud.type == JsonType::string) {
    if (!accepted(claims_.aud)) return Reason::invalid_audience;
    matched_aud_ = claims_.aud;
  } else if (claims_.aud.present()) {
    // A list reports the member that matched, or its first member when nothing was expected.
    JsonSpan member;
    if (find_string(claims_.aud, [&](const JsonSpan& m) {
          member = m;
          return accepted(m);
        })) {
      matched_aud_ = member;
    } else if (audience_expected) {
      return Reason::invalid_audience;
    }
  } else if (audience_expected) {
    return Reason::invalid_audience;
  }
  return Reason::none;
}

Reason ClaimChecker::subject() const noexcept {
  // An escape always decodes to at least one character, so raw emptiness is the test.
  return claims_.sub.type == JsonType::string && !claims_.sub.raw.empty() ? Reason::none
                                                                          : Reason::missing_sub;
}

Reason ClaimChecker::action() {
  if (!claims_.action.present()) return Reason::none;
  if (claims_.action.type != JsonType::string) return Reason::invalid_action;
  action_ = claims_.action.escaped ? request_.action_index(string_value(claims_.action))
                                   : request_.action_index(claims_.action.raw);
  return action_ < 0 ? Reason::invalid_action : Reason::none;
}

Reason ClaimChecker::expected_action() const noexcept {
  // An expected NO_ACTION does not match a token without an action claim: absent is -1.
  if (!request_.action) return Reason::none;
  return action_ >= 0 && static_cast<std::size_t>(action_) == *request_.action ? Reason::none
                                                                               : Reason::action_mismatch;
}

Reason ClaimChecker::extra_data() const noexcept {
  return !claims_.extra_data.present() || claims_.extra_data.type == JsonType::object
             ? Reason::none
             : Reason::invalid_extra_data;
}

Reason ClaimChecker::binding() const {
  // Both sides or neither: a bound token needs its state, and a state needs a bound token.
  if (!claims_.bnd.present() && !request_.binding) return Reason::none;
  if (!claims_.bnd.present() || !request_.binding) return Reason::binding_mismatch;
  // An empty state counts as given and never matches (criar refuses to bind to one).
  if (request_.binding->empty()) return Reason::binding_mismatch;
  // Recomputed with the key that verified the MAC, so tokens of a fallback key keep working.
  const std::string sub = string_value(claims_.sub);
  const bool same =
      claims_.bnd.escaped
          ? keys_.binding_matches(token_.key_index, sub, *request_.binding, string_value(claims_.bnd))
          : keys_.binding_matches(token_.key_index, sub, *request_.binding, claims_.bnd.raw);
  return same ? Reason::none : Reason::binding_mismatch;
}

void ClaimChecker::fill(Verdict& v) const {
  v.sub = string_value(claims_.sub);
  if (action_ >= 0) v.action = static_cast<std::size_t>(action_);
  if (iat_) v.age = sat_sub(now_, *iat_);
  if (token_.exp) v.expires_in = sat_sub(*token_.exp, now_);
  if (matched_aud_) v.aud = string_value(*matched_aud_);
  // The reader has already held the object to every strict rule; it is only built here.
  if (claims_.extra_data.present()) v.extra_data = json_value(claims_.extra_data);
  if (claims_.jti.type == JsonType::string) v.jti = string_value(claims_.jti);
}

}  // namespace jwtservice::detail
