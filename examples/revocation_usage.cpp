// Revocation and single use: revogar, revogar_jti and consumir with the in-memory store, the
// SQLite store (one file shared by two services, as by two processes), and a store that fails.
// Exits non-zero if any of it does not hold.
#include <jwtservice/jwtservice.hpp>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

int failures = 0;

void expect(bool ok, std::string_view what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << '\n';
    ++failures;
  }
}

/// "valid" or "<status> (<reason>)": enough to read a verdict without printing the token.
std::string verdict(const jwtservice::VerificationResult& r) {
  if (r.valid) return "valid";
  return std::string{to_string(r.status)} + " (" + std::string{to_string(r.reason)} + ")";
}

/// One output line: what was called, and what came of it.
void show(std::string_view call, std::string_view outcome) {
  std::cout << "  " << std::left << std::setw(32) << call << "-> " << outcome << '\n';
}

std::string_view yes_no(bool b) { return b ? "true" : "false"; }

/// A store whose back end is down: every call throws, as a real one would on a lost connection.
struct UnreachableStore {
  bool is_revoked(std::string_view /*jti*/) { throw std::runtime_error("connection refused"); }
  bool revoke(std::string_view /*jti*/, std::int64_t /*ttl*/,
              const jwtservice::RevocationMetadata& /*meta*/) {
    throw std::runtime_error("connection refused");
  }
};
static_assert(jwtservice::RevocationStore<UnreachableStore>);

}  // namespace

int main() try {
  using jwtservice::JWTAction;
  using jwtservice::Reason;

  const jwtservice::Config config = jwtservice::load_token_config_from_dict(
      {{"SECRET_KEY", "demo-only-secret-never-use-in-production-0123456"}});
  // One injected clock for the services and the stores, so time moves without sleeping.
  std::int64_t now = 1'710'000'000;
  const jwtservice::Clock clock = [&now] { return now; };

  // 1. The in-memory store: one process, many threads.
  std::cout << "in-memory store:\n";
  auto memory = std::make_shared<jwtservice::InMemoryRevocationStore>(clock);
  const jwtservice::Service service{config, {.revocation_store = memory, .clock = clock}};

  const std::string session = service.criar({.sub = "user@example.com", .expires_in = 3600});
  expect(service.validar(session).valid, "a fresh token is valid");
  const bool first = service.revogar(session, "logout");
  const bool again = service.revogar(session, "logout");
  expect(first && !again, "revogar is true the first time, false once already revoked");
  const auto revoked = service.validar(session);
  expect(revoked.status == jwtservice::Status::revoked && revoked.reason == Reason::revoked && revoked.jti,
         "a revoked token is refused as revoked, with its jti");
  show("revogar(token, \"logout\")", std::string{yes_no(first)} + ", again -> " + std::string{yes_no(again)});
  show("validar(token)", verdict(revoked));

  // revogar_jti: revoke by id, e.g. from an audit log, without the token itself.
  const std::string other = service.criar({.sub = "user@example.com", .jti = "incident-42"});
  const bool by_id = service.revogar_jti("incident-42", now + 600, "incident");
  const bool past = service.revogar_jti("incident-43", now - 1);
  expect(by_id && !past, "revogar_jti revokes until exp, and refuses an exp already past");
  expect(service.validar(other).reason == Reason::revoked, "a token revoked by jti is refused");
  show("revogar_jti(jti, now + 600)",
       std::string{yes_no(by_id)} + "; with an exp already past -> " + std::string{yes_no(past)});
  show("validar(that token)", verdict(service.validar(other)));

  // The TTL rule, shared by every store: exp - now + leeway, capped by revocation_ttl_max; a
  // token without exp is kept for revocation_ttl_max, else (practically) forever.
  expect(jwtservice::revocation_ttl(now + 600, now, 0, std::nullopt) == 600, "TTL = exp - now + leeway");
  expect(jwtservice::revocation_ttl(now + 600, now, 0, 300) == 300, "TTL capped by revocation_ttl_max");
  expect(jwtservice::revocation_ttl(std::nullopt, now, 0, std::nullopt) == jwtservice::permanent_ttl,
         "no exp and no cap: permanent");
  expect(!jwtservice::revocation_ttl(now, now, 0, std::nullopt), "an exp already reached: nothing to revoke");

  // consumir: validate and revoke in one atomic step, so a reset link works exactly once.
  const std::string reset = service.criar({.action = JWTAction::RESET_PASSWORD, .sub = "user@example.com"});
  const auto use1 = service.consumir(reset);
  const auto use2 = service.consumir(reset);
  expect(use1.valid && use1.action == JWTAction::RESET_PASSWORD, "the first consumir is valid");
  expect(use2.reason == Reason::revoked, "the second consumir is revoked");
  show("consumir(reset token), twice", verdict(use1) + ", then " + verdict(use2));

  // Revocations end with the token: once exp has passed it is expired anyway.
  now += 3600;
  expect(service.validar(session).reason == Reason::expired, "after exp the token is expired, not revoked");
  memory->purge_expired();
  show("validar(token), 1 h later",
       verdict(service.validar(session)) + "; entries left in the store: " + std::to_string(memory->size()));

  // Without a store, single use cannot be enforced: consumir throws rather than pretend.
  const jwtservice::Service storeless{config, {.logger = jwtservice::null_logger(), .clock = clock}};
  try {
    (void)storeless.consumir(storeless.criar({.sub = "user@example.com"}));
    expect(false, "consumir without a store throws StoreError");
  } catch (const jwtservice::StoreError&) {
    show("consumir without a store", "StoreError");
  }

#if JWTSERVICE_WITH_SQLITE
  // 2. The SQLite store: a file that threads, processes and the Python package can share.
  //    Two services opening the same file stand in for two processes here.
  std::cout << "SQLite store (a temporary file):\n";
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("jwtservice-example-" + std::to_string(std::random_device{}()));
  struct RemoveDir {
    std::filesystem::path path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } cleanup{dir};
  {
    const auto db = dir / "revocations.db";  // its parent directory is created as needed
    const jwtservice::Service a{
        config,
        {.revocation_store = std::make_shared<jwtservice::SQLiteRevocationStore>(db, 300, clock),
         .clock = clock}};
    const jwtservice::Service b{
        config,
        {.revocation_store = std::make_shared<jwtservice::SQLiteRevocationStore>(db, 300, clock),
         .clock = clock}};

    const std::string token = a.criar({.sub = "user@example.com"});
    const bool done = a.revogar(token, "password changed");
    const auto seen = b.validar(token);
    expect(done && seen.reason == Reason::revoked, "a revocation through one service is seen by the other");
    show("A: revogar(token)", yes_no(done));
    show("B: validar(token)", verdict(seen));

    const std::string link = a.criar({.action = JWTAction::VALIDAR_EMAIL, .sub = "user@example.com"});
    const auto once = a.consumir(link);
    const auto twice = b.consumir(link);
    expect(once.valid && twice.reason == Reason::revoked, "one consumir wins across services sharing a file");
    show("A: consumir(t), B: consumir(t)", verdict(once) + ", then " + verdict(twice));
  }  // the stores close here, before the directory is removed
#else
  std::cout << "SQLite store: not in this build (JWTSERVICE_WITH_SQLITE=OFF)\n";
#endif

  // 3. A store that cannot answer: validation fails closed, writers throw StoreError.
  std::cout << "a store that throws:\n";
  int errors_logged = 0;
  const jwtservice::Service broken{config,
                                   {.logger =
                                        [&errors_logged](jwtservice::LogLevel level, std::string_view) {
                                          errors_logged += level == jwtservice::LogLevel::error;
                                        },
                                    .revocation_store = std::make_shared<UnreachableStore>(),
                                    .clock = clock}};
  const std::string token = broken.criar({.sub = "user@example.com"});
  const auto outage = broken.validar(token);
  expect(!outage.valid && outage.reason == Reason::store_unavailable,
         "a failing store gives store_unavailable");
  expect(errors_logged == 1, "the store failure is logged as an error");
  show("validar(token)", verdict(outage) + ", logged as an error");
  for (const std::string_view call : {"revogar", "consumir"}) {
    try {
      if (call == "revogar") {
        (void)broken.revogar(token);
      } else {
        (void)broken.consumir(token);
      }
      expect(false, "a failing store makes revogar and consumir throw StoreError");
    } catch (const jwtservice::StoreError& e) {
      show(std::string{call} + "(token)", std::string{"StoreError: "} + e.what());
    }
  }

  std::cout << (failures == 0 ? "all good\n" : "some checks FAILED\n");
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
} catch (const jwtservice::Error& error) {  // messages hold no secret and no whole token
  std::cerr << "jwtservice error: " << error.what() << '\n';
  return EXIT_FAILURE;
}
