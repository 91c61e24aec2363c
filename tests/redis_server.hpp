// Test support: a redis-server of the test's own on 127.0.0.1 and a free port (never 6379),
// started, paused, restarted on the same port and stopped by the test. Never another address.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace jwtservice::testing {

/// One redis-server process: `--bind 127.0.0.1 --port P --save '' --appendonly no
/// --protected-mode yes`, its files and log in a temporary directory. The constructor starts it;
/// when that fails, `running()` is false and `error()` says why (a missing redis-server says to
/// run `make install-dev`: tests must fail then, never skip). The destructor stops it.
///
/// The server is a child of the thread that started it and is killed by the kernel if that
/// thread dies (PR_SET_PDEATHSIG), so a crashed or timed-out test leaves no server behind.
class RedisServer {
 public:
  /// How the server listens: plain TCP, or TLS only (`--port 0 --tls-port P`; the caller's
  /// extra arguments name the certificate files).
  enum class Listen { plain, tls_only };

  /// A sentinel (`redis-server sentinel.conf --sentinel`) whose sentinel.conf starts as
  /// `config` (`sentinel monitor ...` lines); the sentinel rewrites it as it learns.
  static std::unique_ptr<RedisServer> sentinel(const std::string& config,
                                               std::vector<std::string> extra_args = {},
                                               Listen listen = Listen::plain) {
    return std::unique_ptr<RedisServer>{new RedisServer{std::move(extra_args), listen, config}};
  }

  explicit RedisServer(std::vector<std::string> extra_args = {}, Listen listen = Listen::plain,
                       std::string sentinel_config = {})
      : extra_args_(std::move(extra_args)),
        tls_(listen == Listen::tls_only),
        sentinel_config_(std::move(sentinel_config)) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("jwtservice-redis-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    // Another program may take the port between our probe and the server's bind: the server
    // then exits at once, and another port is tried. Any other failure is final.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = free_loopback_port();
      if (port_ <= 0) {
        error_ = "cannot find a free port on 127.0.0.1";
        return;
      }
      if (start() || !exited_at_start_) return;
    }
  }

  ~RedisServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  [[nodiscard]] bool running() const { return pid_ > 0; }
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] const std::string& error() const { return error_; }

  /// `redis://127.0.0.1:<port>/<db>` (`rediss://` for a TLS server), with `:password@` when given.
  [[nodiscard]] std::string url(int db = 0, std::string_view password = {}) const {
    std::string url = tls_ ? "rediss://" : "redis://";
    if (!password.empty()) url += ":" + std::string{password} + "@";
    return url + "127.0.0.1:" + std::to_string(port_) + "/" + std::to_string(db);
  }

  /// Starts the server on port() (again, after stop()); true once it answers PING.
  bool start() {
    exited_at_start_ = false;
    if (running()) return true;
    if (port_ == 6379) {  // the developer's own server lives there: never touch it
      error_ = "refusing port 6379";
      return false;
    }
    executable_ = find_executable("redis-server");
    if (executable_.empty()) {
      error_ =
          "redis-server is not installed (or not on PATH): run `make install-dev` "
          "(Debian: apt-get install redis-server libhiredis-dev); the Redis tests need it and never skip";
      return false;
    }
    // --hz 100: SIGTERM is acted on at the next tick, 10 ms later rather than 100.
    // clang-format off
    std::vector<std::string> args{executable_};
    if (!sentinel_config_.empty()) {
      const auto conf = dir_ / "sentinel.conf";
      if (!std::filesystem::exists(conf)) std::ofstream{conf} << sentinel_config_;
      args.push_back(conf.string());
      args.emplace_back("--sentinel");
    }
    args.insert(args.end(), {
        "--port", tls_ ? "0" : std::to_string(port_), "--bind", "127.0.0.1", "--protected-mode", "yes",
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir_.string(),
        "--loglevel", "warning", "--hz", "100"});
    // clang-format on
    if (tls_) {
      args.emplace_back("--tls-port");
      args.push_back(std::to_string(port_));
    }
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string log = (dir_ / "redis.log").string();
    const pid_t parent = ::getpid();

    // fork + exec rather than posix_spawn, for PR_SET_PDEATHSIG: only async-signal-safe calls
    // between the two.
    const pid_t pid = ::fork();
    if (pid < 0) {
      error_ = "fork failed";
      return false;
    }
    if (pid == 0) {
#ifdef __linux__
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
      if (::getppid() != parent) ::_exit(126);
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (fd >= 0) {
        ::dup2(fd, STDOUT_FILENO);
        ::dup2(fd, STDERR_FILENO);
      }
      const int null_in = ::open("/dev/null", O_RDONLY);
      if (null_in >= 0) ::dup2(null_in, STDIN_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exited_at_start_ = true;
        error_ = "redis-server exited at start-up (port " + std::to_string(port_) + " taken?): " + log_tail();
        return false;
      }
      if (ping()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    error_ = "redis-server did not answer PING within 20 s: " + log_tail();
    stop();
    return false;
  }

  /// SIGTERM, then waits (SIGKILL after 10 s). Clients see their connections closed.
  void stop() {
    if (!running()) return;
    ::kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
    ::kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    pid_ = -1;
  }

  /// SIGKILL (kill -9), as a crash or the OOM killer would: no clean shutdown, connections cut.
  void kill_hard() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// stop() then start() on the same port; an empty server (nothing is persisted).
  bool restart() {
    stop();
    return start();
  }

  /// SIGSTOP / SIGCONT: connections are accepted by the kernel but nothing answers.
  void pause() const {
    if (running()) ::kill(pid_, SIGSTOP);
  }
  void resume() const {
    if (running()) ::kill(pid_, SIGCONT);
  }

  /// True when a PING on a fresh connection is answered within a second: +PONG, or -NOAUTH
  /// from a server started with --requirepass. A TLS-only server: once its port accepts a
  /// TCP connection.
  [[nodiscard]] bool ping() const {
    if (tls_) return accepts_connections();
    const std::string answer = raw_command("PING\r\n");
    return answer == "+PONG\r\n" || answer.rfind("-NOAUTH", 0) == 0;
  }

  /// Sends `request` (RESP or inline) on a fresh loopback connection and returns the first
  /// chunk of the answer ("" on any failure); for simple checks without a client library.
  [[nodiscard]] std::string raw_command(std::string_view request) const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return {};
    sockaddr_in addr = loopback(port_);
    std::string answer;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 1000) == 1) {
        char buffer[512];
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n > 0) answer.assign(buffer, static_cast<std::size_t>(n));
      }
    }
    ::close(fd);
    return answer;
  }

  /// True when a TCP connection to the port is accepted.
  [[nodiscard]] bool accepts_connections() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return false;
    sockaddr_in addr = loopback(port_);
    const bool accepted = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return accepted;
  }

  /// A loopback port nobody listens on right now (bound to port 0, then released); never 6379.
  static int free_loopback_port() {
    for (int attempt = 0; attempt < 10; ++attempt) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0) return -1;
      sockaddr_in addr = loopback(0);
      socklen_t size = sizeof addr;
      int port = -1;
      if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
          ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) == 0) {
        port = ntohs(addr.sin_port);
      }
      ::close(fd);
      if (port > 0 && port != 6379) return port;
    }
    return -1;
  }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  static std::string find_executable(std::string_view name) {
    std::string path;
    if (const char* env = std::getenv("PATH")) path = env;  // NOLINT(concurrency-mt-unsafe)
    path += ":/usr/bin:/usr/sbin:/usr/local/bin";
    std::size_t begin = 0;
    while (begin <= path.size()) {
      const std::size_t end = std::min(path.find(':', begin), path.size());
      const std::string dir = path.substr(begin, end - begin);
      if (!dir.empty()) {
        const std::string candidate = dir + "/" + std::string{name};
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      }
      begin = end + 1;
    }
    return {};
  }

  std::string log_tail() const {
    std::ifstream in{dir_ / "redis.log"};
    std::string text{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
    if (text.size() > 800) text = "..." + text.substr(text.size() - 800);
    return text.empty() ? "(empty log)" : text;
  }

  std::vector<std::string> extra_args_;
  std::filesystem::path dir_;
  std::string executable_;
  std::string error_;
  bool tls_ = false;
  std::string sentinel_config_;
  int port_ = -1;
  pid_t pid_ = -1;
  bool exited_at_start_ = false;
};

/// The server the typed store suite shares within one test process, started on first use and
/// stopped at exit. Each test keeps to its own key prefix.
inline RedisServer& shared_redis_server() {
  static RedisServer server;
  return server;
}

}  // namespace jwtservice::testing
