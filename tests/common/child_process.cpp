#include "tests/common/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace acepool::testing {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

child_process::child_process(std::string program, std::vector<std::string> args,
                             std::map<std::string, std::string> env, std::string workdir,
                             bool clear_env) {
  char tmpl[] = "/tmp/acepool-child-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  out_path_ = dir + "/stdout";
  err_path_ = dir + "/stderr";
  std::map<std::string, std::string> full;
  if (!clear_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      auto eq = kv.find('=');
      if (eq != std::string::npos) full[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (auto& [k, v] : env)
    full[k] = v;
  std::vector<std::string> env_strings;
  for (auto& [k, v] : full)
    env_strings.push_back(k + "=" + v);
  pid_ = fork();
  if (pid_ == 0) {
    // Child: the parent may have blocked signals (acepool's own tests do not, but be safe).
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (!workdir.empty() && chdir(workdir.c_str()) != 0) _exit(127);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(program.c_str()));
    for (auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (auto& e : env_strings)
      envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execve(program.c_str(), argv.data(), envp.data());
    _exit(127);
  }
}

child_process::~child_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(5));
  }
  // ACEPOOL_TEST_KEEP_LOGS=1 keeps a child's output for debugging a failure.
  if (const char* keep = std::getenv("ACEPOOL_TEST_KEEP_LOGS"); keep && std::string(keep) == "1") {
    std::fprintf(stderr, "kept child logs in %s\n",
                 std::filesystem::path(out_path_).parent_path().c_str());
    return;
  }
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(out_path_).parent_path(), ec);
}

void child_process::signal(int sig) const {
  ::kill(pid_, sig);
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
  if (exit_code_) return exit_code_;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      exit_code_ = decode_status(status);
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool child_process::running() {
  return !wait(std::chrono::milliseconds(0)).has_value();
}

std::string child_process::stdout_text() const {
  return read_file(out_path_);
}
std::string child_process::stderr_text() const {
  return read_file(err_path_);
}

std::optional<std::string> child_process::wait_for_line(
    const std::function<bool(const std::string&)>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::istringstream lines(stderr_text());
    std::string line;
    while (std::getline(lines, line))
      if (predicate(line)) return line;
    if (std::chrono::steady_clock::now() >= deadline || !running()) {
      // One last look: the line may have been written just before the exit.
      std::istringstream last(stderr_text());
      while (std::getline(last, line))
        if (predicate(line)) return line;
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

run_result run_program(const std::string& program, const std::vector<std::string>& args,
                       const std::map<std::string, std::string>& env,
                       std::chrono::milliseconds timeout, const std::string& workdir) {
  child_process p(program, args, env, workdir);
  run_result r;
  auto code = p.wait(timeout);
  if (!code) {
    p.signal(SIGKILL);
    code = p.wait(std::chrono::seconds(5));
  }
  r.exit_code = code.value_or(-1);
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

temp_dir::temp_dir() {
  char tmpl[] = "/tmp/acepool-test-XXXXXX";
  path_ = mkdtemp(tmpl);
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string temp_dir::write(const std::string& name, const std::string& content) const {
  auto full = path_ + "/" + name;
  std::ofstream(full, std::ios::binary) << content;
  return full;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (predicate()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace acepool::testing
