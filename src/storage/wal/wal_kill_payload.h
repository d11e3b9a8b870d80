#pragma once

// Deterministic payloads shared by wal_kill_test and its child process.

#include <string>

namespace quiver::storage {

inline std::string KillTestPayload(const std::string& tag, size_t index) {
  std::string out = tag + "/" + std::to_string(index) + "|";
  size_t size = 32 + (tag.size() * 131 + index * 977) % 3000;
  uint32_t x = static_cast<uint32_t>(index * 2654435761u + tag.size());
  for (char c : tag) x = x * 31 + static_cast<uint8_t>(c);
  while (out.size() < size) {
    x = x * 1664525u + 1013904223u;
    out.push_back(static_cast<char>(x >> 24));
  }
  return out;
}

}  // namespace quiver::storage
