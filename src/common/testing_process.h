#pragma once

// Helpers for tests that run real servers (etcd, NATS) from the scripts in scripts/: a free
// loopback port, and running a start script that prints the PIDs of what it started.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace quiver::testing {

// A port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
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
