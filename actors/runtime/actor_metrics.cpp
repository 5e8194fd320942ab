#include "actors/runtime/actor_metrics.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "actors/runtime/actor_directory.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::actors {

void add_actor_metrics(metrics::registry& reg, std::shared_ptr<actor_directory> directory) {
  // Series of actors that are gone are reported as 0 rather than frozen at their last value.
  auto seen = std::make_shared<std::pair<std::mutex, std::set<std::string>>>();
  auto seen_kinds = std::make_shared<std::set<std::string>>();
  reg.add_collector([directory = std::move(directory), seen, seen_kinds](metrics::registry& r) {
    std::map<std::string, uint64_t> mailbox;
    std::map<std::string, uint64_t> count;
    for (const auto& e : directory->list()) {
      auto size = e.vitals->mailbox.load(std::memory_order_relaxed);
      auto key = e.long_lived ? e.name : e.kind;
      mailbox[key] = std::max(mailbox[key], size);
      ++count[e.kind];
    }
    std::lock_guard<std::mutex> guard(seen->first);
    for (const auto& name : seen->second)
      mailbox.emplace(name, 0);
    for (const auto& kind : *seen_kinds)
      count.emplace(kind, 0);
    for (const auto& [name, size] : mailbox) {
      r.gauge(metrics::actor_mailbox, {{"actor", name}}).set(static_cast<double>(size));
      seen->second.insert(name);
    }
    for (const auto& [kind, n] : count) {
      r.gauge(metrics::actors, {{"kind", kind}}).set(static_cast<double>(n));
      seen_kinds->insert(kind);
    }
    // Every kind's series exists from the first scrape, at 0 (actor kinds are their state names).
    auto exceptions = handler_exceptions();
    for (const auto& kind : *seen_kinds)
      exceptions.emplace(kind, 0);
    for (const auto& [actor, n] : exceptions) {
      auto& total = r.counter(metrics::actor_handler_exceptions, {{"actor", actor}});
      if (n > total.value()) total.inc(n - total.value());
    }
  });
}

}  // namespace acepool::actors
