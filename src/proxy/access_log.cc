#include "proxy/access_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/log.h"
#include "common/secrets.h"

namespace quiver::proxy {

namespace {

// A value for a key=value line: quoted when it holds spaces, quotes or '='.
std::string Field(std::string_view value) {
  bool plain = !value.empty();
  for (unsigned char c : value) plain = plain && c > 0x20 && c != 0x7f && c != '"' && c != '=' && c != '\\';
  if (plain) return std::string(value);
  // Quoted, with quotes, backslashes and control characters escaped: a client cannot forge
  // lines or terminal sequences through the names it sends.
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

std::string Now() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buffer;
}

}  // namespace

std::string ClaimedUser(std::string_view authorization_base64) {
  std::optional<std::string> decoded = Base64Decode(authorization_base64);
  if (!decoded) return {};
  size_t colon = decoded->find(':');
  return colon == std::string::npos ? std::string() : decoded->substr(0, colon);
}

Result<std::unique_ptr<AccessLog>> AccessLog::Open(const AccessLogOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("proxy.accessLog.localPath must name a directory");
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(options.path).parent_path(), ec);
  int fd = ::open(options.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) return Status::IOError("cannot open the access log " + options.path, std::strerror(errno));
  struct stat st{};
  ::fstat(fd, &st);
  return std::unique_ptr<AccessLog>(new AccessLog(options, fd, static_cast<size_t>(st.st_size)));
}

AccessLog::~AccessLog() {
  MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

void AccessLog::Rotate() {
  ::close(fd_);
  // file.(N-1) -> file.N, ..., file -> file.1; the oldest falls off.
  for (int i = options_.max_backups - 1; i >= 1; --i) {
    std::string from = options_.path + "." + std::to_string(i);
    std::string to = options_.path + "." + std::to_string(i + 1);
    ::rename(from.c_str(), to.c_str());
  }
  if (options_.max_backups > 0) ::rename(options_.path.c_str(), (options_.path + ".1").c_str());
  else ::unlink(options_.path.c_str());
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
  size_ = 0;
}

void AccessLog::Record(const AccessEntry& e) {
  char latency[32];
  std::snprintf(latency, sizeof(latency), "%.3f", e.latency_ms);
  std::string line = "time=" + Now() + " interface=" + std::string(e.interface) + " method=" + Field(e.method) +
                     " user=" + Field(e.user) + " db=" + Field(e.db) + " collection=" + Field(e.collection) +
                     " code=" + std::to_string(e.code) + " transport=" + std::to_string(e.transport) +
                     " latency_ms=" + latency + " bytes_in=" + std::to_string(e.bytes_in) +
                     " bytes_out=" + std::to_string(e.bytes_out) + " client=" + Field(e.client) + "\n";
  MutexLock lock(&mu_);
  if (fd_ < 0) return;
  if (size_ + line.size() > options_.max_bytes && size_ > 0) Rotate();
  if (fd_ < 0) return;
  ssize_t n = ::write(fd_, line.data(), line.size());
  if (n > 0) size_ += static_cast<size_t>(n);
}

}  // namespace quiver::proxy
