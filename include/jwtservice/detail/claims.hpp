// The strict claim reader: one validating pass over a header or payload that records where the
// members of interest are, without building a DOM.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace jwtservice::detail {

/// Objects and arrays nested deeper than this are refused (the top-level value is depth 1).
inline constexpr std::size_t max_json_depth = 64;

enum class JsonType : std::uint8_t { absent, null, boolean, number, string, array, object };

/// Where one member's value sits in the text. For strings, `raw` is the content between the
/// quotes, still escaped when `escaped`; for everything else, the value's whole text.
struct JsonSpan {
  JsonType type = JsonType::absent;
  bool escaped = false;
  std::string_view raw;

  [[nodiscard]] bool present() const noexcept { return type != JsonType::absent; }
};

/// The top-level members a payload is checked for.
struct ClaimSpans {
  JsonSpan sub, iat, nbf, exp, iss, aud, action, jti, bnd, extra_data;
};

/// The top-level members a header is checked for.
struct HeaderSpans {
  JsonSpan alg, typ, crit, b64;
};

/// Validates `text` as exactly one JSON object under the strict rules (no BOM, no NUL, valid
/// UTF-8 and surrogates, no repeated member name in any object, depth <= max_json_depth,
/// numbers within the double range, nothing after the value) and records the top-level
/// claims. False for anything else. Never throws, never recurses; works in thread-local
/// scratch space, so it does not allocate once a thread has seen its largest payload.
[[nodiscard]] bool read_claims(std::string_view text, ClaimSpans& out) noexcept;

/// The same rules, recording the header members.
[[nodiscard]] bool read_header(std::string_view text, HeaderSpans& out) noexcept;

/// True when `text` is exactly one JSON value of any type (object, array, string, number,
/// literal) under the rules of read_claims. Never throws, never recurses.
[[nodiscard]] bool is_strict_json(std::string_view text) noexcept;

/// `text` as a JSON object when read_claims would accept it, else nullopt: the strict parser
/// for JSON from outside a token (the command line's --extra-data, say). The text is validated
/// by the iterative reader before anything is built, so hostile nesting never reaches a
/// recursive parser. Never throws: an allocation failure is nullopt too.
///
/// **Example**: `parse_strict_object(R"({"a":1,"a":2})")` is nullopt (a repeated name).
[[nodiscard]] std::optional<nlohmann::json> parse_strict_object(std::string_view text) noexcept;

/// A NumericDate from a recorded number: an integer, or a decimal truncated toward zero, that
/// fits a signed 64-bit integer. Nullopt for any other type or value.
[[nodiscard]] std::optional<std::int64_t> numeric_date(const JsonSpan& value) noexcept;

/// True when the string value equals `expected` after unescaping.
[[nodiscard]] bool string_equals(const JsonSpan& value, std::string_view expected) noexcept;

/// The string value, unescaped.
[[nodiscard]] std::string string_value(const JsonSpan& value);

/// The recorded value as nlohmann::json, equal to what `nlohmann::json::parse` gives for the
/// same text, built straight from the already validated text (no second lexing pass).
[[nodiscard]] nlohmann::json json_value(const JsonSpan& value);

/// Calls `f(JsonSpan)` for each member of an array that is_string_array accepted, in order,
/// until `f` returns true; returns whether it did. Throws what `f` throws.
template <class F>
bool find_string(const JsonSpan& array, F&& f) noexcept(std::is_nothrow_invocable_v<F&, const JsonSpan&>);

/// The length of the well-formed UTF-8 sequence that starts `s` (RFC 3629), 0 when ill-formed.
[[nodiscard]] std::size_t utf8_sequence_length(std::string_view s) noexcept;

/// Reads the array once: true when every member is a string.
[[nodiscard]] inline bool is_string_array(const JsonSpan& array) noexcept;

// --- implementation of the template ---------------------------------------------------------

namespace claims_internal {
inline bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

enum class Walk { stopped, ended, not_a_string };

/// The one walker over an array the reader has validated: calls `f(JsonSpan)` for each member,
/// in order, while they are strings. Only the text's shape is followed (it is known to be JSON).
template <class F>
Walk walk_strings(std::string_view t, F& f) noexcept(std::is_nothrow_invocable_v<F&, const JsonSpan&>) {
  std::size_t i = 1;  // past '['
  while (is_ws(t[i]))
    ++i;
  while (t[i] != ']') {
    if (t[i] != '"') return Walk::not_a_string;
    const std::size_t start = ++i;
    bool escaped = false;
    for (; t[i] != '"'; ++i) {
      if (t[i] == '\\') {
        escaped = true;
        ++i;
      }
    }
    if (f(JsonSpan{JsonType::string, escaped, t.substr(start, i - start)})) return Walk::stopped;
    ++i;
    while (is_ws(t[i]))
      ++i;
    if (t[i] == ',') ++i;
    while (is_ws(t[i]))
      ++i;
  }
  return Walk::ended;
}
}  // namespace claims_internal

template <class F>
bool find_string(const JsonSpan& array, F&& f) noexcept(std::is_nothrow_invocable_v<F&, const JsonSpan&>) {
  return claims_internal::walk_strings(array.raw, f) == claims_internal::Walk::stopped;
}

bool is_string_array(const JsonSpan& array) noexcept {
  if (array.type != JsonType::array) return false;
  auto keep_going = [](const JsonSpan&) noexcept { return false; };
  return claims_internal::walk_strings(array.raw, keep_going) == claims_internal::Walk::ended;
}

}  // namespace jwtservice::detail
