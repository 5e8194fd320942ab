#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <caf/actor.hpp>

#include "actors/runtime/instrumented_actor.hpp"

namespace acepool::actors {

/// One registered actor.
struct directory_entry {
  std::string name;  ///< unique, e.g. `engine_registry` or `stream_relay/<key>`
  std::string kind;  ///< the role, e.g. `engine_registry`, `stream_relay`
  caf::actor handle;
  std::shared_ptr<const actor_vitals> vitals;
  bool long_lived = true;  ///< false for per-stream actors (aggregated in metrics)
};

/// The named actors behind /debug/actors, /health/ready and the mailbox metrics. Thread-safe;
/// an actor leaves the directory by itself when it terminates.
class actor_directory : public std::enable_shared_from_this<actor_directory> {
 public:
  /// Registers an actor under `name`, replacing an older entry of the same name, and unregisters
  /// it automatically when the actor terminates. Its counters come from `instrumented<Base>`
  /// (tracked_actor, tracked_typed_actor; a typed handle is passed as
  /// `caf::actor_cast<caf::actor>(handle)`); an actor without them shows zero counters.
  void add(const caf::actor& handle, const std::string& name, std::string kind,
           bool long_lived = true);

  /// Every entry, sorted by name.
  std::vector<directory_entry> list() const;

  /// The entry called `name`.
  std::optional<directory_entry> find(std::string_view name) const;

  /// Number of entries.
  size_t size() const;

  /// Makes every long-lived actor registered so far *required*: the process cannot work without
  /// it. `on_lost` runs (on the thread where the actor ended) when a required actor terminates
  /// before stop_watching(); readiness lists it in missing_required() either way.
  void require_registered(std::function<void(const std::string& name)> on_lost);
  /// Shutdown has begun: required actors ending from now on are expected.
  void stop_watching();
  /// Required actors that are no longer registered, sorted.
  std::vector<std::string> missing_required() const;

 private:
  void remove_if_same(const std::string& name, const caf::actor_addr& who);

  mutable std::mutex mutex_;
  std::map<std::string, directory_entry, std::less<>> entries_;
  std::set<std::string> required_;
  std::function<void(const std::string&)> on_lost_;
  bool watching_ = false;
};

}  // namespace acepool::actors
