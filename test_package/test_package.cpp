// Creates a token with the packaged library and validates it: exits non-zero if that fails.
#include <jwtservice/jwtservice.hpp>

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>

int main() {
  const std::map<std::string, std::string> settings{
      {"SECRET_KEY", "conan-test-package-secret-of-some-length"}};
  const jwtservice::Service service{jwtservice::load_token_config_from_dict(settings)};

  const std::string token =
      service.create({.action = jwtservice::JWTAction::VALIDAR_EMAIL, .sub = "user@example.com"});
  const jwtservice::VerificationResult result = service.validate(token);

  std::cout << "jwtservice " << JWTSERVICE_VERSION_STRING << ": " << to_string(result.reason) << '\n';
  return result.valid && result.sub == "user@example.com" ? EXIT_SUCCESS : EXIT_FAILURE;
}
