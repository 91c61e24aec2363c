// The strict JSON oracle: nlohmann's iterative SAX parser feeding a DOM builder that refuses
// duplicate member names and deep nesting as it goes.
#include "support/json_strict.hpp"

#include "jwtservice/detail/saturating.hpp"

#include <cmath>
#include <string>
#include <vector>

namespace jwtservice::detail {
namespace {

using json = nlohmann::json;

class StrictDomBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit StrictDomBuilder(json& root) : root_(root) { stack_.reserve(8); }

  bool null() override { return add(nullptr) != nullptr; }
  bool boolean(bool v) override { return add(v) != nullptr; }
  bool number_integer(number_integer_t v) override { return add(v) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return add(v) != nullptr; }
  bool number_float(number_float_t v, const string_t& /*text*/) override { return add(v) != nullptr; }
  bool string(string_t& v) override { return add(std::move(v)) != nullptr; }
  bool binary(binary_t& /*v*/) override { return false; }  // never produced by the JSON lexer

  bool start_object(std::size_t /*elements*/) override { return open(json::value_t::object); }
  bool start_array(std::size_t /*elements*/) override { return open(json::value_t::array); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    json& object = *stack_.back();
    if (object.contains(name)) return false;  // a repeated member name: two parsers could disagree
    member_ = &object[std::move(name)];
    return true;
  }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) override {
    return false;
  }

 private:
  template <class Value>
  json* add(Value&& value) {
    if (stack_.empty()) {
      root_ = json(std::forward<Value>(value));
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.emplace_back(std::forward<Value>(value));
      return &parent.back();
    }
    *member_ = json(std::forward<Value>(value));
    return member_;
  }

  bool open(json::value_t type) {
    if (stack_.size() >= max_json_depth) return false;
    json* container = add(json(type));
    stack_.push_back(container);
    return true;
  }

  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> stack_;
  json* member_ = nullptr;
};

}  // namespace

bool parse_json_strict(std::string_view text, json& out) noexcept {
  // nlohmann silently skips a leading UTF-8 byte-order mark; RFC 8259 §8.1 forbids sending one.
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return false;
  }
  // nlohmann's lexer stops at a NUL byte as if the input ended there, so "{}\0{...}" would
  // parse as "{}". A raw NUL is never legal JSON text: refuse it outright.
  if (text.find('\0') != std::string_view::npos) return false;
  try {
    out = json();
    StrictDomBuilder builder{out};
    // strict = true: exactly one value, nothing after it but whitespace. The lexer refuses
    // invalid UTF-8 and lone surrogates; the parser refuses numbers beyond the double range.
    return json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json,
                           /*strict=*/true, /*ignore_comments=*/false);
  } catch (...) {
    return false;  // allocation failure: refuse, never propagate
  }
}

std::optional<std::int64_t> numeric_date(const json& value) noexcept {
  // get_ptr never throws: it answers nullptr for another type.
  if (const auto* u = value.get_ptr<const json::number_unsigned_t*>()) {
    if (*u > static_cast<json::number_unsigned_t>(int64_max)) return std::nullopt;
    return static_cast<std::int64_t>(*u);
  }
  if (const auto* i = value.get_ptr<const json::number_integer_t*>()) return *i;
  if (const auto* d = value.get_ptr<const json::number_float_t*>()) {
    const double truncated = std::trunc(*d);
    if (!(truncated >= -two_pow_63 && truncated < two_pow_63)) return std::nullopt;
    return static_cast<std::int64_t>(truncated);
  }
  return std::nullopt;
}

}  // namespace jwtservice::detail
