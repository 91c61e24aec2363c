// The test oracle for the strict JSON rules: nlohmann's own parser, made strict, which the
// library's DOM-free claim reader (jwtservice/detail/claims.hpp) is checked against. Test
// support only (tests, fuzzers, benchmarks): the installed library does not contain it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "jwtservice/detail/claims.hpp"  // max_json_depth

namespace jwtservice::detail {

/// Parses `text` as exactly one JSON value into `out`. Refuses, without throwing: a byte-order
/// mark, invalid UTF-8 or a lone surrogate, a member name repeated in any object, nesting
/// deeper than max_json_depth, numbers outside the double range, and trailing content.
/// The parser is iterative, so hostile nesting never deepens the C++ stack.
[[nodiscard]] bool parse_json_strict(std::string_view text, nlohmann::json& out) noexcept;

/// A NumericDate (RFC 7519 §2): an integer, or a decimal truncated toward zero, that fits a
/// signed 64-bit integer. Booleans, strings, null and larger numbers give nullopt.
/// The DOM cannot tell an integer literal just below INT64_MIN (which nlohmann stores as the
/// double -2^63) from -2^63 itself, so this one accepts it; the validation path reads
/// NumericDates from the text (detail/claims.hpp) and refuses it. Used as a test reference.
[[nodiscard]] std::optional<std::int64_t> numeric_date(const nlohmann::json& value) noexcept;

}  // namespace jwtservice::detail
