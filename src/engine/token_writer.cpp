// The token writer: what criar checks, writes and signs (docs/validation.md, "Creating").
#include "engine/token_writer.hpp"

#include <array>
#include <charconv>
#include <cmath>

#include "engine/token_decoder.hpp"
#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/claims.hpp"
#include "jwtservice/detail/random.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

using json = nlohmann::json;

/// extra_data sits one level below the payload, whose limit is max_json_depth.
constexpr std::size_t kMaxExtraDataDepth = max_json_depth - 1;

/// Throws InvalidArgument when `value` nests deeper than `depth_left` levels or holds a
/// number JSON cannot carry. The recursion stops at the limit, so it is bounded too.
void check_extra_value(const json& value, std::size_t depth_left) {
  if (value.is_number_float() && !std::isfinite(value.get<double>())) {
    throw InvalidArgument("extra_data must not hold NaN or infinity (JSON has no such numbers)");
  }
  if (!value.is_structured()) return;
  if (depth_left == 0) {
    throw InvalidArgument("extra_data is nested deeper than " + std::to_string(kMaxExtraDataDepth) +
                          " levels, the most a token's payload may carry");
  }
  for (const auto& member : value)
    check_extra_value(member, depth_left - 1);
}

/// Appends `s` as a JSON string (UTF-8 kept as is, control characters escaped); invalid UTF-8
/// becomes InvalidArgument naming `field`. Runs of bytes that need no escape are copied whole.
void append_json_string(std::string& out, std::string_view s, std::string_view field) {
  out += '"';
  std::size_t run = 0;  // the start of the bytes not yet copied
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_sequence_length(s.substr(i));
      if (n == 0) throw InvalidArgument(std::string{field} + " must be valid UTF-8");
      i += n;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    out.append(s.substr(run, i - run));
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out += hex_digits[c >> 4];
        out += hex_digits[c & 0x0F];
    }
    run = ++i;
  }
  out.append(s.substr(run));
  out += '"';
}

void append_int(std::string& out, std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  out.append(buffer.data(), end);
}

/// `,"name":"value"` with `value` escaped.
void append_string_claim(std::string& out, std::string_view name, std::string_view value,
                         std::string_view field) {
  out += ",\"";
  out += name;
  out += "\":";
  append_json_string(out, value, field);
}

/// The claims of the payload, in the Python package's order, `bnd` after `jti`.
std::string write_payload(const CreateRequest& request, std::int64_t now, const Config& config,
                          const Keyring& keys, std::string* drawn_jti) {
  std::string payload;
  payload.reserve(200 + request.sub.size() + config.issuer.size());
  payload += "{\"sub\":";
  append_json_string(payload, request.sub, "sub");
  payload += ",\"iat\":";
  append_int(payload, now);
  payload += ",\"nbf\":";
  append_int(payload, now);
  if (request.expires_in > 0) {
    payload += ",\"exp\":";
    append_int(payload, now + request.expires_in);
  }
  append_string_claim(payload, "iss", config.issuer, "JWTSERVICE_ISSUER");
  if (request.audience) {
    append_string_claim(payload, "aud", *request.audience, "audience");
  } else if (config.audience) {
    append_string_claim(payload, "aud", *config.audience, "JWTSERVICE_AUDIENCE");
  }
  if (request.action) append_string_claim(payload, "action", *request.action, "action");
  if (request.jti) {
    append_string_claim(payload, "jti", *request.jti, "jti");
  } else {
    payload += R"(,"jti":")";
    const std::size_t at = payload.size();
    append_uuid4(payload);  // hex and dashes: nothing to escape
    if (drawn_jti != nullptr) drawn_jti->assign(payload, at, payload.size() - at);
    payload += '"';
  }
  if (request.binding) {
    // The state itself never enters the token: only its keyed digest, bound to sub.
    const BindingText bnd = keys.binding(0, request.sub, *request.binding);
    append_string_claim(payload, "bnd", std::string_view{bnd.data(), bnd.size()}, "binding");
  }
  if (request.extra_data != nullptr && !request.extra_data->is_null()) {
    payload += ",\"extra_data\":";
    try {
      payload += request.extra_data->dump();
    } catch (const json::type_error&) {
      throw InvalidArgument("extra_data must be valid UTF-8");
    }
  }
  payload += '}';
  return payload;
}

}  // namespace

void check_create_request(const CreateRequest& request) {
  if (request.action_unlisted) throw InvalidArgument("action is not listed in action_traits");
  if (is_blank(request.sub)) throw InvalidArgument("sub must not be blank");
  if (request.expires_in < 0) throw InvalidArgument("expires_in must not be negative");
  if (request.jti && is_blank(*request.jti)) throw InvalidArgument("jti must not be blank");
  if (request.audience && is_blank(*request.audience)) throw InvalidArgument("audience must not be blank");
  if (request.binding && request.binding->empty()) throw InvalidArgument("binding must not be empty");
  const json* extra = request.extra_data;
  if (extra != nullptr && !extra->is_null()) {
    if (!extra->is_object()) throw InvalidArgument("extra_data must be a JSON object or null");
    check_extra_value(*extra, kMaxExtraDataDepth);
  }
}

std::string write_signing_input(const CreateRequest& request, std::int64_t now, const Config& config,
                                const Keyring& keys, std::string* drawn_jti) {
  if (request.expires_in > 0 && now > int64_max - request.expires_in) {
    throw InvalidArgument("expires_in is too large: exp would overflow");
  }
  const std::string payload = write_payload(request, now, config, keys, drawn_jti);
  const std::size_t signed_size = kHeaderB64.size() + 1 + base64url_encoded_size(payload.size()) + 1 +
                                  base64url_encoded_size(Mac256{}.size());
  if (signed_size > config.max_token_bytes) {
    throw InvalidArgument(
        "the token would be " + std::to_string(signed_size) + " bytes, over JWTSERVICE_MAX_TOKEN_BYTES (" +
        std::to_string(config.max_token_bytes) + "), so validation would refuse it; make extra_data smaller");
  }
  std::string token;
  token.reserve(signed_size);
  token += kHeaderB64;
  token += '.';
  base64url_encode_append(payload, token);
  return token;
}

void append_signature(std::string& signing_input, const Keyring& keys) {
  Mac256 mac{};
  try {
    mac = keys.sign(signing_input);
  } catch (const std::runtime_error& e) {
    throw TokenCreationError(e.what());
  }
  signing_input += '.';
  base64url_encode_append(std::string_view{reinterpret_cast<const char*>(mac.data()), mac.size()},
                          signing_input);
}

}  // namespace jwtservice::detail
