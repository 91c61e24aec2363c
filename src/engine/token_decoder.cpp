// Steps 3 to 5 of the documented order of checks (docs/validation.md): a token taken apart.
#include "engine/token_decoder.hpp"

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/text.hpp"

namespace jwtservice::detail {
namespace {

/// Step 3's header rules: a JSON object whose alg is exactly the configured algorithm, without
/// crit or b64, and whose typ, if present, names a JWT.
bool header_acceptable(std::string_view header_text, std::string_view algorithm) noexcept {
  HeaderSpans header;
  if (!read_header(header_text, header)) return false;
  // The algorithm belongs to the key (the config), never to the token.
  if (!string_equals(header.alg, algorithm)) return false;
  // crit and b64 (RFC 7797) ask for processing jwtservice does not do: refuse, never ignore.
  if (header.crit.present() || header.b64.present()) return false;
  if (!header.typ.present()) return true;
  if (header.typ.type != JsonType::string) return false;
  try {
    const std::string typ = string_value(header.typ);  // only headers not written by us get here
    return iequals(typ, "JWT") || iequals(typ, "application/jwt");
  } catch (...) {
    return false;  // out of memory: refuse
  }
}

/// Decodes one canonical base64url segment into `buffer`; nullopt when not canonical.
std::optional<std::string_view> decode_segment(std::string_view segment, SegmentBuffer& buffer) {
  const auto size = base64url_decoded_size(segment.size());
  if (!size) return std::nullopt;
  char* out = buffer.reserve(*size);
  if (!base64url_decode(segment, reinterpret_cast<unsigned char*>(out))) return std::nullopt;
  return std::string_view{out, *size};
}

/// Step 5: the payload is one strict JSON object whose registered claims have usable types.
bool payload_acceptable(std::string_view text, DecodedToken& out) noexcept {
  ClaimSpans& claims = out.claims;
  if (!read_claims(text, claims)) return false;
  if (claims.nbf.present() && !(out.nbf = numeric_date(claims.nbf))) return false;
  if (claims.exp.present() && !(out.exp = numeric_date(claims.exp))) return false;
  if (claims.iss.present() && claims.iss.type != JsonType::string) return false;
  if (claims.aud.present() && claims.aud.type != JsonType::string && !is_string_array(claims.aud))
    return false;
  return !claims.bnd.present() || claims.bnd.type == JsonType::string;
}

}  // namespace

Reason decode_token(std::string_view token, const Config& config, const Keyring& keys, DecodedToken& out) {
  // 3. invalid: size first, before any decoding; then exactly three canonical segments.
  if (token.size() > config.max_token_bytes) return Reason::invalid;
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Reason::invalid;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Reason::invalid;
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view signature_b64 = token.substr(dot2 + 1);
  const auto payload_text = decode_segment(payload_b64, out.payload);
  if (!payload_text || !base64url_is_canonical(signature_b64)) return Reason::invalid;
  // The header jwtservice writes is accepted by its exact bytes; any other is decoded and read.
  if (header_b64 != kHeaderB64) {
    SegmentBuffer header_buffer;
    const auto header_text = decode_segment(header_b64, header_buffer);
    if (!header_text || !header_acceptable(*header_text, config.algorithm)) return Reason::invalid;
  }

  // 4. bad_signature: a MAC of the wrong length is a mismatch too. Nothing of the payload has
  //    been parsed yet.
  Mac256 signature{};
  if (signature_b64.size() != base64url_encoded_size(signature.size()) ||
      !base64url_decode(signature_b64, signature.data())) {
    return Reason::bad_signature;
  }
  const auto key = keys.verify(token.substr(0, dot2), signature.data(), signature.size());
  if (!key) return Reason::bad_signature;
  out.key_index = *key;

  // 5. invalid: a malformed payload.
  return payload_acceptable(*payload_text, out) ? Reason::none : Reason::invalid;
}

}  // namespace jwtservice::detail
