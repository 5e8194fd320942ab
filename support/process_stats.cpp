#include "support/process_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <string>

namespace acepool::support {

uint64_t count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  uint64_t n = 0;
  while (auto* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // minus the directory handle itself
}

uint64_t raise_open_file_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

std::optional<process_stats> read_process_stats() {
  FILE* f = std::fopen("/proc/self/stat", "r");
  if (!f) return std::nullopt;
  char buf[1024];
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // Fields after the command name, which is in parentheses and may contain spaces.
  const char* p = std::strrchr(buf, ')');
  if (!p) return std::nullopt;
  unsigned long utime = 0, stime = 0;
  unsigned long long starttime = 0;
  long rss_pages = 0;
  // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime
  // cstime priority nice threads itrealvalue starttime vsize rss
  int got = std::sscanf(p + 2,
                        "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d "
                        "%*d %llu %*u %ld",
                        &utime, &stime, &starttime, &rss_pages);
  if (got != 4) return std::nullopt;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  process_stats s;
  s.cpu_seconds = static_cast<double>(utime + stime) / ticks;
  s.rss_bytes = static_cast<uint64_t>(rss_pages) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  s.open_fds = count_open_fds();
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = lim.rlim_cur;
  struct sysinfo info {};
  if (sysinfo(&info) == 0) {
    double boot = static_cast<double>(std::time(nullptr)) - static_cast<double>(info.uptime);
    s.start_time_unix = boot + static_cast<double>(starttime) / ticks;
  }
  return s;
}

}  // namespace acepool::support
