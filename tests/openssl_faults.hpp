// Test support: OpenSSL made to fail for real, through OpenSSL 3 library contexts and providers.
#pragma once

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include <atomic>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace jwtservice::testing {

/// An OpenSSL library context holding only the providers a test loads into it. Run code on a
/// thread of its own with `run` and every OpenSSL call that names no context (RAND_bytes,
/// EVP_MAC_fetch(nullptr, ...)) uses this one. A fresh thread also has fresh thread_local state
/// (the UUID pool), so its first token id is drawn from RAND_bytes.
class OpenSslContext {
 public:
  OpenSslContext() : ctx_(OSSL_LIB_CTX_new()) {
    if (ctx_ == nullptr) throw std::runtime_error("OSSL_LIB_CTX_new failed");
  }
  OpenSslContext(const OpenSslContext&) = delete;
  OpenSslContext& operator=(const OpenSslContext&) = delete;
  ~OpenSslContext() {
    for (OSSL_PROVIDER* p : providers_)
      if (p != nullptr) OSSL_PROVIDER_unload(p);
    OSSL_LIB_CTX_free(ctx_);
  }

  /// Loads the provider `name` (a built-in one, or one added with `add_builtin`).
  void load(const char* name) {
    OSSL_PROVIDER* p = OSSL_PROVIDER_load(ctx_, name);
    if (p == nullptr) throw std::runtime_error(std::string{"OSSL_PROVIDER_load failed: "} + name);
    providers_[loaded_++] = p;
  }

  void add_builtin(const char* name, OSSL_provider_init_fn* init) {
    if (OSSL_PROVIDER_add_builtin(ctx_, name, init) != 1)
      throw std::runtime_error("OSSL_PROVIDER_add_builtin failed");
  }

  /// Runs `body` on a new thread whose default library context is this one; rethrows here
  /// whatever `body` threw. OpenSSL's error queue of that thread is cleared before it ends.
  template <class F>
  void run(F&& body) {
    std::exception_ptr thrown;
    std::thread worker([&] {
      OSSL_LIB_CTX* previous = OSSL_LIB_CTX_set0_default(ctx_);
      try {
        body();
      } catch (...) {
        thrown = std::current_exception();
      }
      OSSL_LIB_CTX_set0_default(previous);
      ERR_clear_error();
    });
    worker.join();
    if (thrown) std::rethrow_exception(thrown);
  }

 private:
  OSSL_LIB_CTX* ctx_;
  OSSL_PROVIDER* providers_[2] = {nullptr, nullptr};
  int loaded_ = 0;
};

/// A context with only OpenSSL's "null" provider: no random generator and no MAC to fetch.
/// Loading a provider explicitly stops OpenSSL from loading the default one on first use.
class OpenSslWithoutAlgorithms : public OpenSslContext {
 public:
  OpenSslWithoutAlgorithms() { load("null"); }
};

/// A provider whose only algorithm is an "HMAC" that answers 32 zero bytes until `fail` is set,
/// and then fails in EVP_MAC_final: a MAC that breaks after the key was accepted, as a hardware
/// or FIPS provider may. Not a real HMAC: tests use it only to watch the failure path.
namespace failing_hmac {

inline std::atomic<bool> fail{false};

struct Ctx {
  int unused = 0;
};

inline void* newctx(void*) { return new Ctx{}; }
inline void freectx(void* ctx) { delete static_cast<Ctx*>(ctx); }
inline void* dupctx(void* ctx) { return new Ctx{*static_cast<Ctx*>(ctx)}; }
inline int init(void*, const unsigned char*, size_t, const OSSL_PARAM[]) { return 1; }
inline int update(void*, const unsigned char*, size_t) { return 1; }
inline int final(void*, unsigned char* out, size_t* outl, size_t outsize) {
  if (fail.load() || outsize < 32) return 0;
  std::memset(out, 0, 32);
  *outl = 32;
  return 1;
}
inline int get_ctx_params(void*, OSSL_PARAM params[]) {
  OSSL_PARAM* size = OSSL_PARAM_locate(params, OSSL_MAC_PARAM_SIZE);
  return size == nullptr || OSSL_PARAM_set_size_t(size, 32) == 1 ? 1 : 0;
}
inline const OSSL_PARAM* gettable_ctx_params(void*, void*) {
  static const OSSL_PARAM known[] = {OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, nullptr), OSSL_PARAM_END};
  return known;
}
inline int set_ctx_params(void*, const OSSL_PARAM[]) { return 1; }
inline const OSSL_PARAM* settable_ctx_params(void*, void*) {
  static const OSSL_PARAM known[] = {OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, nullptr, 0),
                                     OSSL_PARAM_END};
  return known;
}

// OpenSSL's dispatch tables hold plain function pointers of a generic type.
// NOLINTBEGIN(cppcoreguidelines-pro-type-reinterpret-cast)
using Fn = void (*)();
inline const OSSL_DISPATCH mac_functions[] = {
    {OSSL_FUNC_MAC_NEWCTX, reinterpret_cast<Fn>(newctx)},
    {OSSL_FUNC_MAC_FREECTX, reinterpret_cast<Fn>(freectx)},
    {OSSL_FUNC_MAC_DUPCTX, reinterpret_cast<Fn>(dupctx)},
    {OSSL_FUNC_MAC_INIT, reinterpret_cast<Fn>(init)},
    {OSSL_FUNC_MAC_UPDATE, reinterpret_cast<Fn>(update)},
    {OSSL_FUNC_MAC_FINAL, reinterpret_cast<Fn>(final)},
    {OSSL_FUNC_MAC_GET_CTX_PARAMS, reinterpret_cast<Fn>(get_ctx_params)},
    {OSSL_FUNC_MAC_GETTABLE_CTX_PARAMS, reinterpret_cast<Fn>(gettable_ctx_params)},
    {OSSL_FUNC_MAC_SET_CTX_PARAMS, reinterpret_cast<Fn>(set_ctx_params)},
    {OSSL_FUNC_MAC_SETTABLE_CTX_PARAMS, reinterpret_cast<Fn>(settable_ctx_params)},
    {0, nullptr}};
inline const OSSL_ALGORITHM macs[] = {
    {"HMAC", "provider=failing-hmac", mac_functions, "HMAC that fails on demand"},
    {nullptr, nullptr, nullptr, nullptr}};

inline const OSSL_ALGORITHM* query(void*, int operation_id, int* no_cache) {
  *no_cache = 0;
  return operation_id == OSSL_OP_MAC ? macs : nullptr;
}
inline const OSSL_DISPATCH provider_functions[] = {
    {OSSL_FUNC_PROVIDER_QUERY_OPERATION, reinterpret_cast<Fn>(query)}, {0, nullptr}};
// NOLINTEND(cppcoreguidelines-pro-type-reinterpret-cast)

inline int provider_init(const OSSL_CORE_HANDLE*, const OSSL_DISPATCH*, const OSSL_DISPATCH** out,
                         void** provctx) {
  *out = provider_functions;
  *provctx = nullptr;
  return 1;
}

}  // namespace failing_hmac

/// A context whose only provider is failing_hmac: HMAC works until failing_hmac::fail is set;
/// there is no random generator, so a token made here needs a jti of its own.
class OpenSslWithFailingHmac : public OpenSslContext {
 public:
  OpenSslWithFailingHmac() {
    failing_hmac::fail = false;
    add_builtin("failing-hmac", failing_hmac::provider_init);
    load("failing-hmac");
  }
  ~OpenSslWithFailingHmac() { failing_hmac::fail = false; }
  OpenSslWithFailingHmac(const OpenSslWithFailingHmac&) = delete;
  OpenSslWithFailingHmac& operator=(const OpenSslWithFailingHmac&) = delete;
};

}  // namespace jwtservice::testing
