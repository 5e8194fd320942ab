#include "support/metrics_registry.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "support/metric_families.hpp"

namespace acepool::metrics {

namespace {

void atomic_add(std::atomic<double>& target, double delta) {
  double cur = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(cur, cur + delta, std::memory_order_relaxed)) {
  }
}

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);
}

void escape_into(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
}

// Labels of a histogram bucket: the series labels plus le.
std::string with_le(const std::string& labels, const std::string& le) {
  if (labels.empty()) return "{le=\"" + le + "\"}";
  return labels.substr(0, labels.size() - 1) + ",le=\"" + le + "\"}";
}

}  // namespace

void gauge_metric::add(double delta) {
  atomic_add(value_, delta);
}

histogram_metric::histogram_metric(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i <= bounds_.size(); ++i)
    buckets_[i].store(0);
}

void histogram_metric::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> histogram_metric::cumulative_counts() const {
  std::vector<uint64_t> out(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

const std::vector<double>& default_latency_buckets() {
  static const std::vector<double> buckets{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return buckets;
}

std::string render_labels(const label_set& labels) {
  if (labels.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    escape_into(out, v);
    out += '"';
  }
  out += '}';
  return out;
}

registry::family& registry::family_for(std::string_view name, std::string_view help, kind type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), family{type, std::string(help), {}, {}, {}}).first;
  } else if (it->second.type != type) {
    throw std::logic_error("metric " + std::string(name) + " registered with another type");
  }
  return it->second;
}

counter_metric& registry::counter(std::string_view name, std::string_view help,
                                  const label_set& labels) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto& slot = family_for(name, help, kind::counter).counters[render_labels(labels)];
  if (!slot) slot = std::make_unique<counter_metric>();
  return *slot;
}

gauge_metric& registry::gauge(std::string_view name, std::string_view help,
                              const label_set& labels) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto& slot = family_for(name, help, kind::gauge).gauges[render_labels(labels)];
  if (!slot) slot = std::make_unique<gauge_metric>();
  return *slot;
}

histogram_metric& registry::histogram(std::string_view name, std::string_view help,
                                      const std::vector<double>& upper_bounds,
                                      const label_set& labels) {
  std::lock_guard<std::mutex> guard(mutex_);
  auto& slot = family_for(name, help, kind::histogram).histograms[render_labels(labels)];
  if (!slot) slot = std::make_unique<histogram_metric>(upper_bounds);
  return *slot;
}

counter_metric& registry::counter(const metric_family& f, const label_set& labels) {
  return counter(f.name, f.help, labels);
}

gauge_metric& registry::gauge(const metric_family& f, const label_set& labels) {
  return gauge(f.name, f.help, labels);
}

histogram_metric& registry::histogram(const metric_family& f, const label_set& labels) {
  return histogram(f.name, f.help, default_latency_buckets(), labels);
}

void registry::add_collector(collector c) {
  std::lock_guard<std::mutex> guard(mutex_);
  collectors_.push_back(std::move(c));
}

void registry::add_text_collector(std::function<std::string()> c) {
  std::lock_guard<std::mutex> guard(mutex_);
  text_collectors_.push_back(std::move(c));
}

std::uint64_t registry::next_identity() {
  static std::atomic<std::uint64_t> last{0};
  return ++last;
}

std::string registry::render() {
  std::vector<collector> collectors;
  std::vector<std::function<std::string()>> text_collectors;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    collectors = collectors_;
    text_collectors = text_collectors_;
  }
  for (auto& c : collectors)
    c(*this);
  std::string out;
  out.reserve(8192);
  for (auto& c : text_collectors)
    out += c();
  std::lock_guard<std::mutex> guard(mutex_);
  for (const auto& [name, fam] : families_) {
    out += "# HELP " + name + ' ' + fam.help + '\n';
    switch (fam.type) {
      case kind::counter:
        out += "# TYPE " + name + " counter\n";
        for (const auto& [labels, c] : fam.counters)
          out += name + labels + ' ' + std::to_string(c->value()) + '\n';
        break;
      case kind::gauge:
        out += "# TYPE " + name + " gauge\n";
        for (const auto& [labels, g] : fam.gauges)
          out += name + labels + ' ' + format_number(g->value()) + '\n';
        break;
      case kind::histogram:
        out += "# TYPE " + name + " histogram\n";
        for (const auto& [labels, h] : fam.histograms) {
          auto counts = h->cumulative_counts();
          const auto& bounds = h->upper_bounds();
          for (size_t i = 0; i < bounds.size(); ++i)
            out += name + "_bucket" + with_le(labels, format_number(bounds[i])) + ' ' +
                   std::to_string(counts[i]) + '\n';
          out += name + "_bucket" + with_le(labels, "+Inf") + ' ' + std::to_string(counts.back()) +
                 '\n';
          out += name + "_sum" + labels + ' ' + format_number(h->sum()) + '\n';
          out += name + "_count" + labels + ' ' + std::to_string(h->count()) + '\n';
        }
        break;
    }
  }
  return out;
}

}  // namespace acepool::metrics
