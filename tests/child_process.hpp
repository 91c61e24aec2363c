// Test support: the store_child process of the multi-process tests, started with a pipe on its
// stdin (to start several at once) and one on its stdout (to read what it reports).
#pragma once

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

extern char** environ;

namespace jwtservice::testing {

struct Child {
  pid_t pid = -1;
  int stdin_fd = -1;   // write end of the child's stdin
  int stdout_fd = -1;  // read end of the child's stdout
};

/// Starts JWTSERVICE_STORE_CHILD with `args`; it waits for a byte on stdin where it says so.
inline Child spawn(const std::vector<std::string>& args) {
  int in[2];
  int out[2];
  if (::pipe(in) != 0 || ::pipe(out) != 0) {
    ADD_FAILURE() << "pipe failed";
    return {};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, in[1]);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(JWTSERVICE_STORE_CHILD));
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child child;
  if (posix_spawn(&child.pid, JWTSERVICE_STORE_CHILD, &actions, nullptr, argv.data(), environ) != 0) {
    ADD_FAILURE() << "cannot start " << JWTSERVICE_STORE_CHILD;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  child.stdin_fd = in[1];
  child.stdout_fd = out[0];
  return child;
}

/// Everything the child writes to stdout until it closes it (call before wait_exit_code).
inline std::string read_output(const Child& child) {
  std::string out;
  char buffer[256];
  ssize_t n = 0;
  while ((n = ::read(child.stdout_fd, buffer, sizeof buffer)) > 0)
    out.append(buffer, static_cast<std::size_t>(n));
  return out;
}

/// The exit status, or 100 + the signal that ended it; closes the pipes.
inline int wait_exit_code(const Child& child) {
  int status = 0;
  if (::waitpid(child.pid, &status, 0) != child.pid) return -1;
  ::close(child.stdin_fd);
  ::close(child.stdout_fd);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace jwtservice::testing
