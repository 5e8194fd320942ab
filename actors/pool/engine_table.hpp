#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "actors/pool/engine_record.hpp"
#include "actors/pool/pool_policy.hpp"
#include "actors/streams/engine_selection.hpp"
#include "actors/streams/stream_book.hpp"
#include "docker/docker_types.hpp"

namespace acepool::config {
struct settings;
}

namespace acepool::actors {

/// The engines acepool knows (managed, adopted and static), the capacity claims of provisioning
/// operations in flight, and the relay sessions being opened on them: the engine registry's
/// rules as plain decisions (docs/behaviour.md §1 adoption, §3 the cap, §7 selection). The
/// registry actor receives, calls these, and publishes, persists and logs what they return.
/// Which stream runs on which engine is read from the registry's stream book, its one copy.
class engine_table {
 public:
  using steady = std::chrono::steady_clock;
  using wall = std::chrono::system_clock;

  /// `cap`: the most managed engines plus claims (MAX_REPLICAS, and the VPN caps in VPN mode);
  /// `streams`: the stream records, which must outlive the table.
  engine_table(int cap, const stream_book& streams) : cap_(cap), streams_(&streams) {}

  /// First-seen times the database remembered, used when an engine is added or adopted again.
  void remember_first_seen(std::map<std::string, wall::time_point> seen);
  /// Adds a STATIC_ENGINES entry: selectable and probed, never counted, no startup grace.
  void add_static(const std::string& host, uint16_t port, wall::time_point now_wall,
                  steady::time_point now);

  const std::map<std::string, engine_record>& engines() const { return engines_; }
  /// The engine `key` names: full id, container name, or a unique prefix of ≥ 12 characters.
  engine_record* find(const std::string& key);
  const engine_record* find(const std::string& key) const;
  /// Managed engines that are not stopping (what the cap counts besides claims).
  int managed_count() const;

  // ---- capacity ----

  /// Grants `claim` (idempotent) when managed engines + claims stay below the cap + `extra`.
  bool claim(const std::string& claim, int extra = 0);
  /// A claim for the engine replacing `old_key`: the old one still counts while it drains, so
  /// one more is allowed, only for a managed engine that exists.
  bool claim_replacement(const std::string& claim, const std::string& old_key);
  /// Drops a claim; whether there was one.
  bool unclaim(const std::string& claim);
  /// Notes the container a claim's operation created (so a sync does not adopt it).
  void bind_claim(const std::string& claim, const std::string& container_id);
  const std::map<std::string, std::string>& claims() const { return claims_; }

  // ---- engine lifecycle ----

  /// A provisioned engine is ready: replaces its claim. Keeps the first-seen time of a record
  /// it replaces; whether the engine is new to the table.
  bool engine_up(engine_record e, const std::string& claim, wall::time_point now_wall,
                 steady::time_point now);

  /// What removing an engine took away.
  struct removal {
    engine_record engine;
    bool expected = false;  ///< it was stopping: the removal acepool itself asked for
  };
  /// Removes the managed engine `key` names (static engines are never removed).
  std::optional<removal> remove(const std::string& key);
  /// Marks the managed engine `key` names as stopping; its full id, and whether that changed it.
  std::optional<std::pair<std::string, bool>> mark_stopping(const std::string& key);
  /// Sets a managed engine's state unless it is stopping; whether it changed.
  bool set_state(const std::string& key, engine_state state);
  /// Records a health probe's verdict; whether the status changed (nullopt: unknown engine).
  std::optional<bool> set_health(const std::string& key, health_status health,
                                 wall::time_point checked_at);

  /// What the pool manager sizes from: managed engines and the claims in flight.
  sizing_view sizing() const;
  /// The same from `streams`, the stream book's active_by_engine() already at hand.
  sizing_view sizing(const stream_book::streams_by_engine& streams) const;
  /// Container names of every engine (to pick the next free `acestream-N`).
  std::vector<std::string> names() const;

  // ---- reconciliation with Docker ----

  /// What a reconciliation changed.
  struct sync_result {
    std::vector<engine_record> vanished;  ///< managed engines Docker no longer lists
    std::vector<std::string> adopted;     ///< ids of running containers taken in as engines
    /// Managed containers without a usable port, id → name; only those not reported before.
    std::map<std::string, std::string> newly_unadoptable;
  };
  /// Reconciles with the running managed containers Docker listed at `listed_at`: engines it
  /// no longer lists (and that did not change since) vanish; running containers that are no
  /// engine yet and no claim's own are adopted, past any startup grace and idle from now (the
  /// streams an external proxy reported on them before a restart still count on them). A
  /// `restarting` one (a Swarm task being started again) is an engine too, marked restarting
  /// (never offered to streams) until it runs.
  sync_result sync(const std::vector<docker::container_summary>& running,
                   steady::time_point listed_at, const config::settings& settings,
                   wall::time_point now_wall, steady::time_point now);
  /// Managed containers that are no engine acepool can use, id → name.
  const std::map<std::string, std::string>& unadoptable() const { return unadoptable_; }

  // ---- streams on engines ----

  /// A stream started or ended on `container_id` at `at` (the stream book already says so):
  /// its last stream usage; an engine left without streams is idle from `now`.
  void streams_changed_on(const std::string& container_id, wall::time_point at,
                          steady::time_point now);

  /// Picks an engine for a relay session and counts the session on it until release(): a
  /// reservation replaces the caller's earlier one; `own_container` is the engine the
  /// session's own stream record sits on (it does not occupy the engine it may return to).
  std::optional<engine_record> reserve(const std::string& reservation, const engine_wishes& wishes,
                                       int max_streams,
                                       const std::optional<std::string>& own_container);
  void release(const std::string& reservation) { reservations_.erase(reservation); }
  const std::map<std::string, std::string>& reservations() const { return reservations_; }

 private:
  /// Swarm mode: the engine's task now runs on the node `c` names; it answers there.
  static void follow_moved_task(engine_record& e, const docker::container_summary& c,
                                const config::settings& settings, steady::time_point now);

  int cap_;
  const stream_book* streams_;
  std::map<std::string, engine_record> engines_;        // by container id
  std::map<std::string, std::string> claims_;           // claim → container id ("" until created)
  std::map<std::string, std::string> unadoptable_;      // container id → name
  std::map<std::string, std::string> reservations_;     // relay session being opened → container
  std::map<std::string, wall::time_point> first_seen_;  // restored from the database
};

}  // namespace acepool::actors
