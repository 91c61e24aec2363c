// The action-independent core of BasicService, compiled once in src/engine.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "jwtservice/config.hpp"
#include "jwtservice/export.hpp"
#include "jwtservice/observer.hpp"
#include "jwtservice/options.hpp"
#include "jwtservice/result.hpp"

namespace jwtservice::detail {

/// The audiences a validation accepts: the config's, or a list the caller gave. Non-owning.
class ExpectedAudience {
 public:
  static ExpectedAudience from_config() noexcept { return ExpectedAudience{}; }
  explicit ExpectedAudience(std::span<const std::string_view> list) noexcept
      : views_(list), use_config_(false) {}
  explicit ExpectedAudience(std::span<const std::string> list) noexcept
      : strings_(list), use_config_(false) {}

  [[nodiscard]] bool use_config() const noexcept { return use_config_; }
  [[nodiscard]] bool contains(std::string_view aud) const noexcept {
    for (auto v : views_) {
      if (v == aud) return true;
    }
    for (const auto& s : strings_) {
      if (s == aud) return true;
    }
    return false;
  }

 private:
  ExpectedAudience() noexcept = default;
  std::span<const std::string_view> views_;
  std::span<const std::string> strings_;
  bool use_config_ = true;
};

// The json rule of the compiled boundary: nlohmann::json's layout depends on how the consumer
// configured it (JSON_DIAGNOSTICS adds a member), and its ABI tag lives in its inline namespace
// (json_abi_v3_11_2 vs json_abi_diag_v3_11_2). A type that carries json across the boundary is
// therefore a template over the json type, and every exported function that takes or gives one
// names it in its parameters, never only in its return type (which is not mangled): a consumer
// whose json differs from the library's then fails to link instead of crashing at run time.
// INSTALLATION_GUIDE.md ("Shared library") states the rule for users; the test
// abi.json_diagnostics_fails_to_link checks it.

/// One token to create, with the action already turned into its claim name.
template <class Json>
struct BasicCreateRequest {
  std::optional<std::string_view> action;
  std::string_view sub;
  std::int64_t expires_in = 600;
  std::optional<std::string_view> audience;
  std::optional<std::string_view> jti;
  const Json* extra_data = nullptr;         ///< null pointer or JSON null = absent
  std::optional<std::string_view> binding;  ///< the state `bnd` binds the token to
  bool action_unlisted = false;             ///< the caller's action is not in action_traits
};
using CreateRequest = BasicCreateRequest<nlohmann::json>;

/// What validation found, before the action name is turned back into an enumerator.
template <class Json>
struct BasicVerdict {
  Reason reason = Reason::invalid;
  std::optional<std::string> sub;
  std::optional<std::size_t> action;  ///< index into action_traits<Action>::names
  std::optional<std::int64_t> age;
  std::optional<std::int64_t> expires_in;
  std::optional<std::string> aud;
  std::optional<Json> extra_data;
  std::optional<std::string> jti;
};
using Verdict = BasicVerdict<nlohmann::json>;

/// The index of `name` in the service's action_traits names, or -1 when it names none.
using ActionIndex = int (*)(std::string_view name) noexcept;

/// What one validation expects besides a well-formed token: the audience, and the options of
/// the token lifecycle (purpose, binding state, maximum age). Non-owning.
struct ValidateRequest {
  ExpectedAudience audience = ExpectedAudience::from_config();
  ActionIndex action_index = nullptr;         ///< maps an `action` claim to its index
  std::optional<std::size_t> action{};        ///< the expected action, as an index
  std::optional<std::string_view> binding{};  ///< the caller's current binding state
  std::optional<std::int64_t> max_age{};      ///< > 0, seconds since iat
};

/// Creates and validates tokens; all members are safe to call concurrently.
class JWTSERVICE_API Engine {
 public:
  Engine(Config config, ServiceOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] std::string create(const CreateRequest& request) const;
  /// Validates `token` into `out`, which is reset first (the verdict is built in the caller's
  /// slot and never moved; an out-parameter also puts json in the mangled name).
  void validate(std::string_view token, const ValidateRequest& request, Verdict& out) const noexcept;
  /// Validation, then the atomic insert of the jti: valid for exactly one caller. Throws
  /// StoreError without a store or when the store fails.
  void consume(std::string_view token, const ValidateRequest& request, Verdict& out) const;
  /// Revokes a token whose signature and expiry check out; see BasicService::revogar.
  bool revoke(std::string_view token, std::optional<std::string_view> reason) const;
  /// Revokes a jti until `exp` (+ leeway); see BasicService::revogar_jti.
  bool revoke_jti(std::string_view jti, std::int64_t exp, std::optional<std::string_view> reason) const;
  [[nodiscard]] const Config& config() const noexcept;
  /// The counters since construction, summed over every thread's shard.
  [[nodiscard]] Stats stats() const noexcept;

 private:
  struct JWTSERVICE_NO_EXPORT Impl;  // its out-of-line members stay out of the export table
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtservice::detail
