#pragma once

// Wal: the write-ahead log. A WAL holds named channels (one per collection shard, Milvus's
// "virtual channels"); each channel is a sequence of records numbered by a log sequence number
// (Lsn) starting at 1. Append is durable on return: an acknowledged record survives kill -9 and
// power loss (fsync), and recovery never returns a corrupt record. Implementations: FileWal (local
// files with group commit, standalone; format in docs/format/wal.md), MemoryWal (tests of upper
// layers), later NATS JetStream (distributed).
//
// Recovery tells a torn tail (an incomplete last write at the very end of a channel, never
// acknowledged: cut) from corruption (damage with valid records after it, damage in an older file,
// or a gap in the Lsn sequence: acknowledged records may be gone). Corruption is handled by
// WalOptions::corruption_policy, per channel; one corrupt channel never stops the others.
//
// Thread-safe: appends to one channel from many threads are serialized and group-committed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/file_system.h"
#include "common/mutex.h"
#include "common/status.h"

namespace quiver::storage {

using Lsn = uint64_t;

struct WalRecord {
  Lsn lsn = 0;
  std::string payload;
};

// What recovery does with a channel whose files are corrupt (see docs/format/wal.md, Recovery).
enum class WalCorruptionPolicy {
  // The channel is marked failed: every operation on it except DropChannel returns the
  // Corruption status, and its files are left untouched for inspection. Other channels work.
  kRefuse,
  // The damaged bytes and the lost Lsn range are skipped with an ERROR log and the channel keeps
  // working; Lsns stay increasing but the lost ones are never returned.
  kSkip,
};

// "refuse" / "skip" (the wal.corruption_policy config values). InvalidArgument otherwise.
Result<WalCorruptionPolicy> ParseWalCorruptionPolicy(std::string_view text);

struct WalOptions {
  // A channel rolls over to a new file once its current file exceeds this size.
  uint64_t segment_bytes = 64ull << 20;
  // fsync before acknowledging. Only tests of upper layers turn it off.
  bool sync = true;
  // Channels that keep their last file open between appends (FileWal); the others open and close
  // it per group commit, so the descriptor count does not grow with the number of channels.
  size_t max_open_files = 256;
  WalCorruptionPolicy corruption_policy = WalCorruptionPolicy::kRefuse;
};

// Every per-channel operation below except DropChannel returns the channel's Corruption status if
// recovery refused the channel (see FailedChannels()).
class Wal {
 public:
  virtual ~Wal() = default;

  // Creates the channel if it does not exist (idempotent). InvalidArgument for a bad name;
  // Corruption if the channel exists but recovery refused it.
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

  // `listener` is called with a channel's name each time records appended to it become durable
  // (once per group commit, possibly while a WAL lock is held: it must be quick and must not call
  // the WAL). Lets a few threads follow many channels instead of one thread waiting per channel.
  // RemoveAppendListener() returns once no call of that listener is running.
  using AppendListener = std::function<void(const std::string& channel)>;
  virtual uint64_t AddAppendListener(AppendListener listener) = 0;
  virtual void RemoveAppendListener(uint64_t id) = 0;

  // Channels that recovery refused (WalCorruptionPolicy::kRefuse), each with the Corruption status
  // its operations return (naming the channel, file and offset). Empty when all are usable.
  virtual std::vector<std::pair<std::string, Status>> FailedChannels() = 0;
  // Corruption events (damaged regions, Lsn or file gaps; not torn tails) found by recovery under
  // either policy, for metrics. Counted again at each open while the damage is on disk.
  virtual uint64_t CorruptionEvents() = 0;
};

// The listener registry both implementations share. Thread-safe.
class AppendListeners {
 public:
  uint64_t Add(Wal::AppendListener listener) {
    MutexLock lock(&mu_);
    listeners_.emplace(++next_id_, std::move(listener));
    return next_id_;
  }
  void Remove(uint64_t id) {
    MutexLock lock(&mu_);
    listeners_.erase(id);
  }
  void Notify(const std::string& channel) {
    MutexLock lock(&mu_);
    for (const auto& [id, listener] : listeners_) listener(channel);
  }

 private:
  Mutex mu_;
  uint64_t next_id_ QUIVER_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, Wal::AppendListener> listeners_ QUIVER_GUARDED_BY(mu_);
};

// Opens (recovering) the WAL in directory `dir`. `fs` must outlive the WAL.
Result<std::unique_ptr<Wal>> OpenFileWal(FileSystem* fs, const std::string& dir, WalOptions options);
std::unique_ptr<Wal> NewMemoryWal();

Status ValidateChannelName(std::string_view name);

}  // namespace quiver::storage
