#include "common/metrics.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>
#include <sstream>

#include "common/status.h"

namespace quiver {

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      buckets_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double value) {
  size_t bucket = 0;
  while (bucket < upper_bounds_.size() && value > upper_bounds_[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> out(upper_bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out[i] = running;
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

MetricsRegistry::Series* MetricsRegistry::FindOrAdd(const std::string& name, const std::string& help,
                                                    Type type, const Labels& labels, bool* created) {
  auto [it, inserted] = families_.try_emplace(name);
  Family& family = it->second;
  if (inserted) {
    family.type = type;
    family.help = help;
  }
  QUIVER_CHECK(family.type == type);
  for (auto& series : family.series) {
    if (series->labels == labels) {
      *created = false;
      return series.get();
    }
  }
  family.series.push_back(std::make_unique<Series>());
  family.series.back()->labels = labels;
  *created = true;
  return family.series.back().get();
}

Counter* MetricsRegistry::GetCounter(const std::string& name, const std::string& help,
                                     const Labels& labels) {
  MutexLock lock(&mu_);
  bool created = false;
  Series* series = FindOrAdd(name, help, Type::kCounter, labels, &created);
  if (created) series->counter = std::make_unique<Counter>();
  return series->counter.get();
}

Gauge* MetricsRegistry::GetGauge(const std::string& name, const std::string& help,
                                 const Labels& labels) {
  MutexLock lock(&mu_);
  bool created = false;
  Series* series = FindOrAdd(name, help, Type::kGauge, labels, &created);
  if (created) series->gauge = std::make_unique<Gauge>();
  QUIVER_CHECK(series->gauge != nullptr);
  return series->gauge.get();
}

Histogram* MetricsRegistry::GetHistogram(const std::string& name, const std::string& help,
                                         const std::vector<double>& upper_bounds,
                                         const Labels& labels) {
  MutexLock lock(&mu_);
  bool created = false;
  Series* series = FindOrAdd(name, help, Type::kHistogram, labels, &created);
  if (created) series->histogram = std::make_unique<Histogram>(upper_bounds);
  return series->histogram.get();
}

void MetricsRegistry::AddGaugeCallback(const std::string& name, const std::string& help,
                                       const Labels& labels, std::function<double()> fn) {
  MutexLock lock(&mu_);
  bool created = false;
  Series* series = FindOrAdd(name, help, Type::kGauge, labels, &created);
  series->callback = std::move(fn);
}

namespace {

std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out.append("\\n");
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string FormatLabels(const Labels& labels, const std::string& extra_key = "",
                         const std::string& extra_value = "") {
  if (labels.empty() && extra_key.empty()) return "";
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(key).append("=\"").append(EscapeLabel(value)).append("\"");
  }
  if (!extra_key.empty()) {
    if (!first) out.push_back(',');
    out.append(extra_key).append("=\"").append(extra_value).append("\"");
  }
  out.push_back('}');
  return out;
}

std::string FormatNumber(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  std::ostringstream out;
  out.precision(17);
  out << value;
  return out.str();
}

}  // namespace

std::string MetricsRegistry::RenderText() const {
  MutexLock lock(&mu_);
  std::string out;
  for (const auto& [name, family] : families_) {
    const char* type = family.type == Type::kCounter ? "counter"
                       : family.type == Type::kGauge ? "gauge"
                                                     : "histogram";
    out.append("# HELP ").append(name).append(" ").append(family.help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
    for (const auto& series : family.series) {
      switch (family.type) {
        case Type::kCounter:
          out.append(name).append(FormatLabels(series->labels)).append(" ")
              .append(FormatNumber(series->counter->value())).append("\n");
          break;
        case Type::kGauge: {
          double value = series->callback ? series->callback() : series->gauge->value();
          out.append(name).append(FormatLabels(series->labels)).append(" ")
              .append(FormatNumber(value)).append("\n");
          break;
        }
        case Type::kHistogram: {
          const Histogram& h = *series->histogram;
          std::vector<uint64_t> counts = h.CumulativeCounts();
          for (size_t i = 0; i < counts.size(); ++i) {
            std::string le = i < h.upper_bounds().size() ? FormatNumber(h.upper_bounds()[i]) : "+Inf";
            out.append(name).append("_bucket").append(FormatLabels(series->labels, "le", le))
                .append(" ").append(std::to_string(counts[i])).append("\n");
          }
          out.append(name).append("_sum").append(FormatLabels(series->labels)).append(" ")
              .append(FormatNumber(h.sum())).append("\n");
          out.append(name).append("_count").append(FormatLabels(series->labels)).append(" ")
              .append(std::to_string(h.count())).append("\n");
          break;
        }
      }
    }
  }
  return out;
}

namespace {

// A "Key:   value" line of /proc/self/status, in its unit (kB for memory).
double ProcStatusValue(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double value = 0;
  size_t key_len = std::strlen(key);
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::strncmp(line, key, key_len) == 0 && line[key_len] == ':') {
      value = std::strtod(line + key_len + 1, nullptr);
      break;
    }
  }
  std::fclose(f);
  return value;
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (struct dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory stream's own descriptor
}

}  // namespace

void AddProcessMetrics(MetricsRegistry* metrics) {
  metrics->AddGaugeCallback("process_threads", "Threads of this process", {}, [] { return ProcStatusValue("Threads"); });
  metrics->AddGaugeCallback("process_open_fds", "Open file descriptors of this process", {}, OpenFds);
  metrics->AddGaugeCallback("process_resident_memory_bytes", "Resident memory of this process", {},
                            [] { return ProcStatusValue("VmRSS") * 1024; });
}

}  // namespace quiver
