// The hiredis glue: a small pool of connections with timeouts, TLS for rediss://, AUTH and
// SELECT, replacement of any connection that failed, and replies read against a deadline and
// a size cap (hiredis connects and parses; the bytes go through redis_transport.cpp).
#include "jwtservice/detail/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <utility>

#include "jwtservice/config.hpp"
#include "jwtservice/errors.hpp"
#include "redis_transport.hpp"

namespace jwtservice::detail {
namespace {

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

struct ContextDeleter {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

/// One connection: hiredis's context (the socket and the reply reader) and the transport that
/// carries its bytes, plain or TLS.
struct Connection {
  explicit Connection(Context c) : context(std::move(c)), transport(context->fd) {}
  Context context;
  Transport transport;  // declared after the context: its TLS session goes before the socket
};
using ConnectionPtr = std::unique_ptr<Connection>;

struct ReplyDeleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

/// What the reader of one reply may still allocate: a declared array is refused before hiredis
/// allocates it (hiredis 0.14 callocs a declared `*2000000000` up front and has no limit of
/// its own), so a hostile or broken server cannot make the process allocate more than the
/// reply caps allow.
struct ReplyBudget {
  long long elements_left = max_reply_elements;
  bool exceeded = false;
};

using CreateArray = void* (*)(const redisReadTask*, int);
CreateArray hiredis_create_array = nullptr;  // set once, before bounded_functions() returns

void* create_array_within_budget(const redisReadTask* task, int elements) {
  auto* budget = static_cast<ReplyBudget*>(task->privdata);
  if (budget == nullptr || elements < 0 || elements > budget->elements_left) {
    if (budget != nullptr) budget->exceeded = true;
    return nullptr;  // hiredis then fails the reply ("out of memory") and allocates nothing
  }
  budget->elements_left -= elements;
  return hiredis_create_array(task, elements);
}

/// hiredis's own reply constructors, with createArray behind the budget.
redisReplyObjectFunctions* bounded_functions(const redisReplyObjectFunctions* defaults) {
  static redisReplyObjectFunctions functions = [defaults] {
    redisReplyObjectFunctions f = *defaults;
    hiredis_create_array = f.createArray;
    f.createArray = &create_array_within_budget;
    return f;
  }();
  return &functions;
}

/// Points the reader at a command's budget while that command reads its reply.
class BudgetInUse {
 public:
  BudgetInUse(redisReader* reader, ReplyBudget* budget) noexcept : reader_(reader) {
    reader_->privdata = budget;
  }
  ~BudgetInUse() { reader_->privdata = nullptr; }
  BudgetInUse(const BudgetInUse&) = delete;
  BudgetInUse& operator=(const BudgetInUse&) = delete;

 private:
  redisReader* reader_;
};

struct CommandDeleter {
  void operator()(char* command) const noexcept { redisFreeCommand(command); }
};
using FormattedCommand = std::unique_ptr<char, CommandDeleter>;

RedisReply copy_reply(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_NIL: out.type = RedisReply::Type::nil; break;
    case REDIS_REPLY_STATUS: out.type = RedisReply::Type::status; break;
    case REDIS_REPLY_ERROR: out.type = RedisReply::Type::error; break;
    case REDIS_REPLY_INTEGER: out.type = RedisReply::Type::integer; break;
    case REDIS_REPLY_ARRAY: out.type = RedisReply::Type::array; break;
    default: out.type = RedisReply::Type::string; break;
  }
  if (r.type == REDIS_REPLY_INTEGER) out.integer = static_cast<std::int64_t>(r.integer);
  if (r.str != nullptr) out.text.assign(r.str, r.len);
  if (r.type == REDIS_REPLY_ARRAY) {
    out.elements.reserve(r.elements);
    for (std::size_t i = 0; i < r.elements; ++i)
      out.elements.push_back(r.element[i] != nullptr ? copy_reply(*r.element[i]) : RedisReply{});
  }
  return out;
}

/// At most 200 bytes of what a server said, for a message: an error reply may be as long as
/// the reply cap, and a sentinel search joins the answers of up to 16 sentinels.
std::string clipped(std::string_view text) {
  constexpr std::size_t kMost = 200;
  return text.size() <= kMost ? std::string{text} : std::string{text.substr(0, kMost)} + "...";
}

/// Why hiredis could not connect (null: it could not even allocate its context).
std::string connect_error(const redisContext* c) {
  if (c == nullptr) return "out of memory";
  return c->errstr[0] != '\0' ? c->errstr : "connection failed";
}

}  // namespace

struct RedisConnectionPool::Impl {
  const RedisConnectionPool* owner = nullptr;  // handed to on_open
  RedisUrl url;
  std::string name;
  timeval connect_timeout{};
  std::chrono::milliseconds connect_timeout_ms{};
  std::chrono::milliseconds command_timeout{};
  std::unique_ptr<TlsSettings> tls;  // rediss:// only
  std::string sentinel_password;
  std::atomic<std::size_t> preferred_sentinel{0};  // the sentinel that answered last
  RedisConnectCheck on_open;
  std::chrono::milliseconds reconnect_backoff{};
  std::size_t max_connections = 1;

  std::mutex mutex;
  std::condition_variable returned;
  std::vector<ConnectionPtr> idle;  // LIFO: the most recently used connection is reused first
  std::size_t open = 0;             // idle + borrowed
  SteadyTime no_connect_before{};   // the back-off after a failed connection attempt
  std::string last_connect_error;

  [[noreturn]] void fail(std::string_view what, std::string_view detail = {}) const {
    std::string message{"Redis at "};
    message += name;
    message += ": ";
    message += what;
    if (!detail.empty()) {
      message += ": ";
      message += detail;
    }
    throw StoreError(message);
  }

  /// A socket to `host:port`, its TLS started when the URL asks for it (the certificate must
  /// hold `tls_name`), or null with `failure` set.
  ConnectionPtr open_socket(const std::string& host, int port, std::string_view tls_name,
                            Failure& failure) const {
    Context context{redisConnectWithTimeout(host.c_str(), port, connect_timeout)};
    if (!context || context->err != 0) {
      failure = {connect_error(context.get()), false};
      return nullptr;
    }
    (void)redisEnableKeepAlive(context.get());  // finds a silently dead peer of an idle connection
    context->reader->fn = bounded_functions(context->reader->fn);
    auto c = std::make_unique<Connection>(std::move(context));
    if (tls && !c->transport.start_tls(*tls, tls_name, std::chrono::steady_clock::now() + connect_timeout_ms,
                                       failure)) {
      return nullptr;
    }
    return c;
  }

  /// One set-up command; false with `problem` set when it failed or was refused.
  bool set_up(Connection& c, const std::vector<std::string_view>& args, std::string_view step,
              std::string& problem) const {
    RedisReply reply;
    Failure failure;
    if (!run(c, args, reply, failure)) {
      problem = std::string{step} + " failed: " + failure.message;
      return false;
    }
    if (reply.type == RedisReply::Type::error) {
      problem = std::string{step} + " failed: " + clipped(reply.text);
      return false;
    }
    return true;
  }

  /// A connection to `target`, authenticated (AUTH) and on the URL's database (SELECT), or null
  /// with `problem` set.
  ConnectionPtr open_server(const RedisEndpoint& target, std::string& problem) const {
    Failure failure;
    ConnectionPtr c = open_socket(target.host, target.port, tls ? tls->name_for(target.host) : "", failure);
    if (!c) {
      problem = "cannot connect: " + failure.message;
      return nullptr;
    }
    if (url.password) {
      std::vector<std::string_view> auth{"AUTH"};
      if (url.username) auth.emplace_back(*url.username);
      auth.emplace_back(*url.password);
      if (!set_up(*c, auth, "AUTH", problem)) return nullptr;
    }
    if (url.db != 0) {
      const std::string db = std::to_string(url.db);
      if (!set_up(*c, {"SELECT", db}, "SELECT", problem)) return nullptr;
    }
    return c;
  }

  /// What `sentinel` names as the primary of the URL's SERVICE, or nullopt with `problem` set.
  std::optional<RedisEndpoint> ask(const RedisEndpoint& sentinel, std::string& problem) const {
    Failure failure;
    RedisReply reply;
    ConnectionPtr c = open_socket(sentinel.host, sentinel.port, sentinel.host, failure);
    if (!c) {
      problem = "cannot connect: " + failure.message;
      return std::nullopt;
    }
    if (!sentinel_password.empty() && !set_up(*c, {"AUTH", sentinel_password}, "AUTH", problem))
      return std::nullopt;
    if (!run(*c, {"SENTINEL", "get-master-addr-by-name", url.service}, reply, failure)) {
      problem = failure.message;
      return std::nullopt;
    }
    if (reply.type == RedisReply::Type::nil) {
      problem = "does not know " + url.service;
      return std::nullopt;
    }
    if (reply.type == RedisReply::Type::array && reply.elements.size() == 2) {
      RedisEndpoint primary{.host = reply.elements[0].text, .port = 0};
      const std::string& port = reply.elements[1].text;
      const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), primary.port);
      if (ec == std::errc{} && end == port.data() + port.size() && primary.port > 0 && primary.port < 65536 &&
          !primary.host.empty()) {
        return primary;
      }
      problem = "named a malformed address";
      return std::nullopt;
    }
    problem = reply.type == RedisReply::Type::error ? clipped(reply.text) : "gave an unexpected reply";
    return std::nullopt;
  }

  /// ROLE on a connection to what a sentinel named: an answer is never taken from a replica
  /// (a sentinel may not have seen a failover yet, or a demoted primary came back). False with
  /// `failure` set otherwise: not final for a replica (another connection may find the
  /// primary); for ROLE failing, as its failure says; final for ROLE refused (BUSY, say), where
  /// a new connection would be refused the same.
  bool is_primary(Connection& c, Failure& failure) const {
    RedisReply role;
    if (!run(c, {"ROLE"}, role, failure)) {
      failure.message = "ROLE failed: " + failure.message;
      return false;
    }
    if (role.type == RedisReply::Type::array && !role.elements.empty() && role.elements[0].text == "master") {
      return true;
    }
    if (role.type == RedisReply::Type::error) {
      failure = {"ROLE failed: " + clipped(role.text), true};
      return false;
    }
    failure = {"is not a primary (ROLE: " +
                   (role.elements.empty() ? std::string{"?"} : clipped(role.elements[0].text)) +
                   "); not using a replica",
               false};
    return false;
  }

  /// After an error reply on a sentinel URL's connection, ROLE again: an error may be the first
  /// sign that the server was demoted. False with `failure` set when it no longer says primary
  /// (the idle connections, most likely to the same server, are closed too, and with_retry
  /// retries once on a new connection, which asks the sentinels) or when ROLE failed. One more
  /// round trip, on error replies only (NOSCRIPT once per script and server, OOM, NOPERM).
  bool role_holds_after(const RedisReply& reply, Connection& c, Failure& failure) {
    if (url.sentinels.empty() || reply.type != RedisReply::Type::error) return true;
    if (is_primary(c, failure)) return true;
    failure.message = "ROLE after the error reply \"" + clipped(reply.text) + "\": " + failure.message;
    if (!failure.final) drop_idle();
    return false;
  }

  /// A connection to the primary of the URL's SERVICE: each sentinel in turn (starting with the
  /// one that led to the primary last time) is asked, and what it names is connected to and
  /// confirmed with ROLE; a sentinel whose answer fails that is passed over for the next. The
  /// search stops at its time budget, twice the connect and the command timeouts, so that
  /// unreachable sentinels cannot hold a call much longer than one server would.
  ConnectionPtr connect_through_sentinels() {
    const SteadyTime give_up = std::chrono::steady_clock::now() + 2 * (connect_timeout_ms + command_timeout);
    const std::size_t count = url.sentinels.size();
    const std::size_t first = preferred_sentinel.load(std::memory_order_relaxed);
    std::string errors;
    for (std::size_t k = 0; k < count; ++k) {
      if (k > 0 && std::chrono::steady_clock::now() > give_up) {
        errors += "; the other sentinels were not asked (the time budget of the search had passed)";
        break;
      }
      const std::size_t i = (first + k) % count;
      const RedisEndpoint& sentinel = url.sentinels[i];
      std::string problem;
      if (const std::optional<RedisEndpoint> primary = ask(sentinel, problem)) {
        ConnectionPtr c = open_server(*primary, problem);
        Failure not_primary;
        if (c && is_primary(*c, not_primary)) {
          preferred_sentinel.store(i, std::memory_order_relaxed);
          return c;
        }
        if (c) problem = std::move(not_primary.message);
        std::string named = "named " + endpoint_name(primary->host, primary->port);
        named += ", which ";
        problem = std::move(named += problem);
      }
      errors += errors.empty() ? "" : "; ";
      errors += "sentinel " + endpoint_name(sentinel.host, sentinel.port) + ": " + problem;
    }
    fail("no sentinel led to a primary of " + url.service, errors);
  }

  /// A new connection, authenticated, on the right database, confirmed as the primary (for a
  /// sentinel URL) and accepted by the owner's check; throws StoreError.
  ConnectionPtr connect() {
    ConnectionPtr c;
    if (url.sentinels.empty()) {
      std::string problem;
      c = open_server({.host = url.host, .port = url.port}, problem);
      if (!c) fail(problem);
    } else {
      c = connect_through_sentinels();
    }
    if (on_open) {
      on_open(
          [&](const std::vector<std::string_view>& args) {
            RedisReply reply;
            Failure failed;
            if (!run(*c, args, reply, failed))
              fail(std::string{args.empty() ? std::string_view{} : args[0]} + " failed", failed.message);
            return reply;
          },
          *owner);
    }
    return c;
  }

  /// One command on `c` within the command timeout, sending and receiving alike (a server
  /// that drips its reply a byte at a time cannot hold a call longer), and within the reply
  /// caps (max_reply_bytes, max_reply_elements). The reply, or false with `failure` set: the
  /// connection is then dead, whatever state the stream is in.
  bool run(Connection& c, const std::vector<std::string_view>& args, RedisReply& out,
           Failure& failure) const {
    const SteadyTime deadline = std::chrono::steady_clock::now() + command_timeout;
    return send_command(c, args, deadline, failure) && receive_reply(c, deadline, out, failure);
  }

  /// A write and `WAIT replicas timeout` after it, sent together on `c` (WAIT counts the
  /// replicas that acknowledged this connection's writes). The server may hold WAIT's reply
  /// for up to the command timeout, so the deadline is twice that.
  bool run_then_wait(Connection& c, const std::vector<std::string_view>& args, std::string_view replicas,
                     RedisReply (&out)[2], Failure& failure) const {
    const SteadyTime deadline = std::chrono::steady_clock::now() + 2 * command_timeout;
    const std::string timeout = std::to_string(command_timeout.count());
    return send_command(c, args, deadline, failure) &&
           send_command(c, {"WAIT", replicas, timeout}, deadline, failure) &&
           receive_reply(c, deadline, out[0], failure) && receive_reply(c, deadline, out[1], failure);
  }

  /// Writes the command in RESP before `deadline`.
  static bool send_command(Connection& c, const std::vector<std::string_view>& args, SteadyTime deadline,
                           Failure& failure) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    char* raw = nullptr;
    const int length =
        redisFormatCommandArgv(&raw, static_cast<int>(argv.size()), argv.data(), lengths.data());
    const FormattedCommand command{raw};
    if (length < 0 || !command) throw std::bad_alloc();
    return c.transport.send_all({command.get(), static_cast<std::size_t>(length)}, deadline, failure);
  }

  /// Reads one whole reply before `deadline`, within the size and element caps.
  bool receive_reply(Connection& c, SteadyTime deadline, RedisReply& out, Failure& failure) const {
    redisReader* const reader = c.context->reader;
    ReplyBudget budget;
    const BudgetInUse in_use{reader, &budget};
    std::size_t received = 0;
    std::array<char, 16384> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): written by receive
    for (;;) {
      void* parsed = nullptr;
      if (redisReaderGetReply(reader, &parsed) != REDIS_OK) {
        failure.final = true;
        failure.message = budget.exceeded ? "the reply has more array elements than the cap of " +
                                                std::to_string(max_reply_elements) + " (connection dropped)"
                                          : std::string{"protocol error: "} + reader->errstr;
        return false;
      }
      if (parsed != nullptr) {
        const Reply reply{static_cast<redisReply*>(parsed)};
        out = copy_reply(*reply);
        return true;
      }
      const std::size_t n = c.transport.receive(buffer.data(), buffer.size(), deadline, failure);
      if (n == 0) return false;
      received += n;
      if (received > max_reply_bytes) {
        failure = {"the reply is larger than the cap of " + std::to_string(max_reply_bytes) +
                       " bytes (connection dropped)",
                   true};
        return false;
      }
      if (redisReaderFeed(reader, buffer.data(), n) != REDIS_OK) throw std::bad_alloc();
    }
  }

  /// An idle connection (reused = true), or a new one, waiting while all are borrowed.
  std::pair<ConnectionPtr, bool> borrow() {
    std::unique_lock lock{mutex};
    returned.wait(lock, [&] { return !idle.empty() || open < max_connections; });
    if (!idle.empty()) {
      ConnectionPtr c = std::move(idle.back());
      idle.pop_back();
      return {std::move(c), true};
    }
    if (std::chrono::steady_clock::now() < no_connect_before) {
      const std::string last = last_connect_error;
      lock.unlock();
      fail("unreachable, not retrying yet", last);
    }
    ++open;
    lock.unlock();
    try {
      return {connect(), false};
    } catch (const StoreError& e) {
      connect_failed(e.what());
      throw;
    } catch (...) {  // out of memory: free the place, but no back-off
      give_back(nullptr);
      throw;
    }
  }

  /// Frees the place of a connection that could not be opened and starts the back-off.
  void connect_failed(std::string_view error) {
    {
      std::lock_guard lock{mutex};
      --open;
      if (reconnect_backoff.count() > 0) {
        no_connect_before = std::chrono::steady_clock::now() + reconnect_backoff;
        last_connect_error = error;
      }
    }
    returned.notify_one();
  }

  /// Closes every idle connection: one that had worked has just failed without a timeout, so the
  /// server most likely restarted or dropped its clients, and the other idle ones are as dead.
  /// Without this, the retry would take the next stale connection (at most one retry is made).
  void drop_idle() {
    std::vector<ConnectionPtr> stale;
    stale.reserve(max_connections);  // `idle` keeps its capacity: give_back never allocates
    {
      std::lock_guard lock{mutex};
      for (auto& c : idle)
        stale.push_back(std::move(c));
      open -= idle.size();
      idle.clear();
    }
    returned.notify_all();
  }  // closed here, outside the lock

  /// Runs `exchange` on a borrowed connection: it returns false with `failure` set when the
  /// connection failed. A connection that had worked may have been cut while idle (the server
  /// restarted): one retry on a fresh connection makes the first call after a restart succeed,
  /// and the other idle connections, cut by the same restart, are closed first so that the
  /// retry cannot take one of them. A timeout is not retried: the server is there but slow; nor
  /// is a reply over the caps or garbled. For `SET NX` a retry after a lost reply can only turn
  /// "inserted" into "already there" (fail closed), never make two callers win.
  template <class Exchange>
  void with_retry(Exchange&& exchange) {
    for (int attempt = 0;; ++attempt) {
      auto [connection, reused] = borrow();
      Failure failure;
      bool answered = false;
      try {
        answered = exchange(*connection, failure);
      } catch (...) {  // out of memory copying the reply: the connection's state is unknown
        give_back(nullptr);
        throw;
      }
      if (answered) {
        give_back(std::move(connection));
        return;
      }
      give_back(nullptr);  // a failed connection is never reused
      if (reused && attempt == 0 && !failure.final) {
        drop_idle();
        continue;
      }
      fail("command failed", failure.message);
    }
  }

  /// Puts a healthy connection back, or closes a failed one (null) and frees its place.
  void give_back(ConnectionPtr c) {
    {
      std::lock_guard lock{mutex};
      if (c) {
        idle.push_back(std::move(c));
      } else {
        --open;
      }
    }
    returned.notify_one();
  }
};

RedisConnectionPool::RedisConnectionPool(RedisUrl url, const RedisOptions& options, RedisConnectCheck on_open)
    : impl_(std::make_unique<Impl>()) {
  impl_->owner = this;
  impl_->on_open = std::move(on_open);
  impl_->name = url.redacted();
  impl_->url = std::move(url);
  impl_->connect_timeout = to_timeval(options.connect_timeout);
  impl_->connect_timeout_ms = options.connect_timeout;
  if (impl_->url.tls) impl_->tls = std::make_unique<TlsSettings>(options);
  impl_->sentinel_password = options.sentinel_password;
  impl_->command_timeout = options.command_timeout;
  impl_->reconnect_backoff = options.reconnect_backoff;
  impl_->max_connections = options.pool_size;
  impl_->idle.reserve(options.pool_size);
}

RedisConnectionPool::~RedisConnectionPool() = default;

const std::string& RedisConnectionPool::name() const noexcept { return impl_->name; }

const RedisUrl& RedisConnectionPool::url() const noexcept { return impl_->url; }

void RedisConnectionPool::fail(std::string_view what, std::string_view detail) const {
  impl_->fail(what, detail);
}

void RedisConnectionPool::unexpected_reply(std::string_view command, const RedisReply& reply) const {
  if (reply.type == RedisReply::Type::error) fail(std::string{command} + " failed", clipped(reply.text));
  fail(std::string{command} + " gave an unexpected reply");
}

RedisReply RedisConnectionPool::command(std::initializer_list<std::string_view> args) {
  return command(std::vector<std::string_view>(args));
}

namespace {
/// A reply that says the server is no longer the primary: a replica refusing a write
/// (READONLY) or a replica cut from its primary (MASTERDOWN). The connection is dropped and the
/// call tried once more on a new one, which asks the sentinels again and confirms the role.
bool demoted(const RedisReply& reply, Failure& failure) {
  if (reply.type != RedisReply::Type::error) return false;
  if (!reply.text.starts_with("READONLY") && !reply.text.starts_with("MASTERDOWN")) return false;
  failure = {"the server is no longer the primary: " + clipped(reply.text), false};
  return true;
}
}  // namespace

RedisReply RedisConnectionPool::command(const std::vector<std::string_view>& args) {
  RedisReply reply;
  impl_->with_retry([&](Connection& c, Failure& failure) {
    return impl_->run(c, args, reply, failure) && !demoted(reply, failure) &&
           impl_->role_holds_after(reply, c, failure);
  });
  return reply;
}

RedisReply RedisConnectionPool::command_then_wait(const std::vector<std::string_view>& args, int replicas) {
  if (replicas <= 0) return command(args);
  const std::string wanted = std::to_string(replicas);
  RedisReply replies[2];
  impl_->with_retry([&](Connection& c, Failure& failure) {
    return impl_->run_then_wait(c, args, wanted, replies, failure) && !demoted(replies[0], failure) &&
           impl_->role_holds_after(replies[0].type == RedisReply::Type::error ? replies[0] : replies[1], c,
                                   failure);
  });
  RedisReply& waited = replies[1];
  // Only a write that happened waits: an error, or nil (`SET NX` found the key), wrote nothing.
  if (replies[0].type != RedisReply::Type::error && replies[0].type != RedisReply::Type::nil) {
    if (waited.type != RedisReply::Type::integer) unexpected_reply("WAIT", waited);
    if (waited.integer < replicas) {
      fail(
          std::string{args.empty() ? std::string_view{} : args[0]} + " was acknowledged by " +
              std::to_string(waited.integer) + " of the " + wanted + " replicas required within " +
              std::to_string(impl_->command_timeout.count()) + " ms",
          "the write may be on the primary only (JWTSERVICE_REDIS_MIN_REPLICAS, RedisOptions::min_replicas)");
    }
  }
  return std::move(replies[0]);
}

std::string redis_url_of(const Config& config) {
  if (!config.redis_url) {
    throw ConfigError("JWTSERVICE_REDIS_URL must be set to use Redis (redis[s]://host:port/db)");
  }
  try {
    (void)RedisUrl::parse(*config.redis_url);
  } catch (const ConfigError& e) {  // name the key the URL came from
    throw ConfigError(std::string{"JWTSERVICE_REDIS_URL: "} + e.what());
  }
  return *config.redis_url;
}

RedisOptions with_config(const Config& config, const RedisOptions& options) {
  // Options given in code win: a field still at its default takes the config's value.
  static const RedisOptions defaults{};
  RedisOptions out = options;
  if (options.prefix == defaults.prefix) out.prefix = config.redis_prefix;
  if (options.min_replicas == defaults.min_replicas)
    out.min_replicas = static_cast<int>(config.redis_min_replicas);
  for (const auto& [field, value] :
       {std::pair{&RedisOptions::ca_file, &config.redis_ca_file},
        std::pair{&RedisOptions::tls_server_name, &config.redis_tls_server_name},
        std::pair{&RedisOptions::sentinel_password, &config.redis_sentinel_password}}) {
    if ((out.*field).empty() && *value) out.*field = **value;
  }
  // A client certificate and its key come together, from the code or from the config.
  if (out.cert_file.empty() && out.key_file.empty()) {
    out.cert_file = config.redis_cert_file.value_or("");
    out.key_file = config.redis_key_file.value_or("");
  }
  out.allow_eviction = options.allow_eviction || config.redis_allow_eviction;
  return out;
}

void check_redis_options(const RedisOptions& options) {
  if (options.connect_timeout.count() <= 0) {
    throw ConfigError("RedisOptions::connect_timeout must be a positive duration");
  }
  if (options.command_timeout.count() <= 0) {
    throw ConfigError("RedisOptions::command_timeout must be a positive duration");
  }
  if (options.reconnect_backoff.count() < 0) {
    throw ConfigError("RedisOptions::reconnect_backoff must not be negative");
  }
  if (options.pool_size < 1 || options.pool_size > 1024) {
    throw ConfigError("RedisOptions::pool_size must be from 1 to 1024");
  }
  if (options.min_replicas < 0 || options.min_replicas > max_min_replicas) {
    throw ConfigError("RedisOptions::min_replicas must be from 0 to " + std::to_string(max_min_replicas));
  }
}

}  // namespace jwtservice::detail
