#include "tests/sim/knobs.hpp"

#include <cstdlib>

namespace acepool::sim {

namespace {

std::optional<double> number(const std::string& v) {
  if (v.empty()) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (end == v.c_str() || *end != '\0' || d < 0) return std::nullopt;
  return d;
}

const char* const names[] = {
    "SIM_BITRATE",          "SIM_GOP",           "SIM_PREBUFFER_MS",  "SIM_JSON_DELAY_MS",
    "SIM_STARTUP_DELAY_MS", "SIM_JSON_ERROR",    "SIM_HANG",          "SIM_STALL_AFTER_S",
    "SIM_EOF_AFTER_S",      "SIM_RESET_AFTER_S", "SIM_UNHEALTHY",     "SIM_PEERS",
    "SIM_FORWARDED_PORT",   "SIM_API_KEY",       "SIM_SESSION_IDLE_S"};

}  // namespace

std::optional<std::string> knobs::set(const std::string& name, const std::string& value) {
  auto bad = [&] { return name + "=\"" + value + "\" is not valid"; };
  auto optional_seconds = [&](std::optional<double>& target) -> std::optional<std::string> {
    if (value.empty()) {
      target.reset();
      return std::nullopt;
    }
    auto d = number(value);
    if (!d) return bad();
    target = *d;
    return std::nullopt;
  };
  auto integer = [&](int& target, double max) -> std::optional<std::string> {
    auto d = number(value);
    if (!d || *d > max) return bad();
    target = static_cast<int>(*d);
    return std::nullopt;
  };
  if (name == "SIM_BITRATE") {
    auto d = number(value);
    if (!d || (*d != 0 && (*d < 1e6 || *d > 1e10)))
      return name + "=\"" + value + "\": 0 or 1000000..1e10 bit/s";
    bitrate = *d;
  } else if (name == "SIM_GOP") {
    auto d = number(value);
    if (!d || *d < 1 || *d > 3000 || *d != static_cast<int>(*d))
      return name + "=\"" + value + "\": a whole number of frames, 1..3000";
    gop = static_cast<int>(*d);
  } else if (name == "SIM_PREBUFFER_MS") {
    return integer(prebuffer_ms, 600000);
  } else if (name == "SIM_JSON_DELAY_MS") {
    return integer(json_delay_ms, 600000);
  } else if (name == "SIM_STARTUP_DELAY_MS") {
    return integer(startup_delay_ms, 600000);
  } else if (name == "SIM_JSON_ERROR") {
    json_error = value;
  } else if (name == "SIM_HANG") {
    if (!value.empty() && value != "getstream" && value != "playback" && value != "status")
      return bad();
    hang = value;
  } else if (name == "SIM_STALL_AFTER_S") {
    return optional_seconds(stall_after_s);
  } else if (name == "SIM_EOF_AFTER_S") {
    return optional_seconds(eof_after_s);
  } else if (name == "SIM_RESET_AFTER_S") {
    return optional_seconds(reset_after_s);
  } else if (name == "SIM_UNHEALTHY") {
    unhealthy = value == "1" || value == "true" || value == "yes";
    if (!unhealthy && !value.empty() && value != "0" && value != "false" && value != "no")
      return bad();
  } else if (name == "SIM_PEERS") {
    return integer(peers, 1e6);
  } else if (name == "SIM_FORWARDED_PORT" || name == "forwarded_port") {
    return integer(forwarded_port, 65535);
  } else if (name == "SIM_SESSION_IDLE_S") {
    return integer(session_idle_s, 86400);
  } else if (name == "SIM_API_KEY") {
    api_key = value;
  } else {
    return "unknown knob " + name;
  }
  return std::nullopt;
}

std::optional<std::string> knobs::set_json(const nlohmann::json& object) {
  if (!object.is_object()) return std::string("expected a JSON object");
  for (const auto& [k, v] : object.items()) {
    std::string text;
    if (v.is_null())
      text = "";
    else if (v.is_string())
      text = v.get<std::string>();
    else if (v.is_boolean())
      text = v.get<bool>() ? "true" : "false";
    else if (v.is_number())
      text = v.dump();
    else
      return "knob " + k + " has an unsupported type";
    if (auto err = set(k, text)) return err;
  }
  return std::nullopt;
}

std::optional<std::string> knobs::load_environment() {
  for (const char* n : names) {
    if (const char* v = std::getenv(n)) {
      if (auto err = set(n, v)) return err;
    }
  }
  return std::nullopt;
}

nlohmann::json knobs::to_json() const {
  auto opt = [](const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"SIM_BITRATE", bitrate},
          {"SIM_GOP", gop},
          {"SIM_PREBUFFER_MS", prebuffer_ms},
          {"SIM_JSON_DELAY_MS", json_delay_ms},
          {"SIM_JSON_ERROR", json_error},
          {"SIM_HANG", hang},
          {"SIM_STALL_AFTER_S", opt(stall_after_s)},
          {"SIM_EOF_AFTER_S", opt(eof_after_s)},
          {"SIM_RESET_AFTER_S", opt(reset_after_s)},
          {"SIM_UNHEALTHY", unhealthy},
          {"SIM_PEERS", peers},
          {"SIM_FORWARDED_PORT", forwarded_port},
          {"SIM_SESSION_IDLE_S", session_idle_s}};
}

}  // namespace acepool::sim
