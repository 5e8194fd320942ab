// The provisioner's requests as they arrive: an engine (API, relay, health replacement), the
// pool manager's n engines, a generic container. Each is checked, turned into operations and
// handed to admission (provisioner.cpp).
#include <algorithm>
#include <memory>

#include "actors/messages.hpp"
#include "actors/provisioning/provisioner_internal.hpp"
#include "docker/engine_spec.hpp"

namespace acepool::actors::provisioning_detail {

/// MAX_GENERIC_CONTAINERS: the generic containers that exist (Docker's list, stopped ones
/// included) and those being created count; beyond the cap the request is 409 max_capacity.
void admit_generic(prov_actor* self, operation op) {
  auto& st = self->state;
  const auto& label = st.settings().docker.container_label;
  docker::filters f{
      {"label", {label.first + "=" + label.second, std::string(docker::label_kind) + "=generic"}}};
  auto pending = std::make_shared<operation>(std::move(op));
  self->request(st.deps.quick_pool, std::chrono::seconds(30), docker_list_atom::value, f, true)
      .then(
          [self, pending](docker::result<std::vector<docker::container_summary>>& r) {
            auto& st = self->state;
            auto refuse = [&](provision_error e) {
              provision_result out;
              out.error = std::move(e);
              pending->rp.deliver(std::move(out));
            };
            if (!r.ok())
              return refuse(make_error(provision_code::docker_unavailable, r.error().message));
            auto in_flight = std::count_if(st.ops.begin(), st.ops.end(),
                                           [](const auto& o) { return !o.second.engine; });
            auto cap = st.settings().docker.max_generic_containers;
            if (static_cast<int>(r->size() + static_cast<size_t>(in_flight)) >= cap)
              return refuse(make_error(
                  provision_code::max_capacity,
                  "MAX_GENERIC_CONTAINERS (" + std::to_string(cap) +
                      ") generic containers exist or are being created; remove one first"));
            admit(self, std::move(*pending), true);
          },
          [pending](caf::error&) {
            provision_result out;
            out.error =
                make_error(provision_code::docker_unavailable, "docker list did not answer");
            pending->rp.deliver(std::move(out));
          });
}

/// POST /provision/acestream and acepool's own demands: the caller's keys are checked at once.
caf::result<provision_result> accept_engine_request(prov_actor* self, engine_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise<provision_result>();
  auto refuse = [&rp](std::string why) {
    provision_result r;
    r.error = make_error(provision_code::invalid_request, std::move(why));
    rp.deliver(std::move(r));
    return rp;
  };
  if (auto bad = docker::check_caller_keys(st.settings(), req.labels, req.env)) return refuse(*bad);
  if (auto it = req.env.find("CONF"); it != req.env.end() && !docker::parse_conf_ports(it->second))
    return refuse("CONF carries an invalid --http-port or --https-port");
  operation op;
  op.engine = true;
  op.image = req.image.value_or(st.settings().docker.target_image);
  op.counts_for_breaker = op.image == st.settings().docker.target_image;
  op.name_prefix = "acestream";
  op.rp = rp;
  bool limited = req.may_be_rate_limited();
  op.ereq = std::move(req);
  admit(self, std::move(op), limited);
  return rp;
}

/// The pool manager's n engines of TARGET_IMAGE, admitted after the registry applied everything
/// sent before (the removals of the same decision); answered once each was admitted or refused.
caf::result<pool_admission> accept_pool_request(prov_actor* self, int n) {
  auto batch = std::make_shared<admission_batch>();
  // Before the promise: making it takes the sender over from the current message.
  batch->requester = caf::actor_cast<caf::actor>(self->current_sender());
  batch->rp = self->make_response_promise<pool_admission>();
  batch->pending = std::max(0, n);
  auto admit_all = [self, batch, n] {
    if (batch->pending == 0) {
      batch->rp.deliver(pool_admission{});
      return;
    }
    for (int i = 0; i < n; ++i) {
      operation op;
      op.engine = true;
      op.image = self->state.settings().docker.target_image;
      op.counts_for_breaker = true;
      op.name_prefix = "acestream";
      op.ereq.origin = request_origin::pool;
      op.batch = batch;
      admit(self, std::move(op), false);
    }
  };
  self->request(self->state.deps.registry, std::chrono::seconds(10), barrier_atom::value)
      .then([admit_all](caf::ok_atom) { admit_all(); }, [admit_all](caf::error&) { admit_all(); });
  return batch->rp;
}

/// POST /provision: a generic container; acepool's own labels are reserved.
caf::result<provision_result> accept_generic_request(prov_actor* self, generic_request& req) {
  auto& st = self->state;
  auto rp = self->make_response_promise<provision_result>();
  const auto& mgmt = st.settings().docker.container_label.first;
  if (req.labels.count(mgmt) || req.labels.count(docker::label_kind)) {
    provision_result r;
    r.error = make_error(provision_code::invalid_request,
                         "labels " + mgmt + " and acepool.kind are reserved by acepool");
    rp.deliver(std::move(r));
    return rp;
  }
  operation op;
  op.engine = false;
  op.image = req.image.value_or(st.settings().docker.target_image);
  op.name_prefix = req.name_prefix;
  op.rp = rp;
  op.greq = std::move(req);
  admit_generic(self, std::move(op));
  return rp;
}

}  // namespace acepool::actors::provisioning_detail
