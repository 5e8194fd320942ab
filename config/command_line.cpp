#include "config/command_line.hpp"

#include <string_view>

namespace acepool::config {

const std::vector<flag_doc>& flag_docs() {
  static const std::vector<flag_doc> docs{
      {"--env-file PATH",
       "read variables from PATH (default ./.env if present); the real "
       "environment wins"},
      {"--print-config", "print the effective configuration (secrets redacted) and exit"},
      {"--help", "print this help and exit"},
      {"--version", "print the version and exit"},
      {"--cleanup-on-exit", "remove every managed engine when acepool stops"},
      {"--takeover",
       "take over the acepool serving on TAKEOVER_SOCKET: its listeners, streams and viewers "
       "move to this process without a break, then it exits"},
      {"--healthcheck", "probe the local /health endpoint; exit 0 when it answers, 1 otherwise"},
      {"--print-config-reference=markdown|env",
       "print the configuration reference (docs/configuration.md or config/example.env) and exit"},
  };
  return docs;
}

command_line_result parse_command_line(int argc, const char* const* argv) {
  command_line_result result;
  command_line cl;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--env-file") {
      if (i + 1 >= argc) {
        result.error = "--env-file needs a path";
        return result;
      }
      cl.env_file = argv[++i];
    } else if (arg.substr(0, 11) == "--env-file=") {
      if (arg.size() == 11) {
        result.error = "--env-file needs a path";
        return result;
      }
      cl.env_file = std::string(arg.substr(11));
    } else if (arg == "--print-config") {
      cl.print_config = true;
    } else if (arg == "--help" || arg == "-h") {
      cl.help = true;
    } else if (arg == "--version") {
      cl.version = true;
    } else if (arg == "--cleanup-on-exit") {
      cl.cleanup_on_exit = true;
    } else if (arg == "--takeover") {
      cl.takeover = true;
    } else if (arg == "--healthcheck") {
      cl.healthcheck = true;
    } else if (arg.substr(0, 25) == "--print-config-reference=") {
      auto kind = arg.substr(25);
      if (kind != "markdown" && kind != "env") {
        result.error =
            "--print-config-reference takes markdown or env, not \"" + std::string(kind) + "\"";
        return result;
      }
      cl.print_reference = std::string(kind);
    } else {
      result.error = "unknown argument \"" + std::string(arg) + "\" (see --help)";
      return result;
    }
  }
  result.parsed = cl;
  return result;
}

}  // namespace acepool::config
