// Test support: certificate authorities, server and client certificates made with the
// `openssl` command in a temporary directory, for the TLS tests of the Redis store.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace jwtservice::testing {

/// Runs `openssl` with `args` in `dir`, its output to dir/openssl.log; true on exit status 0.
inline bool run_openssl(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    const std::string log = (dir / "openssl.log").string();
    if (std::FILE* f = std::freopen(log.c_str(), "a", stdout)) (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    std::vector<std::string> copy{"openssl"};
    copy.insert(copy.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : copy)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp("openssl", argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// In a fresh temporary directory: `ca.crt` (the CA the tests trust), `other-ca.crt` (one they
/// do not), `server.crt`/`server.key` signed by the CA for IP 127.0.0.1 and DNS redis.test,
/// `client.crt`/`client.key` signed by the CA for client authentication, `stranger.crt`/
/// `stranger.key` signed by the other CA, and `client-encrypted.key` (client.key under a pass
/// phrase). P-256 keys: quick to make. `error()` says what failed.
class TlsFiles {
 public:
  TlsFiles() {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("jwtservice-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream{dir_ / "server.ext"} << "subjectAltName=IP:127.0.0.1,DNS:redis.test\n"
                                       << "extendedKeyUsage=serverAuth\n";
    std::ofstream{dir_ / "client.ext"} << "extendedKeyUsage=clientAuth\n";
    ok_ = authority("ca") && authority("other-ca") && leaf("server", "ca", "server.ext") &&
          leaf("client", "ca", "client.ext") && leaf("stranger", "other-ca", "client.ext") &&
          run_openssl(dir_, {"pkey", "-in", "client.key", "-aes256", "-passout", "pass:jwtservice-test",
                             "-out", "client-encrypted.key"});
  }
  ~TlsFiles() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TlsFiles(const TlsFiles&) = delete;
  TlsFiles& operator=(const TlsFiles&) = delete;

  [[nodiscard]] bool ok() const { return ok_; }
  [[nodiscard]] std::string error() const {
    std::ifstream in{dir_ / "openssl.log"};
    return "openssl failed (is it installed?): " +
           std::string{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool authority(const std::string& name) {
    return run_openssl(
        dir_, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout",
               name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=jwtservice test " + name});
  }
  bool leaf(const std::string& name, const std::string& ca, const std::string& extensions) {
    return run_openssl(dir_,
                       {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc", "-keyout",
                        name + ".key", "-out", name + ".csr", "-subj", "/CN=jwtservice test " + name}) &&
           run_openssl(dir_,
                       {"x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
                        "-CAcreateserial", "-out", name + ".crt", "-days", "2", "-extfile", extensions});
  }

  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace jwtservice::testing
