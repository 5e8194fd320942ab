#include "http/responder.hpp"

#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "support/logging.hpp"
#include "support/metric_families.hpp"
#include "support/metrics_registry.hpp"

namespace acepool::http {

response internal_error(const std::string& request_id) {
  return response::json(500, {{"detail", "internal error"}, {"request_id", request_id}});
}

namespace {

/// The request series of one route, method and status, looked up once per thread: the
/// registry's lookup renders labels and takes its lock, which every request would otherwise pay.
struct request_series {
  metrics::counter_metric* requests;
  metrics::histogram_metric* duration;
};

const request_series& series_for(metrics::registry& m, const std::string& route, method verb,
                                 int status) {
  thread_local std::uint64_t cached_registry = 0;
  thread_local std::map<std::tuple<std::string, method, int>, request_series> cache;
  // One registry per process in production; tests make many, and a pointer cached from a
  // destroyed one must never be used for the next.
  if (cached_registry != m.identity()) {
    cache.clear();
    cached_registry = m.identity();
  }
  auto key = std::make_tuple(route, verb, status);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  request_series s{
      &m.counter(
          metrics::api_requests,
          {{"route", route}, {"method", method_name(verb)}, {"status", std::to_string(status)}}),
      &m.histogram(metrics::api_duration, {{"route", route}, {"method", method_name(verb)}})};
  return cache.emplace(std::move(key), s).first->second;
}

/// Counts and logs one answered request.
void record(const exchange& ex, int status) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - ex.started).count();
  if (ex.metrics != nullptr) {
    const auto& s = series_for(*ex.metrics, ex.route_label, ex.verb, status);
    s.requests->inc();
    s.duration->observe(seconds);
  }
  auto level = status >= 500 ? spdlog::level::warn : spdlog::level::debug;
  if (!log::logger().should_log(level)) return;  // the fields are not built for nothing
  log::event(level, "http.request",
             {{"request_id", ex.request_id},
              {"method", method_name(ex.verb)},
              {"route", ex.route_label},
              {"status", status},
              {"duration_ms", seconds * 1000.0}});
}

}  // namespace

header_list exchange::response_headers() const {
  header_list out = common_headers;
  if (extra_headers) {
    for (auto& h : extra_headers())
      out.push_back(std::move(h));
  }
  return out;
}

void exchange::complete(response r) {
  if (done.exchange(true)) return;
  for (auto& h : response_headers())
    r.headers.push_back(std::move(h));
  // Counted before it leaves: a client that reads /metrics right after its answer sees it.
  record(*this, r.status);
  sink->send(std::move(r));
}

std::optional<header_list> exchange::begin_stream() {
  if (done.exchange(true)) return std::nullopt;
  record(*this, 200);
  return response_headers();
}

exchange::~exchange() {
  if (done.load()) return;
  log::event(spdlog::level::err, "http.unanswered",
             {{"request_id", request_id}, {"route", route_label}});
  complete(internal_error(request_id));
}

void responder::send(response r) const {
  if (ex_) ex_->complete(std::move(r));
}

bool responder::sent() const {
  return ex_ && ex_->done.load();
}

const std::string& responder::request_id() const {
  static const std::string none;
  return ex_ ? ex_->request_id : none;
}

}  // namespace acepool::http
