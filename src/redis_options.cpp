// Redis URL parsing and redaction: every malformed URL is a ConfigError that says what is wrong
// without quoting the URL, which may carry a password.
#include "jwtservice/redis_options.hpp"

#include <cctype>
#include <charconv>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "jwtservice/detail/redis_connection.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice {
namespace {

constexpr std::string_view kUrlShape =
    "redis[s]://[[user]:password@]host[:port][/db] or "
    "redis[s]+sentinel://[[user]:password@]host[:port][,host[:port]...]/SERVICE[/db]";

[[noreturn]] void bad_url(std::string_view what) {
  // Never the URL itself in the message: it may carry a password.
  std::string message{"Redis URL "};
  message += what;
  message += " (expected ";
  message += kUrlShape;
  message += ')';
  throw ConfigError(message);
}

std::string percent_decode(std::string_view s, std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const int hi = i + 2 < s.size() ? detail::hex_value(s[i + 1]) : -1;
    const int lo = i + 2 < s.size() ? detail::hex_value(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) bad_url("has a malformed %-escape in its " + std::string{what});
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

template <class Int>
bool parse_decimal(std::string_view s, Int& out) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size();
}

/// What follows the scheme (`tls`, `sentinel` say which one), once the scheme and the
/// characters no part may hold are checked.
std::string_view after_scheme(std::string_view url, bool& tls, bool& sentinel) {
  const detail::RedisScheme* scheme = detail::redis_scheme_of(url);
  if (scheme == nullptr)
    bad_url("must start with redis://, rediss://, redis+sentinel:// or rediss+sentinel://");
  tls = scheme->tls;
  sentinel = scheme->sentinel;
  const std::size_t length = scheme->prefix.size();
  const std::string_view rest = url.substr(length);
  if (rest.find_first_of("?#") != std::string_view::npos) bad_url("must not have a query or fragment");
  for (char c : rest) {
    if (std::isspace(static_cast<unsigned char>(c)) || std::iscntrl(static_cast<unsigned char>(c))) {
      bad_url("must not contain whitespace or control characters");
    }
  }
  return rest;
}

/// Takes `[user]:password@` off the front of `authority`, when there, into `out`.
void read_credentials(std::string_view& authority, RedisUrl& out) {
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) return;
  const std::string_view userinfo = authority.substr(0, at);
  authority.remove_prefix(at + 1);
  const auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    bad_url("has credentials without a colon: write the password as redis://:password@host");
  }
  if (colon > 0) out.username = percent_decode(userinfo.substr(0, colon), "user name");
  out.password = percent_decode(userinfo.substr(colon + 1), "password");
  if (out.password->empty()) bad_url("has an empty password");
}

/// Reads `host[:port]` or `[ipv6]:port` into `out`.
void read_host_and_port(std::string_view authority, RedisEndpoint& out) {
  std::string_view port_text;
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {  // an IPv6 literal: [::1]:6380
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_url("has an unclosed [ in its host");
    out.host = std::string{authority.substr(1, close - 1)};
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_url("has text after its [host]");
      port_text = after.substr(1);
      if (port_text.empty()) bad_url("has an empty port");
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string{authority.substr(0, colon)};
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) bad_url("has an empty port");
    }
  }
  if (out.host.empty()) bad_url("has no host");
  if (out.host.find_first_of(bracketed ? "[]@/," : "[]@:/,") != std::string::npos)
    bad_url("has a malformed host");
  if (!port_text.empty() && (!parse_decimal(port_text, out.port) || out.port < 1 || out.port > 65535)) {
    bad_url("has a port that is not a number from 1 to 65535");
  }
}

}  // namespace

RedisUrl RedisUrl::parse(std::string_view url) {
  RedisUrl out;
  bool sentinel = false;
  const std::string_view rest = after_scheme(url, out.tls, sentinel);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);

  read_credentials(authority, out);
  if (sentinel) {
    // host1[:port1],host2[:port2],...; then SERVICE[/db]
    for (std::size_t begin = 0;;) {
      const std::size_t comma = authority.find(',', begin);
      RedisEndpoint endpoint;
      read_host_and_port(authority.substr(begin, comma == std::string_view::npos ? comma : comma - begin),
                         endpoint);
      out.sentinels.push_back(std::move(endpoint));
      if (comma == std::string_view::npos) break;
      if (out.sentinels.size() >= max_sentinels)
        bad_url("names more than " + std::to_string(max_sentinels) + " sentinels");
      begin = comma + 1;
    }
    const auto service_end = path.find('/');
    out.service = std::string{path.substr(0, service_end)};
    path = service_end == std::string_view::npos ? std::string_view{} : path.substr(service_end + 1);
    if (out.service.empty())
      bad_url("has no SERVICE: the sentinels' name of the primary (redis+sentinel://host/SERVICE)");
    for (const char c : out.service) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.') {
        bad_url("has a SERVICE name with other characters than letters, digits, '-', '_' and '.'");
      }
    }
  } else {
    RedisEndpoint endpoint{.host = {}, .port = 6379};
    read_host_and_port(authority, endpoint);
    out.host = std::move(endpoint.host);
    out.port = endpoint.port;
  }
  if (!path.empty() && (!parse_decimal(path, out.db) || out.db < 0)) {
    bad_url("has a database that is not a non-negative integer (redis://host:port/2)");
  }
  return out;
}

std::string RedisUrl::redacted() const {
  std::string out{tls ? "rediss" : "redis"};
  out += sentinels.empty() ? "://" : "+sentinel://";
  if (username || password) {
    out += username.value_or("");
    out += password ? ":***" : "";
    out += '@';
  }
  if (sentinels.empty()) {
    out += detail::endpoint_name(host, port);
  } else {
    for (std::size_t i = 0; i < sentinels.size(); ++i) {
      if (i > 0) out += ',';
      out += detail::endpoint_name(sentinels[i].host, sentinels[i].port);
    }
    out += '/';
    out += service;
  }
  out += '/';
  out += std::to_string(db);
  return out;
}

std::string detail::endpoint_name(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace jwtservice
