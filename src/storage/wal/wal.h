#pragma once

// Wal: the write-ahead log. A WAL holds named channels (one per collection shard, Milvus's
// "virtual channels"); each channel is a sequence of records numbered by a log sequence number
// (Lsn) starting at 1. Append is durable on return: an acknowledged record survives kill -9 and
// power loss (fsync), and recovery never returns a corrupt record. Implementations: FileWal (local
// files with group commit, standalone; format in docs/format/wal.md), MemoryWal (tests of upper
// layers), later NATS JetStream (distributed).
//
// Thread-safe: appends to one channel from many threads are serialized and group-committed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"

namespace quiver::storage {

using Lsn = uint64_t;

struct WalRecord {
  Lsn lsn = 0;
  std::string payload;
};

struct WalOptions {
  // A channel rolls over to a new file once its current file exceeds this size.
  uint64_t segment_bytes = 64ull << 20;
  // fsync before acknowledging. Only tests of upper layers turn it off.
  bool sync = true;
};

class Wal {
 public:
  virtual ~Wal() = default;

  // Creates the channel if it does not exist (idempotent). InvalidArgument for a bad name.
  virtual Status CreateChannel(const std::string& channel) = 0;
  // Removes a channel and all its records. OK if missing.
  virtual Status DropChannel(const std::string& channel) = 0;
  virtual Result<std::vector<std::string>> ListChannels() = 0;

  // Appends `records` as consecutive entries and returns the Lsn of the first. Durable on return.
  // NotFound if the channel does not exist; IOError / ResourceExhausted (disk full) on failure, in
  // which case none of the batch is acknowledged (some may still appear after recovery).
  virtual Result<Lsn> Append(const std::string& channel,
                             const std::vector<std::string_view>& records) = 0;

  // Up to `max_records` records with lsn >= `from` (fewer if `max_bytes` of payload is reached,
  // but at least one when any exists). Records before the truncation point may be returned or not;
  // if `from` is below the first retained record, reading starts at the first retained record.
  virtual Result<std::vector<WalRecord>> Read(const std::string& channel, Lsn from,
                                              size_t max_records, size_t max_bytes) = 0;

  // Lsn of the last acknowledged record, 0 if the channel never had one.
  virtual Result<Lsn> LastLsn(const std::string& channel) = 0;
  // Lsn of the first record still retained (LastLsn()+1 if the channel is empty).
  virtual Result<Lsn> FirstLsn(const std::string& channel) = 0;

  // Waits until the channel's last Lsn is >= `lsn` or `timeout` passes. Returns the last Lsn.
  virtual Result<Lsn> WaitFor(const std::string& channel, Lsn lsn,
                              std::chrono::milliseconds timeout) = 0;

  // Allows records with lsn < `before` to be removed (whole files at a time for FileWal).
  virtual Status Truncate(const std::string& channel, Lsn before) = 0;

  // Bytes on disk (or in memory) across channels, for metrics.
  virtual uint64_t TotalBytes() = 0;
};

// Opens (recovering) the WAL in directory `dir`. `fs` must outlive the WAL.
Result<std::unique_ptr<Wal>> OpenFileWal(FileSystem* fs, const std::string& dir, WalOptions options);
std::unique_ptr<Wal> NewMemoryWal();

Status ValidateChannelName(std::string_view name);

}  // namespace quiver::storage
