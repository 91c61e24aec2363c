// The bytes under the Redis connection pool: a connected TCP socket, plain or with TLS
// (rediss://), written and read against deadlines. TLS runs over memory BIOs: OpenSSL never
// touches the socket, so every send and receive is this file's (MSG_NOSIGNAL, poll() against
// the deadline) and the reply caps count what TLS decrypted. Internal to the library.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "jwtservice/redis_options.hpp"

namespace jwtservice::detail {

using SteadyTime = std::chrono::steady_clock::time_point;

/// What went wrong on a connection, and whether a retry on a fresh one could not help: a
/// timeout (the server is there but slow) or a reply the server should never have sent.
struct Failure {
  std::string message;
  bool final = false;
};

/// The TLS settings every connection of one pool shares: TLS 1.2 or later, the server's
/// certificate verified against `ca_file` (else the system's CAs) and checked against the
/// host (or `tls_server_name`), an optional client certificate. There is no way to turn
/// verification off. Thread-safe once built.
class TlsSettings {
 public:
  /// Throws ConfigError naming the setting (JWTSERVICE_REDIS_CA_FILE, ...) when a file cannot be
  /// read or the key does not match the certificate; the message never holds their contents.
  explicit TlsSettings(const RedisOptions& options);
  ~TlsSettings();
  TlsSettings(const TlsSettings&) = delete;
  TlsSettings& operator=(const TlsSettings&) = delete;

  [[nodiscard]] SSL_CTX* context() const noexcept { return context_; }
  /// The name a server's certificate must hold: `tls_server_name` when set, else `host`.
  [[nodiscard]] std::string_view name_for(std::string_view host) const noexcept {
    return server_name_.empty() ? host : std::string_view{server_name_};
  }

 private:
  SSL_CTX* context_ = nullptr;
  std::string server_name_;  // RedisOptions::tls_server_name
};

/// One connected socket (owned by the caller: hiredis's context closes it), with a TLS session
/// over it when `tls` was given to start(). Not thread-safe: a connection is used by one call
/// at a time.
class Transport {
 public:
  explicit Transport(int fd) noexcept : fd_(fd) {}
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  /// Runs the TLS handshake before `deadline`, verifying the server's certificate and that it
  /// holds `server_name` (a DNS name, sent as SNI, or an IP address); false with `failure` set
  /// (the message says why the certificate was refused, never its contents).
  bool start_tls(const TlsSettings& settings, std::string_view server_name, SteadyTime deadline,
                 Failure& failure);

  /// Writes all of `data` before `deadline`.
  bool send_all(std::string_view data, SteadyTime deadline, Failure& failure);

  /// Reads what has arrived (at least one byte, at most `capacity`), waiting until `deadline`:
  /// the byte count, or 0 with `failure` set.
  std::size_t receive(char* buffer, std::size_t capacity, SteadyTime deadline, Failure& failure);

 private:
  bool send_raw(const char* data, std::size_t size, SteadyTime deadline, Failure& failure) const;
  /// Receives what has arrived on the socket (at least one byte), waiting until `deadline`: the
  /// byte count, or 0 with `failure` set.
  std::size_t receive_raw(char* buffer, std::size_t capacity, SteadyTime deadline, Failure& failure) const;
  /// Receives raw bytes from the socket into TLS's input; false with `failure` set.
  bool pull(SteadyTime deadline, Failure& failure);
  /// Sends what TLS has written to its output.
  bool push(SteadyTime deadline, Failure& failure);

  int fd_;
  SSL* tls_ = nullptr;
};

}  // namespace jwtservice::detail
