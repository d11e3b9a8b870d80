#pragma once

// Prometheus metrics registry. Each role gets a registry from main() (no globals, STYLE.md §3.6);
// the status server renders it in the Prometheus text exposition format (version 0.0.4).
//
// Metric objects are owned by the registry and live as long as it does; the pointers returned by
// the Get* methods are stable. Updating a metric is lock-free; registration takes a lock.
// Thread-safe.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/mutex.h"

namespace quiver {

using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void Increment(double delta = 1.0) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Cumulative counts per bucket (last = +Inf), sum and count, read without a lock.
  std::vector<uint64_t> CumulativeCounts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> upper_bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // upper_bounds_.size() + 1 entries
  std::atomic<double> sum_{0};
  std::atomic<uint64_t> count_{0};
};

// Default latency buckets in seconds (0.5 ms .. 10 s).
std::vector<double> LatencyBuckets();

class MetricsRegistry;
// Registers the process gauges Prometheus clients know (from /proc/self): process_threads,
// process_open_fds, process_resident_memory_bytes.
void AddProcessMetrics(MetricsRegistry* metrics);

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the series `name{labels}`, creating the family and series on first use.
  // A name registered with another type is a programmer error (QUIVER_CHECK).
  Counter* GetCounter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge* GetGauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram* GetHistogram(const std::string& name, const std::string& help,
                          const std::vector<double>& upper_bounds, const Labels& labels = {});
  // A gauge whose value is computed by `fn` at scrape time (fn must be thread-safe and cheap).
  void AddGaugeCallback(const std::string& name, const std::string& help, const Labels& labels,
                        std::function<double()> fn);

  // Renders every family in Prometheus text format.
  std::string RenderText() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Series {
    Labels labels;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
    std::function<double()> callback;
  };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::unique_ptr<Series>> series;
  };
  Series* FindOrAdd(const std::string& name, const std::string& help, Type type,
                    const Labels& labels, bool* created) QUIVER_REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<std::string, Family> families_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver
