#pragma once

#include <optional>
#include <string>
#include <vector>

namespace acepool::config {

/// acepool's own flags (CAF never sees argv).
struct command_line {
  std::optional<std::string> env_file;         ///< --env-file PATH (default ./.env when present)
  bool print_config = false;                   ///< --print-config
  bool help = false;                           ///< --help
  bool version = false;                        ///< --version
  bool cleanup_on_exit = false;                ///< --cleanup-on-exit
  bool healthcheck = false;                    ///< --healthcheck
  bool takeover = false;                       ///< --takeover
  std::optional<std::string> print_reference;  ///< --print-config-reference=markdown|env
};

/// The parsed flags, or one line saying which argument is wrong.
struct command_line_result {
  std::optional<command_line> parsed;
  std::string error;
};

/// Parses argv (argv[0] is skipped). Accepts `--env-file PATH` and `--env-file=PATH`.
command_line_result parse_command_line(int argc, const char* const* argv);

/// One flag and its one-line description, for --help and the docs.
struct flag_doc {
  std::string flag;
  std::string help;
};

/// Every flag, in the order --help lists them.
const std::vector<flag_doc>& flag_docs();

}  // namespace acepool::config
