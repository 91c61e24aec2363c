// Audiences: the config audience, a per-call audience, a list of accepted audiences, and what
// the result's `aud` reports. Exits non-zero if any of it does not hold.
#include <jwtservice/jwtservice.hpp>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace {

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

/// One line per validation: what was expected, and what the result says.
void show(std::string_view label, const jwtservice::VerificationResult& r) {
  std::cout << "  " << std::left << std::setw(44) << label << "-> ";
  if (r.valid) {
    std::cout << "valid, aud=" << r.aud.value_or("(none)") << '\n';
  } else {
    std::cout << r.reason << '\n';
  }
}

}  // namespace

int main() try {
  using jwtservice::Reason;
  const std::string secret = "demo-only-secret-never-use-in-production-0123456";

  // A service whose config names an audience: its tokens carry it, and validation expects it.
  const jwtservice::Service web{
      jwtservice::load_token_config_from_dict({{"SECRET_KEY", secret}, {"JWTSERVICE_AUDIENCE", "web-app"}})};

  std::cout << "token made with the config audience (aud = \"web-app\"):\n";
  const std::string for_web = web.criar({.sub = "user@example.com"});
  const auto a = web.validar(for_web);
  show("validar(token)", a);
  expect(a.valid && a.aud == "web-app", "the config audience is written and accepted");
  const auto b = web.validar(for_web, "mobile-app");
  show("validar(token, \"mobile-app\")", b);
  expect(b.reason == Reason::invalid_audience, "a per-call audience replaces the config's");

  std::cout << "token made with a per-call audience (aud = \"mobile-app\"):\n";
  const std::string for_mobile = web.criar({.sub = "user@example.com", .audience = "mobile-app"});
  const auto c = web.validar(for_mobile);
  show("validar(token)", c);
  expect(c.reason == Reason::invalid_audience, "the config audience refuses another audience");
  const auto d = web.validar(for_mobile, "mobile-app");
  show("validar(token, \"mobile-app\")", d);
  expect(d.valid && d.aud == "mobile-app", "the per-call audience accepts it");
  const auto e = web.validar(for_mobile, {"web-app", "mobile-app"});
  show("validar(token, {\"web-app\", \"mobile-app\"})", e);
  expect(e.valid && e.aud == "mobile-app", "any audience of a list is accepted; aud reports the match");
  const std::vector<std::string> accepted{"admin-console", "mobile-app"};
  const auto f = web.validar(for_mobile, accepted);
  show("validar(token, std::vector{...})", f);
  expect(f.valid && f.aud == "mobile-app", "a std::vector<std::string> works like a braced list");
  const auto g = web.validar(for_mobile, std::vector<std::string>{});
  show("validar(token, empty vector)", g);
  expect(g.reason == Reason::invalid_audience, "an empty list accepts no audience at all");

  // Without a config audience, tokens carry no aud and validation checks none...
  const jwtservice::Service plain{jwtservice::load_token_config_from_dict({{"SECRET_KEY", secret}})};
  std::cout << "token made without any audience (no aud claim):\n";
  const std::string anywhere = plain.criar({.sub = "user@example.com"});
  const auto h = plain.validar(anywhere);
  show("validar(token)", h);
  expect(h.valid && !h.aud, "without an expected audience, aud is not checked");
  // ...but a caller who expects one refuses a token without aud.
  const auto i = plain.validar(anywhere, "web-app");
  show("validar(token, \"web-app\")", i);
  expect(i.reason == Reason::invalid_audience, "an expected audience needs an aud claim");

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
