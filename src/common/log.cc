#include "common/log.h"

#include <cstdio>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>

namespace quiver::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

spdlog::logger& Logger() {
  // Function-local static: the process-wide sink (stderr) is the one shared resource every module
  // writes to; it holds no Quiver state.
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto l = std::make_shared<spdlog::logger>("quiver", sink);
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

bool NeedsQuoting(std::string_view value) {
  if (value.empty()) return true;
  for (char c : value) {
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

void AppendQuoted(std::string& out, std::string_view value) {
  out.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      // Control characters (from client-supplied names) never reach the log raw.
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", static_cast<unsigned char>(c));
      out.append(escaped);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void SetLevel(Level level) { g_level.store(static_cast<int>(level)); }
bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

bool ParseLevel(std::string_view text, Level* out) {
  if (text == "debug") *out = Level::kDebug;
  else if (text == "info") *out = Level::kInfo;
  else if (text == "warn" || text == "warning") *out = Level::kWarn;
  else if (text == "error") *out = Level::kError;
  else return false;
  return true;
}

LogLine::LogLine(Level level, const char* file, int line) : level_(level), file_(file), line_(line) {}

void LogLine::AppendValue(const std::string& value) {
  if (NeedsQuoting(value)) {
    std::string quoted;
    AppendQuoted(quoted, value);
    fields_ << quoted;
  } else {
    fields_ << value;
  }
}

LogLine::~LogLine() {
  const char* base = std::strrchr(file_, '/');
  base = base ? base + 1 : file_;
  std::string line;
  line.append("level=").append(LevelName(level_));
  line.append(" src=").append(base).append(":").append(std::to_string(line_));
  line.append(" msg=");
  AppendQuoted(line, message_.str());
  line.append(fields_.str());
  Logger().log(spdlog::level::info, "{}", line);
}

}  // namespace quiver::log
