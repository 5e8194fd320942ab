#include "actors/published_state.hpp"

#include <nlohmann/json.hpp>

#include "support/text_safety.hpp"

namespace acepool::actors {

const std::string& engines_snapshot::body() const {
  std::call_once(body_->once, [this] {
    auto list = nlohmann::json::array();
    for (const auto& e : engines)
      list.push_back(engine_json(e, advertise_host));
    body_->text = support::dump_json(list);
  });
  return body_->text;
}

}  // namespace acepool::actors
