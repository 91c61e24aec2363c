// The strict claim reader: an iterative, validating JSON scanner that records where the members
// of interest are. It accepts exactly what nlohmann's parser made strict accepts (the test
// oracle tests/support/json_strict.cpp; tests and a fuzz target compare the two), at a
// fraction of the cost, because it builds nothing.
#include "jwtservice/detail/claims.hpp"
#include "jwtservice/detail/saturating.hpp"
#include "jwtservice/detail/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <span>
#include <system_error>
#include <vector>

namespace jwtservice::detail {
namespace {

using claims_internal::is_ws;

/// A top-level member to record: its name and where to put its value.
struct Target {
  std::string_view name;
  JsonSpan* slot;
};

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

/// Bytes a string's content can take without a closer look: printable ASCII but '"' and '\\'.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c)
    table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return table;
}();

/// A member name as the duplicate check sees it: its (unescaped) text and a hash of it.
struct Key {
  std::string_view name;
  std::uint64_t hash;
  friend bool operator==(const Key& a, const Key& b) noexcept { return a.hash == b.hash && a.name == b.name; }
  friend bool operator<(const Key& a, const Key& b) noexcept {
    return a.hash != b.hash ? a.hash < b.hash : a.name < b.name;
  }
};

std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s)
    h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  return h;
}

/// Per-thread scratch space, reserved to the size of the text at hand: decoded member names
/// that had escapes, and the names of every object still open (for the duplicate check).
struct Scratch {
  std::string decoded;
  std::vector<Key> keys;
};

/// Four hex digits at p (bounds checked by the caller).
bool hex4(const char* p, std::uint32_t& out) noexcept {
  out = 0;
  for (int i = 0; i < 4; ++i) {
    const int v = hex_value(p[i]);
    if (v < 0) return false;
    out = (out << 4) | static_cast<std::uint32_t>(v);
  }
  return true;
}

/// The length of the well-formed UTF-8 sequence at p (RFC 3629 table 3-7), 0 if ill-formed.
std::size_t utf8_sequence(const char* p, const char* end) noexcept {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(p[i]); };
  const auto avail = static_cast<std::size_t>(end - p);
  const unsigned char c = b(0);
  auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < avail && b(i) >= lo && b(i) <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;  // no encoded surrogates
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;  // <= U+10FFFF
  return 0;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// Appends the unescaped form of string content that the scanner has already validated.
void unescape_append(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        std::uint32_t cp = 0;
        (void)hex4(raw.data() + i + 1, cp);
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low = 0;
          (void)hex4(raw.data() + i + 3, low);
          i += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(out, cp);
        break;
      }
      default: out += e;  // '"', '\\', '/'
    }
  }
}

/// A number literal whose integer form did not settle its range: false when it lies beyond
/// the double range (nlohmann refuses those too); values too small to represent are zero.
bool number_in_double_range(std::string_view literal) noexcept {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), value);
  if (ec == std::errc{}) return std::isfinite(value);
  if (ec != std::errc::result_out_of_range) return false;
  // Out of range: overflow or underflow. The decimal magnitude tells which.
  std::size_t i = literal[0] == '-' ? 1 : 0;
  std::int64_t magnitude = 0;  // digits before the point, without leading zeros
  bool nonzero = false;
  for (; i < literal.size() && is_digit(literal[i]); ++i) {
    nonzero = nonzero || literal[i] != '0';
    if (nonzero) ++magnitude;
  }
  if (i < literal.size() && literal[i] == '.') {
    for (++i; i < literal.size() && is_digit(literal[i]); ++i) {
      if (nonzero) continue;
      if (literal[i] != '0') break;  // the first significant digit: the magnitude is known
      --magnitude;
    }
    while (i < literal.size() && is_digit(literal[i]))
      ++i;
  }
  std::int64_t exponent = 0;
  if (i < literal.size() && (literal[i] == 'e' || literal[i] == 'E')) {
    ++i;
    const bool negative = i < literal.size() && literal[i] == '-';
    if (i < literal.size() && (literal[i] == '-' || literal[i] == '+')) ++i;
    for (; i < literal.size(); ++i)
      exponent = std::min<std::int64_t>(exponent * 10 + (literal[i] - '0'), 1'000'000);
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent <= 0;  // underflow: the value rounds to zero (or a subnormal)
}

class Scanner {
 public:
  /// `any_value`: the text may be any one JSON value, not only an object.
  Scanner(std::string_view text, std::span<const Target> targets, Scratch& scratch, bool any_value) noexcept
      : p_(text.data()),
        end_(text.data() + text.size()),
        targets_(targets),
        scratch_(scratch),
        any_value_(any_value) {}

  bool run() {
    scratch_.decoded.clear();
    scratch_.decoded.reserve(end_ - p_);
    scratch_.keys.clear();
    scratch_.keys.reserve(static_cast<std::size_t>(end_ - p_) / 4 + 1);
    skip_ws();
    if (p_ == end_ || (*p_ != '{' && !any_value_)) return false;  // headers and payloads are objects
    enum class State { value, first_member, member, first_element, after_value } state = State::value;
    for (;;) {
      skip_ws();
      switch (state) {
        case State::value:
          if (p_ == end_) return false;
          if (*p_ == '{' || *p_ == '[') {
            if (depth_ == max_json_depth) return false;
            const bool object = *p_ == '{';
            if (depth_ == 1 && pending_ != nullptr) {
              pending_->type = object ? JsonType::object : JsonType::array;
              pending_start_ = p_;
            }
            stack_[depth_] = *p_;
            key_base_[depth_] = scratch_.keys.size();
            ++depth_;
            ++p_;
            state = object ? State::first_member : State::first_element;
            continue;
          }
          if (!scalar()) return false;
          state = State::after_value;
          continue;
        case State::first_member:
          if (p_ < end_ && *p_ == '}') {
            ++p_;
            if (!close()) return false;
            state = State::after_value;
            continue;
          }
          [[fallthrough]];
        case State::member:
          if (!member_name()) return false;
          skip_ws();
          if (p_ == end_ || *p_ != ':') return false;
          ++p_;
          state = State::value;
          continue;
        case State::first_element:
          if (p_ < end_ && *p_ == ']') {
            ++p_;
            if (!close()) return false;
            state = State::after_value;
            continue;
          }
          state = State::value;
          continue;
        case State::after_value:
          if (depth_ == 0) return p_ == end_;  // exactly one value, then only whitespace
          if (p_ == end_) return false;
          if (*p_ == ',') {
            ++p_;
            state = stack_[depth_ - 1] == '{' ? State::member : State::value;
            continue;
          }
          if (*p_ != (stack_[depth_ - 1] == '{' ? '}' : ']')) return false;
          ++p_;
          if (!close()) return false;
          continue;
      }
    }
  }

 private:
  void skip_ws() noexcept {
    while (p_ < end_ && is_ws(*p_))
      ++p_;
  }

  /// Closes the innermost container; for an object, refuses repeated member names.
  bool close() {
    --depth_;
    if (stack_[depth_] == '{') {
      auto& keys = scratch_.keys;
      const auto first = keys.begin() + static_cast<std::ptrdiff_t>(key_base_[depth_]);
      const auto count = static_cast<std::size_t>(keys.end() - first);
      if (count <= 16) {
        for (auto a = first; a != keys.end(); ++a) {
          for (auto b = a + 1; b != keys.end(); ++b) {
            if (*a == *b) return false;
          }
        }
      } else {
        std::sort(first, keys.end());
        if (std::adjacent_find(first, keys.end()) != keys.end()) return false;
      }
      keys.erase(first, keys.end());
    }
    if (depth_ == 1 && pending_ != nullptr) {
      pending_->raw = std::string_view{pending_start_, static_cast<std::size_t>(p_ - pending_start_)};
      pending_ = nullptr;
    }
    return true;
  }

  bool member_name() {
    if (p_ == end_ || *p_ != '"') return false;
    std::string_view raw;
    bool escaped = false;
    if (!string(raw, escaped)) return false;
    std::string_view name = raw;
    if (escaped) {
      const std::size_t at = scratch_.decoded.size();
      unescape_append(raw, scratch_.decoded);  // capacity reserved: views stay valid
      name = std::string_view{scratch_.decoded}.substr(at);
    }
    scratch_.keys.push_back(Key{name, fnv1a(name)});
    if (depth_ == 1) {  // only top-level members are recorded
      pending_ = nullptr;
      for (const auto& target : targets_) {
        if (target.name.size() == name.size() && target.name[0] == name[0] && target.name == name) {
          pending_ = target.slot;
          break;
        }
      }
    }
    return true;
  }

  bool scalar() {
    const char* start = p_;
    JsonType type = JsonType::number;
    bool escaped = false;
    std::string_view raw;
    switch (*p_) {
      case '"':
        if (!string(raw, escaped)) return false;
        type = JsonType::string;
        break;
      case 't':
        if (!literal("true")) return false;
        type = JsonType::boolean;
        break;
      case 'f':
        if (!literal("false")) return false;
        type = JsonType::boolean;
        break;
      case 'n':
        if (!literal("null")) return false;
        type = JsonType::null;
        break;
      default:
        if (!number()) return false;
    }
    if (depth_ == 1 && pending_ != nullptr) {
      pending_->type = type;
      pending_->escaped = escaped;
      pending_->raw =
          type == JsonType::string ? raw : std::string_view{start, static_cast<std::size_t>(p_ - start)};
      pending_ = nullptr;
    }
    return true;
  }

  bool literal(std::string_view word) noexcept {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view{p_, word.size()} != word)
      return false;
    p_ += word.size();
    return true;
  }

  /// A string at p_ (on its opening quote); `raw` receives the content between the quotes.
  bool string(std::string_view& raw, bool& escaped) noexcept {
    const char* start = ++p_;
    while (p_ < end_) {
      while (p_ < end_ && kPlainStringByte[static_cast<unsigned char>(*p_)])
        ++p_;
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        raw = std::string_view{start, static_cast<std::size_t>(p_ - start)};
        ++p_;
        return true;
      }
      if (c == '\\') {
        escaped = true;
        if (++p_ == end_) return false;
        switch (*p_) {
          case '"':
          case '\\':
          case '/':
          case 'b':
          case 'f':
          case 'n':
          case 'r':
          case 't': ++p_; continue;
          case 'u': {
            std::uint32_t unit = 0;
            if (end_ - p_ < 5 || !hex4(p_ + 1, unit)) return false;
            p_ += 5;
            if (unit >= 0xDC00 && unit <= 0xDFFF) return false;  // a low surrogate alone
            if (unit >= 0xD800 && unit <= 0xDBFF) {              // must pair with a low one
              std::uint32_t low = 0;
              if (end_ - p_ < 6 || p_[0] != '\\' || p_[1] != 'u' || !hex4(p_ + 2, low) || low < 0xDC00 ||
                  low > 0xDFFF) {
                return false;
              }
              p_ += 6;
            }
            continue;
          }
          default: return false;
        }
      }
      if (c < 0x20) return false;  // control characters (NUL included) must be escaped
      if (c < 0x80) {
        ++p_;
        continue;
      }
      const std::size_t n = utf8_sequence(p_, end_);
      if (n == 0) return false;
      p_ += n;
    }
    return false;
  }

  /// RFC 8259 number grammar; its value must lie within the double range.
  bool number() noexcept {
    const char* start = p_;
    if (*p_ == '-') ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (*p_ >= '1' && *p_ <= '9') {
      while (p_ < end_ && is_digit(*p_))
        ++p_;
    } else {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      integer = false;
      if (++p_ == end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_))
        ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return false;
      while (p_ < end_ && is_digit(*p_))
        ++p_;
    }
    const std::string_view literal{start, static_cast<std::size_t>(p_ - start)};
    // An integer of at most 18 digits is far inside the double range; others are checked.
    return (integer && literal.size() <= 18) || number_in_double_range(literal);
  }

  const char* p_;
  const char* end_;
  std::span<const Target> targets_;
  Scratch& scratch_;
  bool any_value_;
  std::array<char, max_json_depth> stack_{};
  std::array<std::size_t, max_json_depth> key_base_{};
  std::size_t depth_ = 0;
  JsonSpan* pending_ = nullptr;  // the top-level member whose value is being read
  const char* pending_start_ = nullptr;
};

bool scan(std::string_view text, std::span<const Target> targets, bool any_value = false) noexcept {
  thread_local Scratch scratch;
  try {
    return Scanner{text, targets, scratch, any_value}.run();
  } catch (...) {
    return false;  // allocation failure: refuse, never propagate
  }
}

}  // namespace

bool read_claims(std::string_view text, ClaimSpans& out) noexcept {
  out = ClaimSpans{};
  const Target targets[] = {{"sub", &out.sub},       {"iat", &out.iat},
                            {"nbf", &out.nbf},       {"exp", &out.exp},
                            {"iss", &out.iss},       {"aud", &out.aud},
                            {"action", &out.action}, {"jti", &out.jti},
                            {"bnd", &out.bnd},       {"extra_data", &out.extra_data}};
  return scan(text, targets);
}

bool read_header(std::string_view text, HeaderSpans& out) noexcept {
  out = HeaderSpans{};
  const Target targets[] = {{"alg", &out.alg}, {"typ", &out.typ}, {"crit", &out.crit}, {"b64", &out.b64}};
  return scan(text, targets);
}

bool is_strict_json(std::string_view text) noexcept { return scan(text, {}, /*any_value=*/true); }

std::optional<std::int64_t> numeric_date(const JsonSpan& value) noexcept {
  if (value.type != JsonType::number) return std::nullopt;
  const std::string_view t = value.raw;
  if (std::none_of(t.begin(), t.end(), [](char c) { return c == '.' || c == 'e' || c == 'E'; })) {
    const bool negative = t[0] == '-';
    if (t.size() - (negative ? 1 : 0) <= 18) {  // cannot overflow: add the digits directly
      std::int64_t n = 0;
      for (std::size_t i = negative ? 1 : 0; i < t.size(); ++i)
        n = n * 10 + (t[i] - '0');
      return negative ? -n : n;
    }
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
    if (ec != std::errc{} || ptr != t.data() + t.size()) return std::nullopt;  // beyond int64
    return n;
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec == std::errc::result_out_of_range) return 0;  // only underflow reaches here: it is zero
  if (ec != std::errc{}) return std::nullopt;
  const double truncated = std::trunc(d);
  if (!(truncated >= -two_pow_63 && truncated < two_pow_63)) return std::nullopt;
  return static_cast<std::int64_t>(truncated);
}

bool string_equals(const JsonSpan& value, std::string_view expected) noexcept {
  if (value.type != JsonType::string) return false;
  if (!value.escaped) return value.raw == expected;
  thread_local std::string decoded;
  try {
    decoded.clear();
    unescape_append(value.raw, decoded);
  } catch (...) {
    return false;
  }
  return decoded == expected;
}

std::string string_value(const JsonSpan& value) {
  if (!value.escaped) return std::string{value.raw};
  std::string out;
  out.reserve(value.raw.size());
  unescape_append(value.raw, out);
  return out;
}

std::size_t utf8_sequence_length(std::string_view s) noexcept {
  return s.empty() ? 0 : utf8_sequence(s.data(), s.data() + s.size());
}

namespace {

/// Builds nlohmann::json from text read_claims has validated, mirroring nlohmann's choices:
/// non-negative integers are unsigned, negative ones signed, anything else a double. Depth is
/// bounded by max_json_depth, so the recursion is too.
class DomBuilder {
 public:
  explicit DomBuilder(std::string_view text) : t_(text) {}

  /// False when a number needs strtod's exact underflow result: the caller parses instead.
  bool build(nlohmann::json& out) { return value(out); }

 private:
  void ws() {
    while (i_ < t_.size() && is_ws(t_[i_]))
      ++i_;
  }

  bool value(nlohmann::json& out) {
    ws();
    switch (t_[i_]) {
      case '{': {
        out = nlohmann::json::object();
        ++i_;
        ws();
        if (t_[i_] == '}') {
          ++i_;
          return true;
        }
        for (;;) {
          ws();
          std::string key = string();
          ws();
          ++i_;  // ':'
          if (!value(out[std::move(key)])) return false;
          ws();
          if (t_[i_++] == '}') return true;  // else ','
        }
      }
      case '[': {
        out = nlohmann::json::array();
        ++i_;
        ws();
        if (t_[i_] == ']') {
          ++i_;
          return true;
        }
        for (;;) {
          out.push_back(nullptr);
          if (!value(out.back())) return false;
          ws();
          if (t_[i_++] == ']') return true;  // else ','
        }
      }
      case '"': out = string(); return true;
      case 't':
        i_ += 4;
        out = true;
        return true;
      case 'f':
        i_ += 5;
        out = false;
        return true;
      case 'n':
        i_ += 4;
        out = nullptr;
        return true;
      default: return number(out);
    }
  }

  std::string string() {
    const std::size_t start = ++i_;
    bool escaped = false;
    for (; t_[i_] != '"'; ++i_) {
      if (t_[i_] == '\\') {
        escaped = true;
        ++i_;
      }
    }
    const std::string_view raw = t_.substr(start, i_ - start);
    ++i_;
    if (!escaped) return std::string{raw};
    std::string out;
    unescape_append(raw, out);
    return out;
  }

  bool number(nlohmann::json& out) {
    const std::size_t start = i_;
    bool integer = true;
    while (i_ < t_.size() && (is_digit(t_[i_]) || t_[i_] == '-' || t_[i_] == '+' || t_[i_] == '.' ||
                              t_[i_] == 'e' || t_[i_] == 'E')) {
      integer = integer && (is_digit(t_[i_]) || t_[i_] == '-');
      ++i_;
    }
    const char* first = t_.data() + start;
    const char* last = t_.data() + i_;
    if (integer && *first == '-') {
      std::int64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc{}) {
        out = v;
        return true;
      }
    } else if (integer) {
      std::uint64_t v = 0;
      if (std::from_chars(first, last, v).ec == std::errc{}) {
        out = v;
        return true;
      }
    }
    double d = 0;
    if (std::from_chars(first, last, d).ec != std::errc{}) return false;
    out = d;
    return true;
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

nlohmann::json json_value(const JsonSpan& value) {
  switch (value.type) {
    case JsonType::absent:
    case JsonType::null: return nullptr;
    case JsonType::string: return string_value(value);
    default: break;
  }
  nlohmann::json out;
  if (DomBuilder{value.raw}.build(out)) return out;
  return nlohmann::json::parse(value.raw);  // a number only strtod rounds as nlohmann does
}

std::optional<nlohmann::json> parse_strict_object(std::string_view text) noexcept {
  if (!scan(text, {})) return std::nullopt;
  try {
    // Validated: the builder's recursion is bounded by max_json_depth.
    return json_value(JsonSpan{JsonType::object, false, text});
  } catch (...) {
    return std::nullopt;  // allocation failure: refuse, never propagate
  }
}

}  // namespace jwtservice::detail
