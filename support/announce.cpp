#include "support/announce.hpp"

#include "support/logging.hpp"

namespace acepool {

void announce(support::live_feed* feed, spdlog::level::level_enum level, std::string_view name,
              const nlohmann::json& fields) {
  log::event(level, name, fields);
  if (feed != nullptr) feed->publish(name, fields);
}

}  // namespace acepool
