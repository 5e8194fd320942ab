#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/error.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include "actors/request_error.hpp"
#include "http/responder.hpp"

// The request → actor bridge: handlers send one message from a throw-away event-based actor and
// return at once; the reply (or a timeout) completes the HTTP response from a CAF thread.
// Nothing here blocks an io thread (no scoped_actor waits for a reply; docs/architecture.md).
namespace acepool::http {

/// The status of an actor's request_error: not_found 404, already_ended 409, failed 500.
int http_status(actors::request_error code);

/// Maps a reply's error to the HTTP answer, the one place this happens: an actor's
/// request_error → its status with the actor's detail; request timeout → 504; a dead or missing
/// actor → 503 (shutting down); anything else → 500 with the request id (and a log line).
response response_for(const caf::error& err, caf::actor_system& sys, const std::string& request_id);

/// Sends `msg...` to `dest` (a caf::actor or a typed handle, which checks `msg` and `Reply` at
/// compile time); `on_reply(Reply&...)` turns the reply into the response.
template <class... Reply, class Dest, class OnReply, class... Ts>
void ask(caf::actor_system& sys, const Dest& dest, std::chrono::milliseconds timeout,
         const responder& reply, OnReply on_reply, Ts... msg) {
  if (!dest) {
    reply.send(response::error(503, "service is shutting down"));
    return;
  }
  sys.spawn([=](caf::event_based_actor* self) {
    self->request(dest, timeout, msg...)
        .then([reply, on_reply](Reply&... xs) mutable { reply.send(on_reply(xs...)); },
              [reply, &sys = self->system()](caf::error& err) {
                reply.send(response_for(err, sys, reply.request_id()));
              });
  });
}

/// One target's answer to gather(): the reply, or none; `ended` when the target had terminated
/// (CAF bounced the request) rather than failing to answer in time.
template <class Reply>
struct gathered {
  std::optional<Reply> reply;
  bool ended = false;
  explicit operator bool() const { return reply.has_value(); }
};

/// Sends the same message to every target and calls `done` once with one entry per target
/// (in order).
template <class Reply, class... Ts>
void gather(caf::actor_system& sys, const std::vector<caf::actor>& targets,
            std::chrono::milliseconds timeout,
            std::function<void(std::vector<gathered<Reply>>)> done, Ts... msg) {
  if (targets.empty()) {
    done({});
    return;
  }
  sys.spawn([=](caf::event_based_actor* self) {
    struct progress {
      std::vector<gathered<Reply>> results;
      size_t pending;
    };
    auto state = std::make_shared<progress>(
        progress{std::vector<gathered<Reply>>(targets.size()), targets.size()});
    for (size_t i = 0; i < targets.size(); ++i) {
      auto finish_one = [state, done] {
        if (--state->pending == 0) done(std::move(state->results));
      };
      if (!targets[i]) {
        state->results[i].ended = true;
        finish_one();
        continue;
      }
      self->request(targets[i], timeout, msg...)
          .then(
              [state, i, finish_one](Reply& x) {
                state->results[i].reply = std::move(x);
                finish_one();
              },
              [state, i, finish_one](caf::error& err) {
                state->results[i].ended = err == caf::sec::request_receiver_down;
                finish_one();
              });
    }
  });
}

}  // namespace acepool::http
