// stream_manager: routes clients to the relay of their stream key, starting relays on demand.
#include "actors/relay/stream_manager.hpp"

#include <map>
#include <set>

#include <caf/send.hpp>
#include <nlohmann/json.hpp>

#include "actors/messages.hpp"
#include "actors/runtime/actor_directory.hpp"
#include "actors/runtime/introspection.hpp"
#include "actors/runtime/published_state.hpp"
#include "config/settings.hpp"
#include "support/logging.hpp"

namespace acepool::actors {

namespace {

struct stream_manager_state {
  static inline const char* name = "stream_manager";
  relay_deps deps;
  std::shared_ptr<actor_directory> directory;
  std::map<std::string, caf::actor> relays;  // by stream key
  std::vector<std::string> exported;         // takeover: stream ids of the relays handed out
  bool moving = false;  // takeover: relays offered to a new process (until resumed or released)
  uint64_t started = 0, refused = 0;

  nlohmann::json summary() const {
    return {{"relays", relays.size()},
            {"clients", deps.counters->clients.load()},
            {"relays_started", started},
            {"clients_refused", refused}};
  }

  nlohmann::json full_state() const {
    auto keys = nlohmann::json::array();
    for (const auto& [key, relay] : relays)
      keys.push_back(key);
    auto j = summary();
    j["keys"] = keys;
    return j;
  }
};

using manager_actor = tracked_typed_actor<stream_manager_state, stream_manager_handle>;

/// Answers a request that no relay takes: `status` with `detail`.
void refuse(relay_request& req, int status, const std::string& detail,
            std::vector<std::pair<std::string, std::string>> headers = {}) {
  auto body = nlohmann::json{{"detail", detail}}.dump();
  if (req.hls)
    req.hls->reply->fail({status, body, std::move(headers)});
  else
    req.client->fail(status, body, std::move(headers));
}

void open_stream(manager_actor* self, relay_request& req) {
  auto& st = self->state;
  if (st.moving && !req.hls) {
    // Its relay would be this process's while the streams move to the next one: it asks there.
    refuse(req, 503, "acepool is restarting: connect again", {{"Retry-After", "1"}});
    return;
  }
  auto it = st.relays.find(req.key);
  // An HLS viewer of a running relay may be one already watching: that relay counts it
  // (MAX_CLIENTS too). Anyone else over the cap starts nothing.
  bool known_relay = it != st.relays.end();
  if ((!req.hls || !known_relay) &&
      st.deps.counters->clients.load() >= st.deps.settings->relay.max_clients) {
    ++st.refused;
    refuse(req, 503, "too many clients");
    return;
  }
  // A segment belongs to a running relay's window; it never starts one.
  if (it == st.relays.end() && req.hls && req.hls->sequence) {
    refuse(req, 404, "stream not found: ask for the playlist again");
    return;
  }
  if (it == st.relays.end()) {
    auto relay = spawn_stream_relay(self->system(), *st.directory, st.deps,
                                    caf::actor_cast<stream_manager_handle>(self), req.key,
                                    req.key_type, req.params);
    self->monitor(relay);
    it = st.relays.emplace(req.key, relay).first;
    ++st.started;
  }
  // A relay that has just ended may be gone before its relay_ended arrives: then the client
  // (kept alive by this copy) goes to a fresh relay instead of being dropped unanswered.
  auto relay = it->second;
  self->request(relay, caf::infinite, open_stream_atom::value, req)
      .then([](caf::ok_atom) {},
            [self, req, relay](caf::error& e) mutable {
              auto& relays = self->state.relays;
              auto found = relays.find(req.key);
              if (found != relays.end() && found->second == relay) relays.erase(found);
              if (e == caf::sec::request_receiver_down) return open_stream(self, req);
              refuse(req, 503, "stream relay unavailable");
            });
}

/// What DELETE /streams/{id} answers for the registry's end of a stream.
caf::expected<stream_record> stop_outcome(const stream_end_result& r) {
  if (!r.stream) return make_error(request_error::not_found, "stream not found");
  if (!r.updated) return make_error(request_error::already_ended, "stream already ended");
  return *r.stream;
}

/// DELETE /streams/{id}: a relay stream's relay stops (closing its clients); any other stream
/// (reported by an external proxy, or a relay stream whose relay is gone) goes on to the
/// stats_collector, which stops its engine session and ends the record.
caf::result<stream_record> stop_stream(manager_actor* self, const std::string& stream_id,
                                       const std::string& reason) {
  auto& st = self->state;
  const auto snap = st.deps.published->streams.load();
  const auto* record = snap->find(stream_id);
  if (record == nullptr) return make_error(request_error::not_found, "stream not found");
  if (record->ended) return make_error(request_error::already_ended, "stream already ended");
  // A relay's stream id is `<key>|<first session id>`.
  auto it = st.relays.end();
  auto bar = stream_id.rfind('|');
  if (record->source == stream_source::relay && !record->ended && bar != std::string::npos)
    it = st.relays.find(stream_id.substr(0, bar));
  auto rp = self->make_response_promise<stream_record>();
  auto answer = [rp](const stream_end_result& r) mutable { deliver(rp, stop_outcome(r)); };
  if (it != st.relays.end())
    // A relay that ended meanwhile took its stream with it; a relay that does not answer is a
    // timeout like any other.
    self->request(it->second, std::chrono::seconds(15), stop_relay_atom::value, stream_id, reason)
        .then(answer, [answer, rp](caf::error& e) mutable {
          if (e == caf::sec::request_receiver_down)
            answer(stream_end_result{});
          else
            rp.deliver(std::move(e));
        });
  else if (st.deps.stats_collector)
    // The engine's stop command and the registry's answer each have their own deadline.
    self->request(st.deps.stats_collector, st.deps.settings->service.api_long_operation_timeout,
                  stop_session_atom::value, stream_id, reason)
        .then(answer, [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
  else
    rp.deliver(make_error(request_error::not_found, "stream not found"));
  return rp;
}

/// GET /ace/status: every relay ("" key) or the relay of one key ("" when none runs it).
caf::result<std::string> relay_status(manager_actor* self, const std::string& key) {
  auto& st = self->state;
  if (key.empty())
    return nlohmann::json{{"streams", st.relays.size()},
                          {"clients", std::max<int64_t>(0, st.deps.counters->clients)},
                          {"bytes_relayed", st.deps.counters->bytes_out.load()}}
        .dump();
  auto it = st.relays.find(key);
  if (it == st.relays.end()) return std::string();
  auto rp = self->make_response_promise<std::string>();
  self->request(it->second, std::chrono::seconds(5), relay_status_atom::value)
      .then([rp](const std::string& s) mutable { rp.deliver(s); },
            [rp](caf::error&) mutable { rp.deliver(std::string()); });
  return rp;
}

/// A relay that is ending: later clients of its key get a new one.
void forget_relay(manager_actor* self, const std::string& key) {
  auto& relays = self->state.relays;
  auto it = relays.find(key);
  if (it != relays.end() && it->second.address() == self->current_sender()) relays.erase(it);
}

/// takeover_export_atom: every relay suspended and described, or none (the others resumed).
caf::result<std::vector<relay_handover_ptr>> export_relays(manager_actor* self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<std::vector<relay_handover_ptr>>();
  struct gathering {
    size_t left = 0;
    std::vector<relay_handover_ptr> done;
    std::optional<caf::error> failed;
  };
  auto g = std::make_shared<gathering>();
  g->left = st.relays.size();
  if (g->left == 0) {
    rp.deliver(std::vector<relay_handover_ptr>{});
    return rp;
  }
  auto one_more = [self, g, rp]() mutable {
    if (--g->left > 0) return;
    if (g->failed) {
      self->state.moving = false;
      for (auto& [key, relay] : self->state.relays)
        caf::anon_send(relay, takeover_resume_atom::value);
      for (auto& h : g->done)
        close_handover(*h);
      rp.deliver(*g->failed);
      return;
    }
    self->state.exported.clear();
    for (const auto& h : g->done)
      self->state.exported.push_back(h->stream_id);
    self->state.moving = true;
    rp.deliver(g->done);
  };
  for (auto& [key, relay] : st.relays)
    self->request(relay, std::chrono::seconds(10), takeover_export_atom::value)
        .then(
            [g, one_more](const relay_handover_ptr& h) mutable {
              g->done.push_back(h);
              one_more();
            },
            [g, one_more](caf::error& e) mutable {
              if (!g->failed) g->failed = std::move(e);
              one_more();
            });
  return rp;
}

/// takeover_release_atom: the exported relays are the new process's now; answered once the
/// registry knows (its stop must not end their records).
caf::result<caf::ok_atom> release_relays(manager_actor* self) {
  auto& st = self->state;
  auto rp = self->make_response_promise<caf::ok_atom>();
  // Every relay gone before the answer: a relay still suspended when this process stops would
  // resume (its exit handler) and read and write what the new process owns.
  // Only the relays that were offered (a relay started meanwhile ends with this process).
  std::set<std::string> keys;
  for (const auto& id : st.exported)
    keys.insert(id.substr(0, id.rfind('|')));
  auto left = std::make_shared<size_t>(1);
  auto failed = std::make_shared<bool>(false);
  auto one_done = [rp, left, failed](bool ok) mutable {
    *failed = *failed || !ok;
    if (--*left > 0) return;
    if (*failed)
      rp.deliver(make_error(request_error::failed, "a relay did not end"));
    else
      rp.deliver(caf::ok_atom::value);
  };
  for (auto it = st.relays.begin(); it != st.relays.end();) {
    if (keys.count(it->first) == 0) {
      ++it;
      continue;
    }
    ++*left;
    self->demonitor(it->second);
    self->request(it->second, std::chrono::seconds(10), takeover_release_atom::value)
        .then([one_done](caf::ok_atom) mutable { one_done(true); },
              [one_done](caf::error&) mutable { one_done(false); });
    it = st.relays.erase(it);
  }
  self->request(st.deps.registry, std::chrono::seconds(5), handed_over_atom::value, st.exported)
      .then([one_done](caf::ok_atom) mutable { one_done(true); },
            [one_done](caf::error&) mutable { one_done(false); });
  return rp;
}

stream_manager_handle::behavior_type stream_manager(manager_actor* self, relay_deps deps,
                                                    std::shared_ptr<actor_directory> directory) {
  self->state.deps = std::move(deps);
  self->state.directory = std::move(directory);
  self->set_down_handler([self](caf::down_msg& m) {
    auto& relays = self->state.relays;
    for (auto it = relays.begin(); it != relays.end(); ++it) {
      if (it->second.address() == m.source) {
        relays.erase(it);
        return;
      }
    }
  });
  // Relays are not linked (one failing must not take the others down): stop them on exit.
  self->set_exit_handler([self](caf::exit_msg& m) {
    for (auto& [key, relay] : self->state.relays)
      self->send_exit(relay, m.reason);
    self->quit(m.reason);
  });
  return {
      [self](open_stream_atom, relay_request& req) { open_stream(self, req); },
      [self](relay_ended_atom, const std::string& key) { forget_relay(self, key); },
      [self](relay_status_atom, const std::string& key) { return relay_status(self, key); },
      [self](stop_stream_atom, const std::string& stream_id, const std::string& reason) {
        return stop_stream(self, stream_id, reason);
      },
      [self](takeover_export_atom) { return export_relays(self); },
      [self](takeover_resume_atom) {
        self->state.moving = false;
        for (auto& [key, relay] : self->state.relays)
          caf::anon_send(relay, takeover_resume_atom::value);
        return caf::ok_atom::value;
      },
      [self](takeover_release_atom) { return release_relays(self); },
      [self](takeover_adopt_atom, relay_handover_ptr& h) {
        auto& st = self->state;
        if (!h) return caf::ok_atom::value;
        if (st.relays.count(h->key) > 0) {
          // Two relays of one key in an offer: the second's clients end, nothing leaks.
          log::event(spdlog::level::warn, "takeover.duplicate_stream", {{"key", h->key}});
          for (auto& sink : h->adopted_clients)
            if (sink) sink->finish();
          close_handover(*h);
          return caf::ok_atom::value;
        }
        auto relay = spawn_stream_relay(self->system(), *st.directory, st.deps,
                                        caf::actor_cast<stream_manager_handle>(self), h->key,
                                        h->key_type, h->params, h);
        self->monitor(relay);
        st.relays.emplace(h->key, relay);
        ++st.started;
        return caf::ok_atom::value;
      },
      stats_handler(self),
      state_handler(self),
      ping_handler(),
  };
}

}  // namespace

stream_manager_handle spawn_stream_manager(caf::actor_system& sys, actor_directory& directory,
                                           relay_deps deps) {
  auto a = sys.spawn(stream_manager, std::move(deps), directory.shared_from_this());
  directory.add(caf::actor_cast<caf::actor>(a), "stream_manager", "stream_manager");
  return a;
}

}  // namespace acepool::actors
