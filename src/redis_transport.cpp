// Plain and TLS bytes for the Redis connection pool (see redis_transport.hpp).
#include "redis_transport.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>

#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

/// Milliseconds left until `deadline`, rounded up, for poll(); 0 once it has passed.
int millis_until(SteadyTime deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(std::min<long long>(left.count(), 1 << 30));
}

/// Waits until `fd` is ready for `events` or `deadline` passes; false on the deadline.
bool wait_for(int fd, short events, SteadyTime deadline) {
  for (;;) {
    const int wait = millis_until(deadline);
    if (wait == 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, wait);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return true;  // the next send/recv reports the error
  }
}

Failure io_failure(std::string_view what, int error) {
  std::string message{what};
  message += ": ";
  message += std::strerror(error);  // NOLINT(concurrency-mt-unsafe): glibc's is thread-safe for known codes
  return {message, false};
}

/// OpenSSL's reason for the last error of this thread ("" when none), the queue then cleared.
/// Reasons are fixed strings ("certificate verify failed", "wrong version number"): never
/// a certificate's or key's contents.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return {};
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : "error " + std::to_string(ERR_GET_REASON(code));
}

[[noreturn]] void bad_setting(std::string_view key, std::string_view field, std::string_view what) {
  std::string message{key};
  message += " (RedisOptions::";
  message += field;
  message += ") ";
  message += what;
  const std::string reason = openssl_reason();
  if (!reason.empty()) message += ": " + reason;
  throw ConfigError(message);
}

bool is_ip_literal(const std::string& host) {
  unsigned char address[16];
  return ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), address) == 1;
}

/// SSL_set_tlsext_host_name without its macro's C cast.
bool send_sni(SSL* tls, const std::string& name) {
  return SSL_ctrl(tls, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                  const_cast<char*>(name.c_str())) ==
         1;  // NOLINT(cppcoreguidelines-pro-type-const-cast): not written
}

/// Fills the lazily computed extension cache of every certificate the context shares between
/// connections: the trusted CAs and our own certificate chain.
///
/// OpenSSL computes that cache on a certificate's first use in a verification, under the
/// certificate's lock, and later readers skip the lock after an acquire load of a flag. The
/// publication is correct, but libcrypto is not built for ThreadSanitizer, which sees the reads
/// (memcmp of the key identifier) and not the flag, and reports a race when two pool connections
/// make their first handshake at once. Done here, the writes happen before any connection exists.
/// CAs that OpenSSL would load later from a hashed directory are not covered; Debian's default
/// file holds them all, and the store's certificates loaded from it are searched first.
void warm_shared_certificates(SSL_CTX* context) {
  STACK_OF(X509_OBJECT)* objects = X509_STORE_get0_objects(SSL_CTX_get_cert_store(context));
  for (int i = 0; i < sk_X509_OBJECT_num(objects); ++i) {
    if (X509* ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objects, i)); ca != nullptr) {
      (void)X509_get_extension_flags(ca);
    }
  }
  if (X509* own = SSL_CTX_get0_certificate(context); own != nullptr) (void)X509_get_extension_flags(own);
  STACK_OF(X509)* chain = nullptr;
  if (SSL_CTX_get0_chain_certs(context, &chain) == 1) {
    for (int i = 0; i < sk_X509_num(chain); ++i)
      (void)X509_get_extension_flags(sk_X509_value(chain, i));
  }
  ERR_clear_error();  // an invalid certificate leaves its error here; verification reports it
}

}  // namespace

TlsSettings::TlsSettings(const RedisOptions& options) : server_name_(options.tls_server_name) {
  ERR_clear_error();
  context_ = SSL_CTX_new(TLS_client_method());
  if (context_ == nullptr) throw std::bad_alloc();
  try {
    if (SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION) != 1) {
      throw ConfigError("rediss://: this OpenSSL cannot require TLS 1.2: " + openssl_reason());
    }
    SSL_CTX_set_verify(context_, SSL_VERIFY_PEER, nullptr);  // never turned off
    // A TLS 1.2 server must not make us renegotiate: nothing here needs it, and it would cost a
    // call its deadline.
    SSL_CTX_set_options(context_, SSL_OP_NO_RENEGOTIATION);
    // Never ask for a pass phrase: OpenSSL's default prompts on the terminal and blocks. An
    // encrypted key then fails to load, which is a ConfigError below.
    SSL_CTX_set_default_passwd_cb(context_, [](char*, int, int, void*) { return 0; });
    if (!options.ca_file.empty()) {
      // Only these CAs: a private CA must not be joined by every public one.
      if (SSL_CTX_load_verify_locations(context_, options.ca_file.c_str(), nullptr) != 1) {
        bad_setting("JWTSERVICE_REDIS_CA_FILE", "ca_file",
                    "cannot be read as PEM certificates: " + options.ca_file);
      }
    } else if (SSL_CTX_set_default_verify_paths(context_) != 1) {
      bad_setting("JWTSERVICE_REDIS_CA_FILE", "ca_file", "is not set and the system's CAs cannot be loaded");
    }
    if (options.cert_file.empty() != options.key_file.empty()) {
      bad_setting(options.cert_file.empty() ? "JWTSERVICE_REDIS_CERT_FILE" : "JWTSERVICE_REDIS_KEY_FILE",
                  options.cert_file.empty() ? "cert_file" : "key_file",
                  "must be set too: a client certificate needs a certificate and its key");
    }
    if (!options.cert_file.empty()) {
      if (SSL_CTX_use_certificate_chain_file(context_, options.cert_file.c_str()) != 1) {
        bad_setting("JWTSERVICE_REDIS_CERT_FILE", "cert_file",
                    "cannot be read as a PEM certificate: " + options.cert_file);
      }
      // The key's path is named, never anything read from it.
      if (SSL_CTX_use_PrivateKey_file(context_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        bad_setting("JWTSERVICE_REDIS_KEY_FILE", "key_file",
                    "cannot be read as an unencrypted PEM private key (encrypted keys are not supported): " +
                        options.key_file);
      }
      if (SSL_CTX_check_private_key(context_) != 1) {
        bad_setting("JWTSERVICE_REDIS_KEY_FILE", "key_file",
                    "does not match the certificate of JWTSERVICE_REDIS_CERT_FILE");
      }
    }
    warm_shared_certificates(context_);
  } catch (...) {
    SSL_CTX_free(context_);
    throw;
  }
}

TlsSettings::~TlsSettings() { SSL_CTX_free(context_); }

Transport::~Transport() { SSL_free(tls_); }  // frees its BIOs too; the socket is not ours

bool Transport::start_tls(const TlsSettings& settings, std::string_view server_name, SteadyTime deadline,
                          Failure& failure) {
  ERR_clear_error();
  tls_ = SSL_new(settings.context());
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  if (tls_ == nullptr || in == nullptr || out == nullptr) {
    BIO_free(in);
    BIO_free(out);
    throw std::bad_alloc();
  }
  SSL_set_bio(tls_, in, out);  // owned by tls_ from here
  SSL_set_connect_state(tls_);
  const std::string name{server_name};
  X509_VERIFY_PARAM* param = SSL_get0_param(tls_);
  // An address is checked against the certificate's IP SANs and sent no SNI (RFC 6066 §3
  // forbids literal addresses there); a name against its DNS SANs, sent as SNI.
  const bool ok = is_ip_literal(name) ? X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1
                                      : send_sni(tls_, name) && SSL_set1_host(tls_, name.c_str()) == 1;
  if (!ok) {
    failure = {"TLS: the server name cannot be checked: " + openssl_reason(), true};
    return false;
  }
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);

  for (;;) {
    const int done = SSL_do_handshake(tls_);
    if (!push(deadline, failure)) return false;  // whatever the handshake wrote, even an alert
    if (done == 1) return true;
    const int error = SSL_get_error(tls_, done);
    if (error == SSL_ERROR_WANT_READ) {
      if (!pull(deadline, failure)) {
        failure.message =
            "TLS handshake failed: " +
            (failure.final ? std::string{"no answer within the connect timeout"} : failure.message) +
            " (is it a TLS port?)";
        return false;
      }
      continue;
    }
    const long verified = SSL_get_verify_result(tls_);
    failure.final = true;  // a certificate refused now will be refused on a new connection too
    if (verified != X509_V_OK) {
      failure.message = std::string{"TLS: the server's certificate was refused: "} +
                        X509_verify_cert_error_string(verified);
      ERR_clear_error();
    } else {
      const std::string reason = openssl_reason();
      failure.message = "TLS handshake failed" + (reason.empty() ? std::string{} : ": " + reason);
    }
    return false;
  }
}

bool Transport::send_raw(const char* data, std::size_t size, SteadyTime deadline, Failure& failure) const {
  // MSG_NOSIGNAL: a peer that has gone away gives EPIPE, never a SIGPIPE that would end the
  // process. A command fits the socket's buffer almost always: send first, wait only when full.
  for (std::size_t sent = 0; sent < size;) {
    const ssize_t n = ::send(fd_, data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) {
      sent += static_cast<std::size_t>(n);
    } else if (errno == EINTR) {
      continue;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
      failure = io_failure("cannot send", errno);
      return false;
    } else if (!wait_for(fd_, POLLOUT, deadline)) {
      failure = {"timed out", true};
      return false;
    }
  }
  return true;
}

bool Transport::push(SteadyTime deadline, Failure& failure) {
  std::array<char, 16384> chunk;  // NOLINT(cppcoreguidelines-pro-type-member-init): written by BIO_read
  BIO* out = SSL_get_wbio(tls_);
  while (BIO_ctrl_pending(out) > 0) {
    const int n = BIO_read(out, chunk.data(), static_cast<int>(chunk.size()));
    if (n <= 0) break;
    if (!send_raw(chunk.data(), static_cast<std::size_t>(n), deadline, failure)) return false;
  }
  return true;
}

std::size_t Transport::receive_raw(char* buffer, std::size_t capacity, SteadyTime deadline,
                                   Failure& failure) const {
  for (;;) {
    if (!wait_for(fd_, POLLIN, deadline)) {
      failure = {"timed out (no complete reply within the command timeout)", true};
      return 0;
    }
    const ssize_t n = ::recv(fd_, buffer, capacity, MSG_DONTWAIT);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) {
      failure = {"the server closed the connection", false};
      return 0;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
    failure = io_failure("cannot receive", errno);
    return 0;
  }
}

bool Transport::pull(SteadyTime deadline, Failure& failure) {
  std::array<char, 16384> chunk;  // NOLINT(cppcoreguidelines-pro-type-member-init): written by recv
  const std::size_t n = receive_raw(chunk.data(), chunk.size(), deadline, failure);
  if (n == 0) return false;
  // A memory BIO takes all it is given: TLS asks for more only when a record is incomplete,
  // so what it holds stays within one record and one read.
  if (BIO_write(SSL_get_rbio(tls_), chunk.data(), static_cast<int>(n)) != static_cast<int>(n)) {
    throw std::bad_alloc();
  }
  return true;
}

bool Transport::send_all(std::string_view data, SteadyTime deadline, Failure& failure) {
  if (tls_ == nullptr) return send_raw(data.data(), data.size(), deadline, failure);
  ERR_clear_error();
  std::size_t written = 0;
  // A memory BIO never refuses a write: SSL_write_ex encrypts everything in one call.
  if (SSL_write_ex(tls_, data.data(), data.size(), &written) != 1 || written != data.size()) {
    failure = {"TLS: cannot send: " + openssl_reason(), false};
    return false;
  }
  return push(deadline, failure);
}

std::size_t Transport::receive(char* buffer, std::size_t capacity, SteadyTime deadline, Failure& failure) {
  if (tls_ == nullptr) return receive_raw(buffer, capacity, deadline, failure);
  for (;;) {
    ERR_clear_error();
    std::size_t n = 0;
    const int ok = SSL_read_ex(tls_, buffer, capacity, &n);
    // TLS 1.3 may answer what it read (a key update): send that before waiting for more.
    if (!push(deadline, failure)) return 0;
    if (ok == 1 && n > 0) return n;
    const int error = SSL_get_error(tls_, ok);
    if (error == SSL_ERROR_WANT_READ) {
      if (!pull(deadline, failure)) return 0;
      continue;
    }
    if (error == SSL_ERROR_ZERO_RETURN) {
      failure = {"the server closed the connection", false};
      return 0;
    }
    failure = {"TLS: cannot receive: " + openssl_reason(), true};
    return 0;
  }
}

}  // namespace jwtservice::detail
