#pragma once

// Helpers for tests that run real servers (etcd, NATS) from the scripts in scripts/: a free
// loopback port, and running a start script that prints the PIDs of what it started.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace quiver::testing {

// A port on 127.0.0.1 that was free a moment ago. It is drawn at random below the kernel's
// ephemeral range (ip_local_port_range), never from it: a port the kernel picked for port 0 may be
// picked again a moment later as the local port of an outgoing connection, while a port below that
// range is only ever taken by an explicit bind. No port is handed out twice by one process.
inline int BindablePort(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  int got = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    socklen_t len = sizeof(addr);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) got = ntohs(addr.sin_port);
  }
  close(fd);
  return got;
}

inline int FreePort() {
  static std::mutex mu;
  static std::set<int> handed_out;
  static std::mt19937 random{std::random_device{}()};
  std::lock_guard<std::mutex> lock(mu);
  int ephemeral_low = 32768;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d", &ephemeral_low) != 1) ephemeral_low = 32768;
    std::fclose(f);
  }
  const int low = 10000, high = ephemeral_low - 1;
  for (int attempt = 0; high - low > 1000 && attempt < 200; ++attempt) {
    int port = std::uniform_int_distribution<int>(low, high)(random);
    if (handed_out.count(port) == 0 && BindablePort(port) == port) {
      handed_out.insert(port);
      return port;
    }
  }
  for (;;) {  // no room below the ephemeral range: the kernel's choice, still never twice
    int port = BindablePort(0);
    if (port != 0 && handed_out.insert(port).second) return port;
  }
}

// Runs `command` (a script that starts servers in the background and prints their PIDs on one
// line) and returns the PIDs; empty if it failed.
inline std::vector<pid_t> RunStartScript(const std::string& command) {
  FILE* out = popen(command.c_str(), "r");
  if (out == nullptr) return {};
  char line[256] = {0};
  bool read = fgets(line, sizeof(line), out) != nullptr;
  if (pclose(out) != 0 || !read) return {};
  std::vector<pid_t> pids;
  std::istringstream in(line);
  for (pid_t pid; in >> pid;) pids.push_back(pid);
  return pids;
}

// SIGTERM, then waits up to 5 s for the process to go.
inline void StopProcess(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace quiver::testing
