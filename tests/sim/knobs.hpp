#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace acepool::sim {

/// The fault knobs of docs/simulator.md, set from the environment at start and changed at run time
/// through /sim/control with the same names.
struct knobs {
  double bitrate = 2e6;                 ///< SIM_BITRATE, bit/s; 0 = unpaced
  int gop = 1;                          ///< SIM_GOP: frames per keyframe (50 frames a second)
  int prebuffer_ms = 1000;              ///< SIM_PREBUFFER_MS
  int json_delay_ms = 100;              ///< SIM_JSON_DELAY_MS
  int startup_delay_ms = 0;             ///< SIM_STARTUP_DELAY_MS (start only)
  std::string json_error;               ///< SIM_JSON_ERROR
  std::string hang;                     ///< SIM_HANG: getstream | playback | status
  std::optional<double> stall_after_s;  ///< SIM_STALL_AFTER_S
  std::optional<double> eof_after_s;    ///< SIM_EOF_AFTER_S
  std::optional<double> reset_after_s;  ///< SIM_RESET_AFTER_S
  bool unhealthy = false;               ///< SIM_UNHEALTHY
  int peers = 7;                        ///< SIM_PEERS
  int forwarded_port = 54321;           ///< SIM_FORWARDED_PORT (Gluetun mode; 0 = none)
  std::string api_key;                  ///< SIM_API_KEY (Gluetun mode)
  int session_idle_s = 30;  ///< SIM_SESSION_IDLE_S: a session without readers ends after this

  /// Sets one knob by name from text; an error line when the name or value is invalid.
  /// An empty value clears optional knobs.
  std::optional<std::string> set(const std::string& name, const std::string& value);
  /// Sets every member of a JSON object (numbers, strings, booleans or null).
  std::optional<std::string> set_json(const nlohmann::json& object);
  /// Reads every SIM_* variable from the environment; an error line on a bad value.
  std::optional<std::string> load_environment();
  /// The current values, for /sim/stats and logs.
  nlohmann::json to_json() const;
};

}  // namespace acepool::sim
