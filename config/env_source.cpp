#include "config/env_source.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include "config/value_parsers.hpp"

extern char** environ;

namespace acepool::config {

namespace {

bool valid_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::optional<std::string> unquote(std::string_view v) {
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'')
    return std::string(v.substr(1, v.size() - 2));
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      char c = v[i];
      if (c == '\\' && i + 2 < v.size()) {
        char n = v[++i];
        out.push_back(n == 'n' ? '\n' : n == 't' ? '\t' : n);
      } else if (c == '"') {
        return std::nullopt;  // an unescaped quote inside
      } else {
        out.push_back(c);
      }
    }
    return out;
  }
  if (!v.empty() && (v.front() == '"' || v.front() == '\'')) return std::nullopt;
  return std::string(v);
}

}  // namespace

// Swappable on purpose: the origin only labels error messages
// NOLINTNEXTLINE(bugprone-easily-swappable-parameters)
env_file_result parse_env_text(std::string_view text, std::string_view origin) {
  env_file_result result;
  size_t line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty() || line.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    auto eq = line.find('=');
    auto name = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
    auto where = std::string(origin) + ":" + std::to_string(line_no);
    if (eq == std::string_view::npos || !valid_name(name)) {
      result.error = where + ": expected KEY=VALUE, got \"" + std::string(line) + "\"";
      return result;
    }
    auto value = unquote(trim(line.substr(eq + 1)));
    if (!value) {
      result.error = where + ": unbalanced quotes in the value of " + std::string(name);
      return result;
    }
    result.values[std::string(name)] = *value;
    if (end == text.size()) break;
  }
  return result;
}

env_file_result read_env_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    env_file_result r;
    r.error = "cannot read env file " + path;
    return r;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_env_text(buf.str(), path);
}

env_map process_environment() {
  env_map out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out[std::string(kv.substr(0, eq))] = std::string(kv.substr(eq + 1));
  }
  return out;
}

}  // namespace acepool::config
