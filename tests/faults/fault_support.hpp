// Test support for the fault suite: a raw SQLite connection (as the Python package or an
// operator would open the file), running the CLI, and a child process with another user id.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "jwtservice/jwtservice.hpp"
#if JWTSERVICE_WITH_SQLITE
#include "raw_sqlite.hpp"
#endif

extern char** environ;

namespace jwtservice::testing {

/// Seconds since `start`, for bounds on how long a failing call may take.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// What a program printed and how it ended.
struct RunResult {
  int exit_code = -1;  ///< 100 + signal when a signal ended it
  std::string output;  ///< stdout and stderr together
};

/// Runs `argv` with `extra_env` added to this process's environment, killing it after
/// `timeout`; the output is collected through a pipe.
inline RunResult run_program(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                             std::chrono::seconds timeout = std::chrono::seconds(30)) {
  RunResult result;
  int out[2];
  if (::pipe(out) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view entry{*e};
    if (entry.rfind("SECRET_KEY=", 0) != 0 && entry.rfind("JWTSERVICE_", 0) != 0)
      env_strings.emplace_back(entry);
  }
  env_strings.insert(env_strings.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> env;
  for (auto& e : env_strings)
    env.push_back(e.data());
  env.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (rc != 0) {
    ::close(out[0]);
    ADD_FAILURE() << "cannot start " << argv[0];
    return result;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  int status = 0;
  bool done = false;
  while (!done) {
    char buffer[4096];
    const ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n > 0) {
      result.output.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      done = true;
    } else if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      ADD_FAILURE() << argv[0] << " did not finish within " << timeout.count() << " s";
      done = true;
    } else {
      ::usleep(2000);  // a bounded wait for a real child process, not for the code under test
    }
  }
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(out[0], buffer, sizeof buffer)) > 0)
    result.output.append(buffer, static_cast<std::size_t>(n));
  ::close(out[0]);
  result.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  return result;
}

/// Runs `body` in a forked child that has dropped to user and group 65534 (nobody), for
/// permission checks root would bypass; the child's report (what `body` returns, "" = pass)
/// comes back through a pipe. Needs root; returns "not root" otherwise.
inline std::string run_as_nobody(const std::function<std::string()>& body) {
  if (::geteuid() != 0) return "not root";
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string report;
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) {
      report = "cannot drop to nobody";
    } else {
      try {
        report = body();
      } catch (const std::exception& e) {
        report = std::string{"threw: "} + e.what();
      }
    }
    (void)!::write(pipe_fds[1], report.data(), report.size());
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string report;
  char buffer[512];
  ssize_t n = 0;
  while ((n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0)
    report.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return "the child crashed: " + report;
  return report;
}

}  // namespace jwtservice::testing
