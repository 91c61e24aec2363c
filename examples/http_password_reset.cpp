// A password reset inside a real web server (cpp-httplib), with an SQLite users table and the
// SQLite revocation store (docs/password-reset.md):
//   POST /forgot  email=...                      mails a reset link (to DIR/outbox.txt)
//   GET  /reset   ?uid=...&token=...             200 when the link would work
//   POST /reset   uid=...&token=...&password=... consumes the link, then changes the password
//   POST /login   email=...&password=...         200 or 401, to see which password holds
// Every malformed request is a 400, never a 500. Run:
//   SECRET_KEY=... http_password_reset --dir DIR [--port N] [--user EMAIL:PASSWORD]...
// It prints "listening on http://127.0.0.1:PORT" (port 0, the default, picks a free one) and
// serves until it is killed. tests/examples/test_http_password_reset.py drives the whole flow.
#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sqlite3.h>
#include <jwtservice/jwtservice.hpp>

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using jwtservice::JWTAction;

// ---- passwords --------------------------------------------------------------------------------

std::string hex(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0F];
  }
  return out;
}

constexpr int kIterations = 100'000;

std::string pbkdf2(std::string_view password, std::string_view salt, int iterations) {
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), sizeof out, out) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return hex(out, sizeof out);
}

/// "pbkdf2-sha256$ITERATIONS$SALT$HASH": what the users table stores, and the state a reset link
/// is bound to (a new salt on every change, so every change kills every earlier link).
std::string hash_password(std::string_view password) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("RAND_bytes failed");
  const std::string salt_hex = hex(salt, sizeof salt);
  return "pbkdf2-sha256$" + std::to_string(kIterations) + "$" + salt_hex + "$" +
         pbkdf2(password, salt_hex, kIterations);
}

bool password_matches(std::string_view password, const std::string& stored) {
  const auto d1 = stored.find('$'), d2 = stored.find('$', d1 + 1), d3 = stored.find('$', d2 + 1);
  if (d3 == std::string::npos) return false;
  const std::string salt = stored.substr(d2 + 1, d3 - d2 - 1);
  const std::string expected = stored.substr(d3 + 1);
  const std::string got = pbkdf2(password, salt, std::stoi(stored.substr(d1 + 1, d2 - d1 - 1)));
  return got.size() == expected.size() && CRYPTO_memcmp(got.data(), expected.data(), got.size()) == 0;
}

// ---- the users table --------------------------------------------------------------------------

struct User {
  std::int64_t id = 0;
  std::string email;
  std::string password_hash;
};

/// users(id, email, password_hash) in one SQLite file; one connection behind a mutex.
class Users {
 public:
  explicit Users(const std::filesystem::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK)
      throw std::runtime_error("cannot open the users table");
    exec(
        "CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, "
        "password_hash TEXT NOT NULL)");
  }
  ~Users() { sqlite3_close(db_); }
  Users(const Users&) = delete;
  Users& operator=(const Users&) = delete;

  void add(const std::string& email, const std::string& password) {
    const std::lock_guard lock{mutex_};
    Statement s{db_, "INSERT OR REPLACE INTO users (email, password_hash) VALUES (?, ?)"};
    s.bind(1, email);
    s.bind(2, hash_password(password));
    s.step();
  }
  std::optional<User> by_email(const std::string& email) {
    const std::lock_guard lock{mutex_};
    Statement s{db_, "SELECT id, email, password_hash FROM users WHERE email = ?"};
    s.bind(1, email);
    return s.user();
  }
  std::optional<User> by_id(std::int64_t id) {
    const std::lock_guard lock{mutex_};
    Statement s{db_, "SELECT id, email, password_hash FROM users WHERE id = ?"};
    sqlite3_bind_int64(s.get(), 1, id);
    return s.user();
  }
  void set_password_hash(std::int64_t id, const std::string& hash) {
    const std::lock_guard lock{mutex_};
    Statement s{db_, "UPDATE users SET password_hash = ? WHERE id = ?"};
    s.bind(1, hash);
    sqlite3_bind_int64(s.get(), 2, id);
    s.step();
  }

 private:
  class Statement {
   public:
    Statement(sqlite3* db, const char* sql) {
      if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) throw std::runtime_error("bad SQL");
    }
    ~Statement() { sqlite3_finalize(stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    [[nodiscard]] sqlite3_stmt* get() const { return stmt_; }
    void bind(int i, const std::string& text) {
      sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    }
    void step() {
      if (sqlite3_step(stmt_) != SQLITE_DONE) throw std::runtime_error("users table write failed");
    }
    std::optional<User> user() {
      if (sqlite3_step(stmt_) != SQLITE_ROW) return std::nullopt;
      auto text = [this](int col) {
        return std::string{reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col))};
      };
      return User{.id = sqlite3_column_int64(stmt_, 0), .email = text(1), .password_hash = text(2)};
    }

   private:
    sqlite3_stmt* stmt_ = nullptr;
  };

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) throw std::runtime_error("bad SQL");
  }

  sqlite3* db_ = nullptr;
  std::mutex mutex_;
};

// ---- the web application ----------------------------------------------------------------------

/// What the reset endpoints expect of every link (docs/password-reset.md).
jwtservice::ValidateOptions expected(const User& user) {
  return {.action = JWTAction::RESET_PASSWORD, .binding = user.password_hash, .max_age = 900};
}

void reply(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body + "\n", "text/plain; charset=utf-8");
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

class App {
 public:
  App(const std::filesystem::path& dir, const jwtservice::Config& config)
      : users_(dir / "users.db"),
        outbox_path_(dir / "outbox.txt"),
        service_(config, {.revocation_store =
                              std::make_shared<jwtservice::SQLiteRevocationStore>(dir / "revocations.db")}) {}

  Users& users() { return users_; }

  void routes(httplib::Server& server, const std::string& base_url) {
    base_url_ = base_url;
    server.Post("/forgot", [this](const httplib::Request& req, httplib::Response& res) { forgot(req, res); });
    server.Get("/reset",
               [this](const httplib::Request& req, httplib::Response& res) { show_reset(req, res); });
    server.Post("/reset", [this](const httplib::Request& req, httplib::Response& res) { reset(req, res); });
    server.Post("/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
  }

 private:
  // POST /forgot: the same answer whether or not the address has an account.
  void forgot(const httplib::Request& req, httplib::Response& res) {
    const std::string email = req.get_param_value("email");
    if (email.empty()) return reply(res, 400, "email is required");
    if (const auto user = users_.by_email(email)) {
      const std::string token = service_.criar({.action = JWTAction::RESET_PASSWORD,
                                                .sub = std::to_string(user->id),
                                                .expires_in = 3600,
                                                .binding = user->password_hash});
      send_mail(user->email, base_url_ + "/reset?uid=" + std::to_string(user->id) + "&token=" + token);
    }
    reply(res, 202, "If that address has an account, a reset link is on its way.");
  }

  /// The user a link names (uid) and its token, or nullopt after answering 400.
  std::optional<std::pair<User, std::string>> link_of(const httplib::Request& req, httplib::Response& res) {
    const auto id = parse_id(req.get_param_value("uid"));
    const std::string token = req.get_param_value("token");
    if (!id || token.empty()) {
      reply(res, 400, "uid and token are required");
      return std::nullopt;
    }
    auto user = users_.by_id(*id);
    if (!user) {
      reply(res, 400, "This link is no longer valid.");
      return std::nullopt;
    }
    return std::pair{std::move(*user), token};
  }

  // GET /reset: show the form only for a link that would work.
  void show_reset(const httplib::Request& req, httplib::Response& res) {
    const auto link = link_of(req, res);
    if (!link) return;
    const auto r = service_.validar(link->second, expected(link->first));
    if (!r.valid)
      return reply(res, 400, "This link is no longer valid (" + std::string{to_string(r.reason)} + ").");
    reply(res, 200, "Choose a new password for " + link->first.email + ".");
  }

  // POST /reset: check the new password, consume the link, then change the password.
  void reset(const httplib::Request& req, httplib::Response& res) {
    const auto link = link_of(req, res);
    if (!link) return;
    const std::string password = req.get_param_value("password");
    if (password.size() < 8 || password.size() > 1024) {
      return reply(res, 400, "The password must have 8 to 1024 characters.");  // the link stays unused
    }
    const auto& [user, token] = *link;
    try {
      const auto r = service_.consumir(token, expected(user));
      if (!r.valid || r.sub != std::to_string(user.id)) {
        return reply(res, 400, "This link is no longer valid (" + std::string{to_string(r.reason)} + ").");
      }
    } catch (const jwtservice::StoreError&) {
      return reply(res, 503, "Try again in a moment.");  // fail closed: the link is not used
    }
    users_.set_password_hash(user.id, hash_password(password));
    reply(res, 200, "Your password was changed.");
  }

  // POST /login: which password holds.
  void login(const httplib::Request& req, httplib::Response& res) {
    const auto user = users_.by_email(req.get_param_value("email"));
    if (user && password_matches(req.get_param_value("password"), user->password_hash)) {
      return reply(res, 200, "Welcome.");
    }
    reply(res, 401, "Wrong email or password.");
  }

  void send_mail(const std::string& to, const std::string& link) {
    const std::lock_guard lock{outbox_mutex_};
    std::ofstream out{outbox_path_, std::ios::app};
    out << "To: " << to << "\nSubject: Reset your password\n\n" << link << "\n\n";
  }

  Users users_;
  std::filesystem::path outbox_path_;
  std::mutex outbox_mutex_;
  jwtservice::Service service_;
  std::string base_url_;
};

}  // namespace

int main(int argc, char** argv) try {
  std::filesystem::path dir;
  int port = 0;
  std::vector<std::string> seed_users;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--dir")
      dir = argv[i + 1];
    else if (flag == "--port")
      port = std::stoi(argv[i + 1]);
    else if (flag == "--user")
      seed_users.emplace_back(argv[i + 1]);
    else
      throw std::invalid_argument("unknown option " + std::string{flag});
  }
  if (dir.empty() || argc % 2 == 0) {
    std::cerr
        << "usage: SECRET_KEY=... http_password_reset --dir DIR [--port N] [--user EMAIL:PASSWORD]...\n";
    return 2;
  }
  std::filesystem::create_directories(dir);
  App app{dir, jwtservice::load_token_config_from_env()};  // SECRET_KEY and JWTSERVICE_* from the environment
  for (const std::string& entry : seed_users) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("--user takes EMAIL:PASSWORD");
    app.users().add(entry.substr(0, colon), entry.substr(colon + 1));
  }

  httplib::Server server;
  server.set_payload_max_length(64 * 1024);
  // A handler that throws (it should not) is a 500 that says nothing about the request.
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    reply(res, 500, "Internal error.");
  });
  if (port == 0)
    port = server.bind_to_any_port("127.0.0.1");
  else if (!server.bind_to_port("127.0.0.1", port))
    port = -1;
  if (port <= 0) throw std::runtime_error("cannot listen on 127.0.0.1");
  const std::string base_url = "http://127.0.0.1:" + std::to_string(port);
  app.routes(server, base_url);
  std::cout << "listening on " << base_url << std::endl;  // flushed: the test waits for this line
  return server.listen_after_bind() ? 0 : 1;
} catch (const std::exception& e) {
  std::cerr << "http_password_reset: " << e.what() << '\n';
  return 1;
}
