// Test support: one environment variable set or unset for a test, restored afterwards.
#pragma once

#include <stdlib.h>  // setenv, unsetenv (POSIX)

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

namespace jwtservice::testing {

/// Sets or unsets one environment variable and restores its previous state when destroyed.
class EnvVarGuard {
 public:
  explicit EnvVarGuard(std::string name) : name_(std::move(name)) {
    if (const char* old = std::getenv(name_.c_str())) old_ = old;  // NOLINT(concurrency-mt-unsafe)
  }
  EnvVarGuard(const EnvVarGuard&) = delete;
  EnvVarGuard& operator=(const EnvVarGuard&) = delete;
  ~EnvVarGuard() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }

  void set(const std::string& value) const { ::setenv(name_.c_str(), value.c_str(), 1); }
  void unset() const { ::unsetenv(name_.c_str()); }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace jwtservice::testing
