// Randomness glue: OpenSSL's RAND_bytes, pooled per thread for token ids.
#include "jwtservice/detail/random.hpp"
#include "jwtservice/detail/text.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <climits>
#include <mutex>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#endif

#include "jwtservice/errors.hpp"

namespace jwtservice::detail {
namespace {

/// Bumped in every child process right after fork(): a pool filled before the fork is stale.
std::atomic<unsigned> fork_generation{0};

void register_fork_handler() {
#if defined(__unix__) || defined(__APPLE__)
  static std::once_flag once;
  std::call_once(once, [] {
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1, std::memory_order_relaxed); });
  });
#endif
}

void fill(unsigned char* out, std::size_t count) {
  if (count > static_cast<std::size_t>(INT_MAX) || RAND_bytes(out, static_cast<int>(count)) != 1) {
    throw TokenCreationError("the CSPRNG (RAND_bytes) failed");
  }
}

/// One RAND_bytes call per 32 UUIDs instead of one per UUID. Used bytes are wiped.
class UuidPool {
 public:
  UuidPool() { register_fork_handler(); }
  UuidPool(const UuidPool&) = delete;
  UuidPool& operator=(const UuidPool&) = delete;
  ~UuidPool() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

  /// The next 16 random bytes.
  const unsigned char* next() {
    const unsigned generation = fork_generation.load(std::memory_order_relaxed);
    if (used_ == bytes_.size() || generation != generation_) {
      fill(bytes_.data(), bytes_.size());
      used_ = 0;
      generation_ = generation;
    }
    const unsigned char* out = bytes_.data() + used_;
    used_ += 16;
    return out;
  }

 private:
  std::array<unsigned char, std::size_t{16} * 32> bytes_{};
  std::size_t used_ = bytes_.size();
  unsigned generation_ = 0;
};

}  // namespace

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  fill(reinterpret_cast<unsigned char*>(out.data()), count);
  return out;
}

void append_uuid4(std::string& out) {
  thread_local UuidPool pool;
  std::array<unsigned char, 16> b{};
  const unsigned char* random = pool.next();
  std::copy(random, random + 16, b.begin());
  OPENSSL_cleanse(const_cast<unsigned char*>(random), 16);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // variant 10
  std::array<char, 36> text{};
  std::size_t at = 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text[at++] = '-';
    text[at++] = hex_digits[b[i] >> 4];
    text[at++] = hex_digits[b[i] & 0x0F];
  }
  out.append(text.data(), text.size());
}

}  // namespace jwtservice::detail
