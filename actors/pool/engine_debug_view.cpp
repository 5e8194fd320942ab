#include "actors/pool/engine_debug_view.hpp"

namespace acepool::actors {

nlohmann::json engine_debug_view(const engine_record& e, const std::vector<std::string>& streams) {
  auto optional_port = [](const auto& p) { return p ? nlohmann::json(*p) : nlohmann::json(); };
  return {{"container_id", e.container_id},
          {"container_name", e.container_name},
          {"state", to_string(e.state)},
          {"streams", streams},
          {"host", e.host},
          {"port", e.port},
          {"container_http_port", e.container_http_port},
          {"container_https_port", e.container_https_port},
          {"host_https_port", optional_port(e.host_https_port)}};
}

nlohmann::json registry_debug_view(const engine_table& table, const stream_book& book) {
  auto list = nlohmann::json::array();
  auto streams = book.active_by_engine();
  for (const auto& [id, e] : table.engines())
    list.push_back(engine_debug_view(e, streams[id]));
  return {{"engines", list},
          {"unadoptable", table.unadoptable()},
          {"claims", table.claims()},
          {"relay_reservations", table.reservations()},
          {"streams_active", book.active_count()}};
}

}  // namespace acepool::actors
