// libFuzzer target for the strict JSON readers: parse_json_strict never crashes or throws, never
// recurses with the input's depth, and accepts only what nlohmann::json accepts, minus BOM, NUL,
// repeated names and nesting beyond max_json_depth; what it accepts round-trips through dump().
// Where the DOM-free claim reader (detail/claims.hpp) exists, it must accept exactly the objects
// parse_json_strict accepts and record every claim and header member as the DOM holds it.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/json_strict.hpp"

#if __has_include("jwtservice/detail/claims.hpp")
#include <charconv>
#include <cmath>

#include "jwtservice/detail/claims.hpp"
#define JWTSERVICE_FUZZ_CLAIMS 1
#endif

namespace {

using json = nlohmann::json;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_json_strict finding: %s\n", what);
  std::abort();
}

/// The nesting depth of `root` (the top-level value counts 1 when it is a container), iteratively.
std::size_t depth_of(const json& root) {
  std::size_t deepest = 0;
  std::vector<std::pair<const json*, std::size_t>> todo{{&root, 1}};
  while (!todo.empty()) {
    const auto [value, d] = todo.back();
    todo.pop_back();
    if (!value->is_structured()) continue;
    if (d > deepest) deepest = d;
    for (const auto& child : *value)
      todo.emplace_back(&child, d + 1);
  }
  return deepest;
}

#ifdef JWTSERVICE_FUZZ_CLAIMS
namespace d = jwtservice::detail;

/// docs/validation.md NumericDate from a number literal: an integer literal must fit int64 exactly; a
/// decimal is read as a double, truncated toward zero, and must then fit.
std::optional<std::int64_t> reference_numeric_date(std::string_view literal) {
  if (literal.find_first_of(".eE") == std::string_view::npos) {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), n);
    if (ec != std::errc{} || end != literal.data() + literal.size()) return std::nullopt;
    return n;
  }
  const double t = std::trunc(json::parse(literal).get<double>());
  if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0)) return std::nullopt;
  return static_cast<std::int64_t>(t);
}

d::JsonType type_of(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return d::JsonType::null;
    case json::value_t::boolean: return d::JsonType::boolean;
    case json::value_t::string: return d::JsonType::string;
    case json::value_t::array: return d::JsonType::array;
    case json::value_t::object: return d::JsonType::object;
    default: return d::JsonType::number;
  }
}

/// One recorded member against the DOM's value of the same name.
void check_span(const json& dom, const char* name, const d::JsonSpan& span) {
  const auto it = dom.find(name);
  if ((it != dom.end()) != span.present())
    finding("the claim reader and the DOM disagree on a member's presence");
  if (it == dom.end()) return;
  if (type_of(*it) != span.type) finding("the claim reader and the DOM disagree on a member's type");
  switch (span.type) {
    case d::JsonType::string: {
      const auto& value = it->get_ref<const std::string&>();
      if (d::string_value(span) != value) finding("string_value differs from the DOM's string");
      if (!d::string_equals(span, value)) finding("string_equals refuses the DOM's own string");
      if (d::string_equals(span, value + "x")) finding("string_equals accepts a longer string");
      break;
    }
    case d::JsonType::number:
      if (json::parse(span.raw) != *it) finding("a recorded number differs from the DOM's");
      if (d::numeric_date(span) != reference_numeric_date(span.raw)) finding("numeric_date is wrong");
      break;
    case d::JsonType::array: {
      if (json::parse(span.raw) != *it) finding("a recorded array differs from the DOM's");
      bool all_strings = true;
      for (const auto& m : *it)
        all_strings = all_strings && m.is_string();
      if (d::is_string_array(span) != all_strings) finding("is_string_array is wrong");
      if (!all_strings) break;
      std::size_t i = 0;
      const bool stopped = d::find_string(span, [&](const d::JsonSpan& m) {
        if (i >= it->size() || d::string_value(m) != (*it)[i].get_ref<const std::string&>()) {
          finding("find_string visits members the DOM does not have");
        }
        ++i;
        return false;
      });
      if (stopped || i != it->size()) finding("find_string does not visit every member once");
      break;
    }
    case d::JsonType::object:
      if (json::parse(span.raw) != *it) finding("a recorded object differs from the DOM's");
      break;
    default:
      if (d::numeric_date(span).has_value()) finding("numeric_date accepts a non-number");
      break;
  }
}

/// read_claims, read_header and parse_strict_object accept exactly the objects
/// parse_json_strict accepts (is_strict_json exactly its values of any type), record every
/// member of interest as the DOM holds it, and build the same value.
void check_claim_reader(std::string_view text, bool strict_ok, const json& strict) {
  const bool object = strict_ok && strict.is_object();
  d::ClaimSpans claims;
  if (d::read_claims(text, claims) != object) finding("read_claims and parse_json_strict disagree");
  d::HeaderSpans header;
  if (d::read_header(text, header) != object) finding("read_header and parse_json_strict disagree");
  if (d::is_strict_json(text) != strict_ok) finding("is_strict_json and parse_json_strict disagree");
  const auto parsed = d::parse_strict_object(text);
  if (parsed.has_value() != object) finding("parse_strict_object and parse_json_strict disagree");
  if (parsed && *parsed != strict) finding("parse_strict_object built a value different from the DOM");
  if (!object) return;
  check_span(strict, "sub", claims.sub);
  check_span(strict, "iat", claims.iat);
  check_span(strict, "nbf", claims.nbf);
  check_span(strict, "exp", claims.exp);
  check_span(strict, "iss", claims.iss);
  check_span(strict, "aud", claims.aud);
  check_span(strict, "action", claims.action);
  check_span(strict, "jti", claims.jti);
  check_span(strict, "extra_data", claims.extra_data);
  check_span(strict, "alg", header.alg);
  check_span(strict, "typ", header.typ);
  check_span(strict, "crit", header.crit);
  check_span(strict, "b64", header.b64);
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace d = jwtservice::detail;
  const std::string_view text{reinterpret_cast<const char*>(data), size};
  json strict;
  const bool strict_ok = d::parse_json_strict(text, strict);
#ifdef JWTSERVICE_FUZZ_CLAIMS
  check_claim_reader(text, strict_ok, strict);
#endif
  if (!strict_ok) return 0;

  // Accepted: within the depth limit, and the same value plain nlohmann::json reads.
  if (depth_of(strict) > d::max_json_depth) finding("accepted nesting deeper than max_json_depth");
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") finding("accepted a byte-order mark");
  if (text.find('\0') != std::string_view::npos) finding("accepted a NUL byte");
  const json lenient = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (lenient.is_discarded()) finding("accepted a text nlohmann::json refuses");
  if (lenient != strict) finding("read a value different from nlohmann::json's");

  // Its strings are valid UTF-8, so dump() cannot throw, and the dump reads back the same.
  std::string dumped;
  try {
    dumped = strict.dump();
  } catch (const json::exception&) {
    finding("an accepted value cannot be serialised (invalid UTF-8 got through)");
  }
  json again;
  if (!d::parse_json_strict(dumped, again)) finding("the dump of an accepted value is refused");
  if (again != strict) finding("the dump of an accepted value reads back differently");
  return 0;
}
