// The hiredis glue: a small pool of blocking connections with timeouts, AUTH and SELECT, and
// replacement of any connection that failed.
#include "jwtservice/detail/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

#ifndef _WIN32
#include <pthread.h>
#include <sys/time.h>

#include <csignal>
#endif

#include "jwtservice/config.hpp"
#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

/// hiredis writes with write(2): a peer that has gone away would raise SIGPIPE, whose default
/// action ends the process. A library must not change the process's handler, so SIGPIPE is
/// blocked in the calling thread for the duration of a command, and one it raised is consumed
/// (libpq does the same).
class SigpipeGuard {
 public:
#ifndef _WIN32
  SigpipeGuard() noexcept {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        sigset_t pipe_only;
        sigemptyset(&pipe_only);
        sigaddset(&pipe_only, SIGPIPE);
        const timespec zero{};
        while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }

 private:
  sigset_t old_mask_{};
  bool was_pending_ = false;
#else
  SigpipeGuard() noexcept = default;
#endif
 public:
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
};

struct ContextDeleter {
  void operator()(redisContext* c) const noexcept { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const noexcept { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

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

/// What went wrong on a context, and whether it was a timeout (not worth retrying).
struct Failure {
  std::string message;
  bool timeout = false;
};

Failure failure_of(const redisContext* c, int saved_errno) {
  Failure f;
  if (c == nullptr) return {"out of memory", false};
#ifdef REDIS_ERR_TIMEOUT
  f.timeout = c->err == REDIS_ERR_TIMEOUT;
#endif
  // hiredis 0.14 reports a receive timeout as an I/O error with EAGAIN.
  if (c->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK ||
                                 std::string_view{c->errstr} == "Resource temporarily unavailable")) {
    f.timeout = true;
  }
  f.message = f.timeout ? "timed out" : (c->errstr[0] != '\0' ? c->errstr : "connection failed");
  return f;
}

}  // namespace

struct RedisConnectionPool::Impl {
  RedisUrl url;
  std::string name;
  timeval connect_timeout{};
  timeval command_timeout{};
  std::chrono::milliseconds reconnect_backoff{};
  std::size_t max_connections = 1;

  std::mutex mutex;
  std::condition_variable returned;
  std::vector<Context> idle;       // LIFO: the most recently used connection is reused first
  std::size_t open = 0;            // idle + borrowed
  SteadyTime no_connect_before{};  // the back-off after a failed connection attempt
  std::string last_connect_error;

  [[noreturn]] void fail(std::string_view what, std::string_view detail) const {
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

  /// A new connection, authenticated and on the right database; throws StoreError.
  Context connect() {
    Context c{redisConnectWithTimeout(url.host.c_str(), url.port, connect_timeout)};
    if (!c || c->err != 0) fail("cannot connect", failure_of(c.get(), errno).message);
    if (redisSetTimeout(c.get(), command_timeout) != REDIS_OK) fail("cannot set the command timeout", "");
    (void)redisEnableKeepAlive(c.get());  // finds a silently dead peer of an idle connection
    if (url.password) {
      std::vector<std::string_view> auth{"AUTH"};
      if (url.username) auth.emplace_back(*url.username);
      auth.emplace_back(*url.password);
      setup(c.get(), auth, "AUTH");
    }
    if (url.db != 0) {
      const std::string db = std::to_string(url.db);
      setup(c.get(), {"SELECT", db}, "SELECT");
    }
    return c;
  }

  /// One command on `c`: the reply, or false with `failure` set (the connection is then dead).
  static bool run(redisContext* c, const std::vector<std::string_view>& args, RedisReply& out,
                  Failure& failure) {
    std::vector<const char*> argv;
    std::vector<std::size_t> lengths;
    argv.reserve(args.size());
    lengths.reserve(args.size());
    for (const auto a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    errno = 0;
    const Reply reply{static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()))};
    const int saved_errno = errno;
    if (!reply || c->err != 0) {
      failure = failure_of(c, saved_errno);
      return false;
    }
    out = copy_reply(*reply);
    return true;
  }

  /// One command during connect: an error reply or a failure is a StoreError naming `step`.
  void setup(redisContext* c, const std::vector<std::string_view>& args, std::string_view step) const {
    RedisReply reply;
    Failure failure;
    if (!run(c, args, reply, failure)) fail(std::string{step} + " failed", failure.message);
    if (reply.type == RedisReply::Type::error) fail(std::string{step} + " failed", reply.text);
  }

  /// An idle connection (reused = true), or a new one, waiting while all are borrowed.
  std::pair<Context, bool> borrow() {
    std::unique_lock lock{mutex};
    returned.wait(lock, [&] { return !idle.empty() || open < max_connections; });
    if (!idle.empty()) {
      Context c = std::move(idle.back());
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

  /// Puts a healthy connection back, or closes a failed one (null) and frees its place.
  void give_back(Context c) {
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

RedisConnectionPool::RedisConnectionPool(RedisUrl url, const RedisOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->name = url.redacted();
  impl_->url = std::move(url);
  impl_->connect_timeout = to_timeval(options.connect_timeout);
  impl_->command_timeout = to_timeval(options.command_timeout);
  impl_->reconnect_backoff = options.reconnect_backoff;
  impl_->max_connections = options.pool_size;
  impl_->idle.reserve(options.pool_size);
}

RedisConnectionPool::~RedisConnectionPool() = default;

const std::string& RedisConnectionPool::name() const noexcept { return impl_->name; }

RedisReply RedisConnectionPool::command(std::initializer_list<std::string_view> args) {
  return command(std::vector<std::string_view>(args));
}

RedisReply RedisConnectionPool::command(const std::vector<std::string_view>& args) {
  const SigpipeGuard guard;
  for (int attempt = 0;; ++attempt) {
    auto [connection, reused] = impl_->borrow();
    RedisReply reply;
    Failure failure;
    bool answered = false;
    try {
      answered = Impl::run(connection.get(), args, reply, failure);
    } catch (...) {  // out of memory copying the reply: the connection's state is unknown
      impl_->give_back(nullptr);
      throw;
    }
    if (answered) {
      impl_->give_back(std::move(connection));
      return reply;
    }
    impl_->give_back(nullptr);  // a failed connection is never reused
    // A connection that had worked may have been cut while idle (the server restarted): one
    // retry on a fresh connection makes the first call after a restart succeed. A timeout is
    // not retried: the server is there but slow. For `SET NX` a retry after a lost reply can
    // only turn "inserted" into "already there" (fail closed), never make two callers win.
    if (reused && attempt == 0 && !failure.timeout) continue;
    impl_->fail("command failed", failure.message);
  }
}

std::string redis_url_of(const Config& config) {
  if (!config.redis_url) {
    throw ConfigError("JWTSERVICE_REDIS_URL must be set to use Redis (redis://host:port/db)");
  }
  try {
    (void)RedisUrl::parse(*config.redis_url);
  } catch (const ConfigError& e) {  // name the key the URL came from
    throw ConfigError(std::string{"JWTSERVICE_REDIS_URL: "} + e.what());
  }
  return *config.redis_url;
}

RedisOptions with_prefix_of(const Config& config, const RedisOptions& options) {
  RedisOptions out = options;
  out.prefix = config.redis_prefix;
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
}

}  // namespace jwtservice::detail
