#include "config/settings_loader.hpp"

#include <cassert>

#include "config/settings_rules.hpp"
#include "config/settings_schema.hpp"
#include "config/value_parsers.hpp"

namespace acepool::config {

namespace {

struct raw_value {
  std::string text;
  value_origin origin;
};

std::optional<raw_value> lookup(const env_map& environment, const env_map& file,
                                const std::string& name) {
  if (auto it = environment.find(name); it != environment.end())
    return raw_value{it->second, value_origin::environment};
  if (auto it = file.find(name); it != file.end())
    return raw_value{it->second, value_origin::env_file};
  return std::nullopt;
}

std::string invalid(const std::string& name, const std::string& value, const std::string& allowed,
                    bool secret = false) {
  return name + "=\"" + (secret ? std::string("<redacted>") : value) +
         "\" is not allowed: expected " + allowed;
}

// Applies the value aliases; returns an error line or nothing.
std::optional<std::string> apply_aliases(const env_map& environment, const env_map& file,
                                         loaded_settings& out) {
  std::optional<std::string> acexy_host;
  std::optional<std::string> acexy_port;
  for (const auto& alias : alias_specs()) {
    auto raw = lookup(environment, file, alias.name);
    if (!raw || trim(raw->text).empty()) continue;
    auto canonical_text = alias.to_canonical(raw->text);
    if (!canonical_text) return invalid(alias.name, raw->text, alias.allowed);
    if (alias.name == "ACEXY_HOST") {
      acexy_host = canonical_text;
      continue;
    }
    if (alias.name == "ACEXY_PORT") {
      acexy_port = canonical_text;
      continue;
    }
    const auto* spec = find_setting(alias.canonical);
    assert(spec != nullptr);
    settings candidate = out.values;
    if (!spec->apply(candidate, *canonical_text))
      return invalid(alias.name, raw->text, spec->allowed + " (as " + alias.canonical + ")");
    auto origin = out.origins.find(alias.canonical);
    if (origin != out.origins.end() && origin->second != value_origin::defaulted) {
      if (spec->show(candidate) != spec->show(out.values))
        return alias.canonical + "=\"" + spec->show(out.values).value_or("") + "\" and its alias " +
               alias.name + "=\"" + raw->text + "\" disagree: set only one of them";
      continue;
    }
    out.values = std::move(candidate);
    out.origins[alias.canonical] = raw->origin;
  }
  if (acexy_host || acexy_port) {
    host_port engine{acexy_host.value_or("localhost"),
                     static_cast<uint16_t>(std::stoi(acexy_port.value_or("6878")))};
    auto& engines = out.values.pool.static_engines;
    bool present = false;
    for (const auto& e : engines)
      present = present || e == engine;
    if (!present) engines.push_back(engine);
  }
  return std::nullopt;
}

void derive(settings& s) {
  auto endpoint = parse_docker_host(s.docker.host_text);
  assert(endpoint.has_value());
  s.docker.host = *endpoint;
  s.service.db_path = parse_sqlite_url(s.service.db_url).value_or(":memory:");
  if (s.docker.allowed_images.empty()) s.docker.allowed_images = {s.docker.target_image};
}

}  // namespace

load_result load_settings(const env_map& environment, const env_map& env_file) {
  load_result result;
  loaded_settings out;
  for (const auto& spec : setting_specs()) {
    if (!spec.default_value) continue;
    bool ok = spec.apply(out.values, *spec.default_value);
    assert(ok && "a documented default must parse");
    (void)ok;
    out.origins[spec.name] = value_origin::defaulted;
  }
  for (const auto& spec : setting_specs()) {
    auto raw = lookup(environment, env_file, spec.name);
    if (!raw) continue;
    if (trim(raw->text).empty() && !spec.default_value) continue;  // empty = unset
    if (!spec.apply(out.values, raw->text)) {
      result.error = invalid(spec.name, raw->text, spec.allowed, spec.secret);
      return result;
    }
    out.origins[spec.name] = raw->origin;
  }
  if (auto err = apply_aliases(environment, env_file, out)) {
    result.error = *err;
    return result;
  }
  derive(out.values);
  auto rules = check_cross_field_rules(out.values);
  if (rules.error) {
    result.error = *rules.error;
    return result;
  }
  out.warnings = std::move(rules.warnings);
  result.loaded = std::move(out);
  return result;
}

}  // namespace acepool::config
