#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace acepool::testing {

/// A program started by a test, with its stdout and stderr captured to files.
class child_process {
 public:
  /// Starts `program` with `args`; `env` replaces the environment when `clear_env`, else adds to
  /// it.
  child_process(std::string program, std::vector<std::string> args,
                std::map<std::string, std::string> env, std::string workdir = {},
                bool clear_env = false);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// Sends a signal.
  void signal(int sig) const;
  /// Waits up to `timeout` for the exit; the exit code (128+signal when killed) or nothing.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  /// Whether it still runs.
  bool running();
  /// Everything written so far.
  std::string stdout_text() const;
  std::string stderr_text() const;
  /// Polls stderr until `predicate` holds for a line or the deadline passes; returns that line.
  std::optional<std::string> wait_for_line(const std::function<bool(const std::string&)>& predicate,
                                           std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_, err_path_;
};

/// Runs a program to completion (killed after `timeout`): exit code, stdout, stderr.
struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};
run_result run_program(const std::string& program, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30),
                       const std::string& workdir = {});

/// The whole content of a file (empty when it cannot be read).
std::string read_file(const std::string& path);

/// A fresh empty directory under /tmp, removed with its contents on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  const std::string& path() const { return path_; }
  /// Writes `content` to `name` inside the directory; returns the full path.
  std::string write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

/// Polls `predicate` every 20 ms until it holds or `timeout` passes.
bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

}  // namespace acepool::testing
