#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace acepool::metrics {

struct metric_family;

/// Label name/value pairs of one series, in the order they are rendered.
using label_set = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing count. Lock-free.
class counter_metric {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// A value that goes up and down. Lock-free.
class gauge_metric {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double delta);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Observations counted into fixed cumulative buckets (upper bounds), with sum and count.
class histogram_metric {
 public:
  explicit histogram_metric(std::vector<double> upper_bounds);
  void observe(double v);
  /// Cumulative count per bound, then the +Inf count last.
  std::vector<uint64_t> cumulative_counts() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf bucket)
  std::atomic<double> sum_{0.0};
  std::atomic<uint64_t> count_{0};
};

/// Latency buckets in seconds used by the request and provisioning histograms.
const std::vector<double>& default_latency_buckets();

/// The set of metric families of the process, rendered as Prometheus text format 0.0.4.
/// Series are created on first use and live as long as the registry; callers may keep the
/// returned references. A name registered with one type cannot be reused with another.
class registry {
 public:
  /// A callback run before every render, to refresh computed gauges (process stats, ...).
  using collector = std::function<void(registry&)>;

  counter_metric& counter(std::string_view name, std::string_view help,
                          const label_set& labels = {});
  /// The same for a family of the catalogue (support/metric_families.hpp): its name and help.
  counter_metric& counter(const metric_family& f, const label_set& labels = {});
  gauge_metric& gauge(const metric_family& f, const label_set& labels = {});
  /// With default_latency_buckets().
  histogram_metric& histogram(const metric_family& f, const label_set& labels = {});
  gauge_metric& gauge(std::string_view name, std::string_view help, const label_set& labels = {});
  histogram_metric& histogram(std::string_view name, std::string_view help,
                              const std::vector<double>& upper_bounds,
                              const label_set& labels = {});

  void add_collector(collector c);

  /// A callback returning complete, pre-rendered families appended to every render (for
  /// values the typed series cannot hold, such as CPU seconds as a float counter).
  void add_text_collector(std::function<std::string()> c);

  /// Runs the collectors and renders every family (sorted by name, series by labels).
  std::string render();

  /// A number no other registry of this process has had, so caches of series pointers can
  /// tell a new registry from a destroyed one that lived at the same address.
  std::uint64_t identity() const { return identity_; }

 private:
  enum class kind { counter, gauge, histogram };
  struct family {
    kind type;
    std::string help;
    std::map<std::string, std::unique_ptr<counter_metric>> counters;
    std::map<std::string, std::unique_ptr<gauge_metric>> gauges;
    std::map<std::string, std::unique_ptr<histogram_metric>> histograms;
  };
  family& family_for(std::string_view name, std::string_view help, kind type);

  std::mutex mutex_;
  std::map<std::string, family, std::less<>> families_;
  std::vector<collector> collectors_;
  std::vector<std::function<std::string()>> text_collectors_;
  std::uint64_t identity_ = next_identity();

  static std::uint64_t next_identity();
};

/// Renders `{a="x",b="y"}` with Prometheus escaping; empty string for no labels.
std::string render_labels(const label_set& labels);

}  // namespace acepool::metrics
