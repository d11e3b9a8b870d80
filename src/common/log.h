#pragma once

// Structured logging facade. One line per event, logfmt style:
//   2026-11-22T01:40:00.123Z level=info src=wal.cc:120 msg="segment sealed" collection_id=7 segment_id=42
// Usage:  QUIVER_LOG(INFO) << "segment sealed" << Kv("segment_id", id);
// Backed by spdlog (thread-safe sink to stderr). Call log::Init() once from main(); before that,
// lines go to stderr at level info.

#include <sstream>
#include <string>
#include <string_view>

namespace quiver::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Sets the minimum level. Thread-safe.
void SetLevel(Level level);
bool Enabled(Level level);
// Parses "debug" / "info" / "warn" / "error"; returns false on anything else.
bool ParseLevel(std::string_view text, Level* out);

template <typename T>
struct KvField {
  std::string_view key;
  const T& value;
};

class LogLine {
 public:
  LogLine(Level level, const char* file, int line);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& operator<<(const KvField<T>& kv) {
    fields_ << ' ' << kv.key << '=';
    std::ostringstream value;
    value << kv.value;
    AppendValue(value.str());
    return *this;
  }
  template <typename T>
  LogLine& operator<<(const T& part) {
    message_ << part;
    return *this;
  }

 private:
  void AppendValue(const std::string& value);
  Level level_;
  const char* file_;
  int line_;
  std::ostringstream message_;
  std::ostringstream fields_;
};

}  // namespace quiver::log

namespace quiver {
template <typename T>
log::KvField<T> Kv(std::string_view key, const T& value) {
  return log::KvField<T>{key, value};
}
}  // namespace quiver

#define QUIVER_LOG_LEVEL_DEBUG ::quiver::log::Level::kDebug
#define QUIVER_LOG_LEVEL_INFO ::quiver::log::Level::kInfo
#define QUIVER_LOG_LEVEL_WARN ::quiver::log::Level::kWarn
#define QUIVER_LOG_LEVEL_ERROR ::quiver::log::Level::kError

// A for-statement rather than if/else, so `if (x) QUIVER_LOG(INFO) << ...;` has no dangling else.
#define QUIVER_LOG(level)                                                                    \
  for (bool quiver_log_once = ::quiver::log::Enabled(QUIVER_LOG_LEVEL_##level); quiver_log_once; \
       quiver_log_once = false)                                                              \
  ::quiver::log::LogLine(QUIVER_LOG_LEVEL_##level, __FILE__, __LINE__)
