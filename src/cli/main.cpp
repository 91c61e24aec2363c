// The jwtservice command line: create, validate, revoke and inspect tokens from a shell.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "jwtservice/detail/base64url.hpp"
#include "jwtservice/detail/claims.hpp"
#include "jwtservice/detail/random.hpp"
#include "jwtservice/detail/text.hpp"
#include "jwtservice/jwtservice.hpp"

namespace {

using json = nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitInvalid = 1;
constexpr int kExitUsage = 2;

/// What strict JSON requires (the rules a token's header and payload are held to), for messages.
constexpr std::string_view kStrictRules =
    "required: valid UTF-8, no byte-order mark or NUL, no member name repeated in any object, "
    "nesting at most 64, numbers within the double range";

/// A usage, configuration or store mistake: one line on stderr, exit 2.
struct UsageError {
  std::string message;
};

// The main help around its usage lines, which main_help() writes from kCommands.
constexpr std::string_view kMainHelpHead =
    R"HELP(jwtservice — create, validate, revoke and inspect purpose-tagged JWTs (HS256)

Usage:
)HELP";

constexpr std::string_view kMainHelpTail = R"HELP(
CFG (later sources override earlier ones):
  --config FILE        a JSON object with the library's keys (SECRET_KEY, JWTSERVICE_ISSUER, ...)
  the environment      SECRET_KEY and JWTSERVICE_* variables
  --secret-file F      the secret: the file's bytes exactly (no trimming, no decoding)
  --fallback-secret-file F
                       an older secret that still verifies tokens (never signs), the file's bytes
                       exactly; repeatable; replaces JWTSERVICE_SECRET_KEY_FALLBACKS
  --issuer I           JWTSERVICE_ISSUER
  --leeway S           JWTSERVICE_LEEWAY, seconds
Any command:
  --now UNIX_SECONDS   evaluate as if at that time
validate, consume, revoke, revoke-jti:
  --store sqlite:PATH  the revocation store (a SQLite file shared with the Python package)
  --store redis://[:password@]host:port[/db]
                       a Redis server shared by every instance (keys under JWTSERVICE_REDIS_PREFIX);
                       rediss:// for TLS (JWTSERVICE_REDIS_CA_FILE, ...), redis+sentinel://
                       h1:p1,h2:p2/SERVICE for Sentinel; --store redis takes the URL from
                       JWTSERVICE_REDIS_URL, out of sight of ps
  TOKEN "-"            read the token from standard input (one trailing newline removed)

Exit status: 0 valid / done, 1 invalid token / not revoked, 2 usage, configuration or store error.
Run "jwtservice COMMAND --help" for a command's options and an example;
"jwtservice --version" (or -V) prints the version.

Example:
  export SECRET_KEY="$(jwtservice keygen)"
  TOKEN=$(jwtservice create --sub ana@example.com --action VALIDAR_EMAIL)
  jwtservice validate "$TOKEN"
)HELP";

/// A flag: `--name VALUE` or `--name=VALUE`. A repeatable flag keeps every value in order; any
/// other may be given once.
struct Flag {
  std::string_view name;
  bool repeatable = false;
};

/// Every command takes --now; the commands that read a configuration also take these (CFG).
constexpr Flag kNowFlag{"now"};
constexpr Flag kConfigFlags[] = {
    {"config"}, {"secret-file"}, {"fallback-secret-file", true}, {"issuer"}, {"leeway"}};

constexpr Flag kCreateFlags[] = {{"sub"}, {"action"},     {"expires-in"}, {"audience"},
                                 {"jti"}, {"extra-data"}, {"binding"},    {"binding-file"}};
constexpr Flag kValidateFlags[] = {{"audience", true}, {"action"},  {"binding"},
                                   {"binding-file"},   {"max-age"}, {"store"}};  // validate and consume
constexpr Flag kRevokeFlags[] = {{"reason"}, {"store"}};
constexpr Flag kRevokeJtiFlags[] = {{"jti"}, {"exp"}, {"reason"}, {"store"}};
constexpr Flag kKeygenFlags[] = {{"bytes"}};

class Args;

/// The optimal-string-alignment distance between two short words (insertions, deletions,
/// substitutions and swaps of neighbours each cost 1): what a typo costs.
std::size_t typo_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

/// Remembers the candidate closest to `typed` (at most 2 typos, 1 for words of 4 letters or
/// fewer; the first of equals wins); `best()` is empty when none is that close.
class ClosestWord {
 public:
  explicit ClosestWord(std::string_view typed) : typed_(typed) {}
  void consider(std::string_view candidate) {
    if (typed_.size() > 40) return;  // not a typo of any word here
    const std::size_t limit = std::min(typed_.size(), candidate.size()) <= 4 ? 1 : 2;
    const std::size_t d = typo_distance(typed_, candidate);
    if (d <= limit && d < distance_) {
      distance_ = d;
      best_ = candidate;
    }
  }
  [[nodiscard]] std::string_view best() const { return best_; }

 private:
  std::string_view typed_;
  std::string_view best_;
  std::size_t distance_ = static_cast<std::size_t>(-1);
};

/// A command: its usage line (`jwtservice <name> <synopsis>`), the flags it takes besides --now
/// (and CFG when it takes a configuration), its help text and the function that runs it.
struct Command {
  std::string_view name;
  std::string_view synopsis;
  bool takes_config = false;
  std::span<const Flag> flags;
  std::string_view help;
  int (*run)(const Args&) = nullptr;

  /// The flag `--name` of this command, or nullptr.
  [[nodiscard]] const Flag* find_flag(std::string_view flag) const {
    if (flag == kNowFlag.name) return &kNowFlag;
    const std::span<const Flag> config = takes_config ? kConfigFlags : std::span<const Flag>{};
    for (const std::span<const Flag> list : {config, flags}) {
      for (const Flag& f : list) {
        if (f.name == flag) return &f;
      }
    }
    return nullptr;
  }

  /// The flag of this command that `--typed` most likely misspells, or empty.
  [[nodiscard]] std::string_view suggest_flag(std::string_view typed) const {
    ClosestWord closest{typed};
    closest.consider(kNowFlag.name);
    const std::span<const Flag> config = takes_config ? kConfigFlags : std::span<const Flag>{};
    for (const std::span<const Flag> list : {config, flags}) {
      for (const Flag& f : list)
        closest.consider(f.name);
    }
    return closest.best();
  }
};

/// Parsed command-line options: each flag's values in order, and the positional arguments.
class Args {
 public:
  Args(const Command& command, const std::vector<std::string>& raw) : command_(command.name) {
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const std::string& arg = raw[i];
      if (arg == "--help" || arg == "-h") {
        help_ = true;
        continue;
      }
      if (arg == "--") {  // everything after it is positional, even "--help" or "--x"
        positional_.insert(positional_.end(), raw.begin() + static_cast<std::ptrdiff_t>(i) + 1, raw.end());
        break;
      }
      if (arg.rfind("--", 0) != 0) {
        positional_.push_back(arg);
        continue;
      }
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (const auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const Flag* flag = command.find_flag(name);
      if (flag == nullptr) {
        std::string message = "unknown option --" + name + " for " + command_;
        if (const std::string_view guess = command.suggest_flag(name); !guess.empty()) {
          message += " (did you mean --" + std::string{guess} + "?)";
        }
        throw UsageError{message};
      }
      if (!value) {
        if (i + 1 >= raw.size()) throw UsageError{"--" + name + " needs a value"};
        value = raw[++i];
      }
      auto& slot = flags_[name];
      if (!slot.empty() && !flag->repeatable) throw UsageError{"--" + name + " may be given only once"};
      slot.push_back(*value);
    }
  }

  [[nodiscard]] bool help() const { return help_; }
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const {
    const auto it = flags_.find(name);
    if (it == flags_.end()) return std::nullopt;
    return it->second.front();
  }
  [[nodiscard]] std::vector<std::string> all(std::string_view name) const {
    const auto it = flags_.find(name);
    return it == flags_.end() ? std::vector<std::string>{} : it->second;
  }
  [[nodiscard]] std::string require(std::string_view name) const {
    auto v = get(name);
    if (!v) throw UsageError{command_ + " needs --" + std::string{name}};
    return *v;
  }
  /// Exactly `n` positional arguments, or a usage error.
  [[nodiscard]] const std::vector<std::string>& positional(std::size_t n, std::string_view what) const {
    if (positional_.size() != n) {
      throw UsageError{
          command_ + (n == 0 ? " takes no positional argument" : " needs exactly one " + std::string{what})};
    }
    return positional_;
  }

 private:
  std::string command_;
  std::map<std::string, std::vector<std::string>, std::less<>> flags_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

std::int64_t parse_int(const std::string& text, std::string_view flag) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument("trailing");
    return v;
  } catch (const std::exception&) {
    throw UsageError{"--" + std::string{flag} + " must be an integer"};
  }
}

/// `text` made safe for one line of a terminal (detail::append_printable): every message is
/// passed through it once, where it is written, so echoed input can never forge a line of output.
std::string printable(std::string_view text) {
  std::string out;
  jwtservice::detail::append_printable(out, text);
  return out;
}

/// The file's bytes. A directory, a missing file or an unreadable one is a usage error naming
/// the flag and the path (made printable where every message is written, in main); so is an empty file where
/// a secret (`secret_key` names it) is expected.
std::string read_file(const std::string& path, std::string_view flag, std::string_view secret_key = {}) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw UsageError{"--" + std::string{flag} + " " + path + " is a directory, not a file"};
  }
  std::ifstream in{path, std::ios::binary};
  if (!in) throw UsageError{"--" + std::string{flag} + ": cannot read " + path};
  std::string data{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  if (in.bad()) throw UsageError{"--" + std::string{flag} + ": cannot read " + path};
  if (!secret_key.empty() && data.empty()) {
    throw UsageError{"--" + std::string{flag} + " " + path + " is empty: " + std::string{secret_key} +
                     " needs at least one byte"};
  }
  return data;
}

/// TOKEN, or standard input for "-" with one trailing newline (\n or \r\n) removed. At most
/// `max_bytes` + 2 bytes are read: anything longer is refused as too large anyway.
std::string token_argument(const std::string& arg, std::size_t max_bytes) {
  if (arg != "-") return arg;
  std::string token(max_bytes + 2, '\0');
  std::cin.read(token.data(), static_cast<std::streamsize>(token.size()));
  token.resize(static_cast<std::size_t>(std::cin.gcount()));
  if (token.size() >= 2 && token.compare(token.size() - 2, 2, "\r\n") == 0) {
    token.resize(token.size() - 2);
  } else if (!token.empty() && token.back() == '\n') {
    token.pop_back();
  }
  return token;
}

/// The config file, overlaid by the environment, overlaid by the flags.
jwtservice::Config load_config(const Args& args) {
  json settings = json::object();
  if (const auto file = args.get("config")) {
    try {
      settings = json::parse(read_file(*file, "config"));
    } catch (const json::parse_error&) {
      throw UsageError{"--config " + *file + " is not valid JSON"};
    }
    if (!settings.is_object()) throw UsageError{"--config " + *file + " must hold a JSON object"};
  }
  for (const std::string_view name : jwtservice::config_keys()) {
    const std::string key{name};
    if (const char* value = std::getenv(key.c_str())) settings[key] = value;  // NOLINT(concurrency-mt-unsafe)
  }
  if (const auto file = args.get("secret-file"))
    settings["SECRET_KEY"] = read_file(*file, "secret-file", "SECRET_KEY");
  if (const auto files = args.all("fallback-secret-file"); !files.empty()) {
    json keys = json::array();
    for (const auto& file : files)
      keys.push_back(read_file(file, "fallback-secret-file", "JWTSERVICE_SECRET_KEY_FALLBACKS"));
    settings["JWTSERVICE_SECRET_KEY_FALLBACKS"] = std::move(keys);
  }
  if (const auto issuer = args.get("issuer")) settings["JWTSERVICE_ISSUER"] = *issuer;
  if (const auto leeway = args.get("leeway")) settings["JWTSERVICE_LEEWAY"] = *leeway;
  return jwtservice::load_token_config_from_dict(settings);
}

/// The store named by --store: `sqlite:PATH` on the same clock as the service (so --now holds
/// for it too), or Redis (which keeps time itself) at `redis[s]://...`, or at JWTSERVICE_REDIS_URL
/// for a bare `redis`, with the keys under JWTSERVICE_REDIS_PREFIX.
// clock and config go unused in a build without SQLite or without Redis.
jwtservice::RevocationStoreHandle open_store(const std::optional<std::string>& uri,
                                             [[maybe_unused]] jwtservice::Clock clock,
                                             [[maybe_unused]] const jwtservice::Config& config) {
  if (!uri) return {};
  constexpr std::string_view kSqlite = "sqlite:";
  if (uri->rfind(kSqlite, 0) == 0) {
#if JWTSERVICE_WITH_SQLITE
    return std::make_shared<jwtservice::SQLiteRevocationStore>(uri->substr(kSqlite.size()), 300,
                                                               std::move(clock));
#else
    throw UsageError{"this jwtservice was built without SQLite (JWTSERVICE_WITH_SQLITE=OFF)"};
#endif
  }
  if (*uri == "redis" || jwtservice::detail::redis_scheme_of(*uri) != nullptr) {
#if JWTSERVICE_WITH_REDIS
    // One Config-built store for both forms, so that every Redis key of the config (prefix,
    // JWTSERVICE_REDIS_ALLOW_EVICTION, ...) holds for --store redis://... as well.
    jwtservice::Config with_url = config;
    if (*uri != "redis") with_url.redis_url = *uri;
    if (!with_url.redis_url) throw UsageError{"--store redis needs JWTSERVICE_REDIS_URL"};
    return std::make_shared<jwtservice::RedisRevocationStore>(with_url);
#else
    throw UsageError{"this jwtservice was built without Redis (JWTSERVICE_WITH_REDIS=OFF)"};
#endif
  }
  // Not the URI itself: a redis URL with a typo in its scheme may still carry a password.
  throw UsageError{
      "unsupported --store (expected sqlite:PATH, redis[s]://[:password@]host:port[/db] or redis)"};
}

jwtservice::Service make_service(const Args& args, bool needs_store) {
  const auto store_uri = args.get("store");
  if (needs_store && !store_uri)
    throw UsageError{"this command needs --store sqlite:PATH or --store redis[s]://..."};
  jwtservice::ServiceOptions options;
  if (const auto now = args.get("now")) {
    const std::int64_t fixed = parse_int(*now, "now");
    options.clock = [fixed] { return fixed; };
  }
  jwtservice::Config config = load_config(args);
  options.revocation_store = open_store(store_uri, options.clock, config);
  return jwtservice::Service{std::move(config), std::move(options)};
}

/// `--action NAME` as a JWTAction; an unknown name is a usage error that lists the valid ones.
std::optional<jwtservice::JWTAction> action_argument(const Args& args) {
  const auto name = args.get("action");
  if (!name) return std::nullopt;
  if (auto action = jwtservice::action_from_name<jwtservice::JWTAction>(*name)) return action;
  std::string valid;
  for (const auto& [value, text] : jwtservice::action_traits<jwtservice::JWTAction>::names) {
    valid += valid.empty() ? "" : ", ";
    valid += text;
  }
  throw UsageError{"--action must be one of " + valid};
}

/// `--binding STR` or `--binding-file F` (the file's exact bytes, out of sight of ps).
std::optional<std::string> binding_argument(const Args& args) {
  auto text = args.get("binding");
  const auto file = args.get("binding-file");
  if (text && file) throw UsageError{"give --binding or --binding-file, not both"};
  if (file) return read_file(*file, "binding-file");
  return text;
}

json optional_json(const auto& value) { return value ? json(*value) : json(nullptr); }

/// The validate/consume output: every field, in the documented order, absent values null.
std::string result_json(const jwtservice::VerificationResult& r) {
  std::string out;
  auto field = [&out](std::string_view name, const json& value) {
    out += out.empty() ? '{' : ',';
    out += json(std::string{name}).dump();
    out += ':';
    out += value.dump();
  };
  field("valid", r.valid);
  field("status", std::string{to_string(r.status)});
  field("reason",
        r.reason == jwtservice::Reason::none ? json(nullptr) : json(std::string{to_string(r.reason)}));
  field("sub", optional_json(r.sub));
  field("action", r.action ? json(std::string{*jwtservice::action_name(*r.action)}) : json(nullptr));
  field("age", optional_json(r.age));
  field("expires_in", optional_json(r.expires_in));
  field("aud", optional_json(r.aud));
  field("jti", optional_json(r.jti));
  field("extra_data", r.extra_data ? *r.extra_data : json(nullptr));
  out += '}';
  return out;
}

int print_result(const jwtservice::VerificationResult& r) {
  std::cout << result_json(r) << '\n';
  return r.valid ? kExitOk : kExitInvalid;
}

int print_revoked(bool revoked) {
  std::cout << (revoked ? R"({"revoked":true})" : R"({"revoked":false})") << '\n';
  return revoked ? kExitOk : kExitInvalid;
}

int cmd_create(const Args& args) {
  (void)args.positional(0, "");
  auto service = make_service(args, false);
  jwtservice::CreateOptions options{.sub = args.require("sub")};
  options.action = action_argument(args);
  options.binding = binding_argument(args);
  if (const auto s = args.get("expires-in")) options.expires_in = parse_int(*s, "expires-in");
  options.audience = args.get("audience");
  options.jti = args.get("jti");
  if (const auto extra = args.get("extra-data")) {
    // The rules a token's JSON is held to: what a token may not carry, --extra-data may not either.
    auto object = jwtservice::detail::parse_strict_object(*extra);
    if (!object) {
      throw UsageError{"--extra-data must be a strict JSON object (" + std::string{kStrictRules} + ")"};
    }
    options.extra_data = std::move(*object);
  }
  std::cout << service.criar(options) << '\n';
  return kExitOk;
}

/// validate, or consume (validate, then revoke atomically): the same flags and output.
int validate_or_consume(const Args& args, bool consume) {
  auto service = make_service(args, consume);
  const auto token = token_argument(args.positional(1, "TOKEN")[0], service.config().max_token_bytes);
  jwtservice::ValidateOptions options{.action = action_argument(args), .binding = binding_argument(args)};
  if (auto audiences = args.all("audience"); !audiences.empty()) options.audience = std::move(audiences);
  if (const auto s = args.get("max-age")) {
    options.max_age = parse_int(*s, "max-age");
    if (*options.max_age <= 0) throw UsageError{"--max-age must be a positive number of seconds"};
  }
  try {
    return print_result(consume ? service.consumir(token, options) : service.validar(token, options));
  } catch (const jwtservice::StoreError& e) {
    // A store outage is the reason store_unavailable, as for validate.
    std::cerr << "jwtservice: " << printable(e.what()) << '\n';
    jwtservice::VerificationResult outage;
    outage.reason = jwtservice::Reason::store_unavailable;
    return print_result(outage);
  }
}

int cmd_validate(const Args& args) { return validate_or_consume(args, false); }

int cmd_consume(const Args& args) { return validate_or_consume(args, true); }

int cmd_revoke(const Args& args) {
  auto service = make_service(args, true);
  const auto token = token_argument(args.positional(1, "TOKEN")[0], service.config().max_token_bytes);
  return print_revoked(service.revogar(token, args.get("reason")));
}

int cmd_revoke_jti(const Args& args) {
  (void)args.positional(0, "");
  auto service = make_service(args, true);
  const auto exp = parse_int(args.require("exp"), "exp");
  return print_revoked(service.revogar_jti(args.require("jti"), exp, args.get("reason")));
}

/// The decoded header and payload of a compact JWS (three base64url segments), or false.
bool decode_segments(const std::string& token, std::string& header, std::string& payload) {
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string::npos ? std::string::npos : token.find('.', dot1 + 1);
  return dot2 != std::string::npos && token.find('.', dot2 + 1) == std::string::npos &&
         jwtservice::detail::base64url_decode(std::string_view{token}.substr(0, dot1), header) &&
         jwtservice::detail::base64url_decode(std::string_view{token}.substr(dot1 + 1, dot2 - dot1 - 1),
                                              payload);
}

/// `text` parsed with its members in their order, once the iterative strict reader has accepted
/// it: nlohmann's recursive parser never sees unchecked nesting. Nullopt when not strict JSON.
std::optional<nlohmann::ordered_json> strict_ordered_json(const std::string& text) {
  if (!jwtservice::detail::is_strict_json(text)) return std::nullopt;
  auto value = nlohmann::ordered_json::parse(text, nullptr, false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

int cmd_inspect(const Args& args) {
  const auto token = token_argument(args.positional(1, "TOKEN")[0], jwtservice::max_token_bytes_limit);
  std::string header;
  std::string payload;
  if (!decode_segments(token, header, payload)) {
    std::cerr << "jwtservice: not a decodable JWS compact token (three base64url segments, JSON header)\n";
    return kExitInvalid;
  }
  // ordered_json keeps the members in the token's order, as an operator expects to read them.
  const auto header_json = strict_ordered_json(header);
  const auto payload_json = strict_ordered_json(payload);
  if (!header_json || !payload_json) {
    std::cerr << "jwtservice: the token's " << (header_json ? "payload" : "header") << " is not strict JSON ("
              << kStrictRules << ")\n";
    return kExitInvalid;
  }
  if (!header_json->is_object()) {
    std::cerr << "jwtservice: not a decodable JWS compact token (three base64url segments, JSON header)\n";
    return kExitInvalid;
  }
  std::cout
      << R"({"verified":false,"warning":"UNVERIFIED: decoded only; signature, expiry and claims were not checked","header":)"
      << header_json->dump() << R"(,"payload":)" << payload_json->dump() << "}\n";
  return kExitOk;
}

int cmd_keygen(const Args& args) {
  (void)args.positional(0, "");
  std::int64_t bytes = 32;
  if (const auto b = args.get("bytes")) bytes = parse_int(*b, "bytes");
  if (bytes < 32 || bytes > 1024) throw UsageError{"--bytes must be between 32 and 1024"};
  std::cout << jwtservice::detail::base64url_encode(
                   jwtservice::detail::random_bytes(static_cast<std::size_t>(bytes)))
            << '\n';
  return kExitOk;
}

/// Every command, in the order the main help lists them: the one place a command is declared.
constexpr Command kCommands[] = {
    {.name = "create",
     .synopsis =
         "[CFG] --sub SUB [--action NAME] [--expires-in S] [--audience A] [--jti J] [--extra-data JSON]\n"
         "                        [--binding STR | --binding-file F]",
     .takes_config = true,
     .flags = kCreateFlags,
     .help = R"HELP(Prints a new token and a newline. --expires-in defaults to 600 (0 = no exp); --action is a
JWTAction name (VALIDAR_EMAIL, RESET_PASSWORD, PENDING_2FA, ACTIVATING_2FA,
PENDING_PASSWORD_CHANGE, NO_ACTION); --extra-data is a JSON object.
--binding STR / --binding-file F bind the token to the user's current state (a password hash,
say): the token carries a keyed digest of it (bnd) and validates only with the same state.

Example:
  SECRET_KEY=... jwtservice create --sub ana@example.com --action RESET_PASSWORD --expires-in 900
)HELP",
     .run = cmd_create},
    {.name = "validate",
     .synopsis = "[CFG] [--audience A]... [--action NAME] [--binding STR | --binding-file F] [--max-age S]\n"
                 "                        [--store URI] TOKEN",
     .takes_config = true,
     .flags = kValidateFlags,
     .help =
         R"HELP(Prints {"valid","status","reason","sub","action","age","expires_in","aud","jti","extra_data"}
(absent values null). Exit 0 valid, 1 invalid (including store_unavailable), 2 usage or
configuration error. The checks and their order: docs/validation.md.

  --audience A         the audience expected (instead of JWTSERVICE_AUDIENCE); several accept any
  --action NAME        the purpose expected: a JWTAction name (VALIDAR_EMAIL, RESET_PASSWORD,
                       PENDING_2FA, ACTIVATING_2FA, PENDING_PASSWORD_CHANGE, NO_ACTION); a token
                       without it or with another is refused (action_mismatch)
  --binding STR        the user's current binding state; a bound token needs the state it was
                       created with, and a state needs a bound token (binding_mismatch)
  --binding-file F     the same, the file's exact bytes (out of sight of ps)
  --max-age S          refuse a token issued S seconds ago or earlier (expired), whatever its exp
  --store URI          also refuse a revoked token (sqlite:PATH, redis[s]://..., redis)

Example:
  jwtservice validate --config app.json --audience web-app --action RESET_PASSWORD \
    --binding-file hash.txt --max-age 900 "$TOKEN"
)HELP",
     .run = cmd_validate},
    {.name = "revoke",
     .synopsis = "[CFG] --store URI [--reason R] TOKEN",
     .takes_config = true,
     .flags = kRevokeFlags,
     .help = R"HELP(Revokes the token until its exp (+ leeway); checks only signature and expiry. Prints
{"revoked":true|false}. Exit 0 when revoked now, 1 when not (already revoked, invalid,
expired, no jti), 2 when the store fails.

Example:
  jwtservice revoke --store sqlite:var/revocations.db --reason logout "$TOKEN"
)HELP",
     .run = cmd_revoke},
    {.name = "revoke-jti",
     .synopsis = "[CFG] --store URI --jti J --exp E [--reason R]",
     .takes_config = true,
     .flags = kRevokeJtiFlags,
     .help = R"HELP(Revokes a token id until E (Unix seconds, + leeway). Prints {"revoked":true|false}. Exit 0
when revoked now, 1 when not (already revoked, blank jti, E past), 2 when the store fails.

Example:
  jwtservice revoke-jti --store sqlite:var/revocations.db --jti 6f1c... --exp 1767225600 --reason incident
)HELP",
     .run = cmd_revoke_jti},
    {.name = "consume",
     .synopsis = "[CFG] [--audience A]... [--action NAME] [--binding STR | --binding-file F] [--max-age S]\n"
                 "                        --store URI TOKEN",
     .takes_config = true,
     .flags = kValidateFlags,
     .help = R"HELP(Validates the token and revokes it in one atomic step: valid exactly once. Prints the same
object as validate, with the same exit codes, and takes the same options (see
"jwtservice validate --help"). A refusal before the atomic step (a wrong --action or
--binding, say) does not use the token up.

Example:
  jwtservice consume --store sqlite:var/revocations.db - < reset-token.txt
)HELP",
     .run = cmd_consume},
    {.name = "inspect",
     .synopsis = "TOKEN",
     .takes_config = false,
     .flags = {},
     .help = R"HELP(Decodes the header and payload WITHOUT verifying anything and prints
{"verified":false,"warning":"UNVERIFIED ...","header":{...},"payload":{...}}.
Never trust what it shows. Exit 0 when the token decodes, 1 when it does not.

Example:
  jwtservice inspect "$TOKEN"
)HELP",
     .run = cmd_inspect},
    {.name = "keygen",
     .synopsis = "[--bytes N]",
     .takes_config = false,
     .flags = kKeygenFlags,
     .help = R"HELP(Prints a random secret of N bytes (default 32, at least 32, at most 1024) from OpenSSL's
CSPRNG, base64url-encoded, and a newline. Use the printed text itself as SECRET_KEY. A file
given to --secret-file is used byte for byte, so write it without the newline.

Example:
  jwtservice keygen | tr -d '\n' > secret.key && jwtservice create --secret-file secret.key --sub ana
)HELP",
     .run = cmd_keygen},
};

/// The table agrees with itself: CFG in a usage line exactly when the command takes a
/// configuration, and every flag of a command in its usage line, so that the help hides none.
constexpr bool usage_lines_match_flags() {
  for (const Command& command : kCommands) {
    if (command.synopsis.starts_with("[CFG]") != command.takes_config) return false;
    for (const Flag& flag : command.flags) {
      bool named = false;
      for (auto at = command.synopsis.find("--"); at != std::string_view::npos;
           at = command.synopsis.find("--", at + 2)) {
        named = named || command.synopsis.substr(at + 2).starts_with(flag.name);
      }
      if (!named) return false;
    }
  }
  return true;
}
static_assert(usage_lines_match_flags());

/// The command called `name`, or nullptr.
const Command* find_command(std::string_view name) {
  for (const Command& command : kCommands) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

/// The main help: what the tool does, each command's usage line, the options they share.
std::string main_help() {
  std::size_t width = 0;
  for (const Command& command : kCommands)
    width = std::max(width, command.name.size());
  std::string out{kMainHelpHead};
  for (const Command& command : kCommands) {
    out += "  jwtservice ";
    out += command.name;
    out.append(width - command.name.size() + 1, ' ');
    out += command.synopsis;
    out += '\n';
  }
  out += kMainHelpTail;
  return out;
}

/// A command's help: its usage line, then what it does and an example.
std::string command_help(const Command& command) {
  std::string out{"jwtservice "};
  out += command.name;
  out += ' ';
  out += command.synopsis;
  out += "\n\n";
  out += command.help;
  return out;
}

/// The usage error for a word that names no command. A forgotten command word leaves a token
/// or a secret here: echo only what looks like a mistyped command word (short, lower-case
/// letters and dashes), never anything else, and name the command it most likely misspells.
UsageError unknown_command(std::string_view name) {
  const bool word = name.size() <= 20 && std::all_of(name.begin(), name.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || c == '-';
                    });
  if (!word) {
    return UsageError{"unknown command (not shown: it may be a token or a secret; run jwtservice --help)"};
  }
  ClosestWord closest{name};
  for (const Command& command : kCommands)
    closest.consider(command.name);
  std::string message = "unknown command '" + std::string{name} + "'";
  if (!closest.best().empty()) message += " (did you mean '" + std::string{closest.best()} + "'?)";
  return UsageError{message + "; run jwtservice --help"};
}

/// No arguments (usage error), `--help`, `-h`, `help` (the main help) or `help COMMAND` (a
/// command that does not exist is a usage error).
int print_help(int argc, char** argv) {
  if (argc >= 3 && std::string_view{argv[1]} == "help") {
    const Command* command = find_command(argv[2]);
    if (command == nullptr) throw unknown_command(argv[2]);
    std::cout << command_help(*command);
    return kExitOk;
  }
  (argc < 2 ? std::cerr : std::cout) << main_help();
  return argc < 2 ? kExitUsage : kExitOk;
}

int run(int argc, char** argv) {
  if (argc < 2 || std::string_view{argv[1]} == "--help" || std::string_view{argv[1]} == "-h" ||
      std::string_view{argv[1]} == "help") {
    return print_help(argc, argv);
  }
  if (const std::string_view first = argv[1]; first == "--version" || first == "-V" || first == "version") {
    std::cout << "jwtservice " << JWTSERVICE_VERSION_STRING << '\n';
    return kExitOk;
  }
  const Command* command = find_command(argv[1]);
  if (command == nullptr) throw unknown_command(argv[1]);
  const Args args{*command, std::vector<std::string>(argv + 2, argv + argc)};
  if (args.help()) {
    std::cout << command_help(*command);
    return kExitOk;
  }
  return command->run(args);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const UsageError& e) {
    std::cerr << "jwtservice: " << printable(e.message) << '\n';
  } catch (const jwtservice::Error& e) {
    std::cerr << "jwtservice: " << printable(e.what()) << '\n';
  } catch (const std::exception& e) {
    std::cerr << "jwtservice: unexpected error: " << printable(e.what()) << '\n';
  }
  return kExitUsage;
}
