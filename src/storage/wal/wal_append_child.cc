// Child process of wal_kill_test: opens the WAL in argv[1] and appends batches forever, printing
// "ACK <first_lsn> <count> <tag>" after each acknowledged batch. The parent kills it with SIGKILL.

#include <cstdio>
#include <string>

#include "storage/wal/wal.h"
#include "storage/wal/wal_kill_payload.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: wal_append_child DIR ROUND\n");
    return 2;
  }
  auto fs = quiver::NewPosixFileSystem();
  quiver::storage::WalOptions options;
  options.segment_bytes = 256 << 10;
  auto wal = quiver::storage::OpenFileWal(fs.get(), argv[1], options);
  if (!wal.ok()) {
    std::fprintf(stderr, "open failed: %s\n", wal.status().ToString().c_str());
    return 1;
  }
  if (!(*wal)->CreateChannel("ch").ok()) return 1;
  std::string round = argv[2];
  for (uint64_t counter = 0;; ++counter) {
    std::string tag = round + "." + std::to_string(counter);
    size_t count = 1 + counter % 5;
    std::vector<std::string> payloads;
    for (size_t i = 0; i < count; ++i) payloads.push_back(quiver::storage::KillTestPayload(tag, i));
    std::vector<std::string_view> views(payloads.begin(), payloads.end());
    auto lsn = (*wal)->Append("ch", views);
    if (!lsn.ok()) {
      std::fprintf(stderr, "append failed: %s\n", lsn.status().ToString().c_str());
      return 1;
    }
    std::printf("ACK %llu %zu %s\n", static_cast<unsigned long long>(*lsn), count, tag.c_str());
    std::fflush(stdout);
  }
}
