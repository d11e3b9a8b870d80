// FileWal: the embedded write-ahead log. Byte layout: docs/format/wal.md.
//
// Each channel is a directory of files named by the Lsn of their first record. Appends to a channel
// are group-committed as in LevelDB's DBImpl::Write: writers queue up; the writer at the front
// becomes the leader, takes every queued batch, writes them with one write() and one fdatasync(),
// then wakes the followers with their results. The mutex is released during I/O so new writers can
// queue behind the leader; only the leader touches the active file.
//
// Failure handling: if a write or sync fails, the leader truncates the file back to the last
// durable size so that no garbage sits between acknowledged records; if that fails too, the channel
// refuses appends until the WAL is reopened (recovery then cuts the torn tail).
//
// Recovery reads every file of each channel in Lsn order and checks that the records form one
// consecutive run across files (each file's first Lsn is the previous file's last + 1). A bad
// record at the very end of the last file with nothing valid after it is a torn tail: it was
// written after the last successful sync, never acknowledged, and is cut. Anything else (a bad
// record followed by valid ones, damage in an older file -- those were synced before roll-over --
// or an Lsn gap) means acknowledged records may be gone, so it is never cut silently: the channel
// is refused or, under WalCorruptionPolicy::kSkip, the damage is skipped with an ERROR log. To
// find "valid records after it", recovery searches forward from a bad record byte by byte for the
// next record that verifies and has a plausible Lsn (see FindNextRecord); truncating at the first
// bad record, as LevelDB's log reader does, would turn one flipped bit into silent data loss.
// Skipped damage stays on disk and is skipped again (and logged again) at the next open.

#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <deque>
#include <limits>
#include <map>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/log.h"
#include "common/mutex.h"
#include "storage/wal/wal.h"
#include "storage/wal/wal_format.h"

namespace quiver::storage {
namespace {

constexpr uint64_t kIndexEveryBytes = 1 << 20;  // sparse Lsn -> offset index granularity
constexpr uint64_t kReadChunk = 4 << 20;

// Byte ranges [begin, end) of a file that readers jump over, sorted and disjoint.
using ByteRanges = std::vector<std::pair<uint64_t, uint64_t>>;

struct WalFile {
  std::string path;
  Lsn first = 0;
  uint64_t size = 0;  // durable size
  std::vector<std::pair<Lsn, uint64_t>> index;  // sorted sparse checkpoints (lsn, offset)
  ByteRanges skipped;  // damage that recovery skipped (WalCorruptionPolicy::kSkip)
};

struct Writer {
  const std::vector<std::string_view>* records;
  bool done = false;
  Status status;
  Lsn first = 0;
};

struct Channel {
  std::string name;
  std::string dir;
  Mutex mu;
  CondVar cv{&mu};
  std::map<Lsn, WalFile> files QUIVER_GUARDED_BY(mu);  // by first Lsn
  // The last file, open for appends while the channel is busy; closed after a commit when more
  // than WalOptions::max_open_files channels hold one, reopened by the next leader. Only the
  // leader uses it.
  std::unique_ptr<WritableFile> active;
  Lsn next_lsn QUIVER_GUARDED_BY(mu) = 1;
  Lsn durable_lsn QUIVER_GUARDED_BY(mu) = 0;
  std::deque<Writer*> writers QUIVER_GUARDED_BY(mu);
  bool broken QUIVER_GUARDED_BY(mu) = false;
  bool dropped QUIVER_GUARDED_BY(mu) = false;
  // Set by recovery when it refuses the channel (WalCorruptionPolicy::kRefuse); never cleared.
  Status failed QUIVER_GUARDED_BY(mu);
};

std::string FileName(Lsn first) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%020" PRIu64 ".wal", first);
  return buf;
}

bool ParseFileName(const std::string& name, Lsn* first) {
  if (name.size() != 24 || name.substr(20) != ".wal") return false;
  Lsn value = 0;
  for (size_t i = 0; i < 20; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<Lsn>(name[i] - '0');
  }
  *first = value;
  return true;
}

// Reads a file sequentially in chunks and yields records; stops at `end` or at the first record
// that does not verify. Jumps over `skipped` ranges (may be null; must outlive the scanner).
class RecordScanner {
 public:
  RecordScanner(FileSystem* fs, const std::string& path, uint64_t offset, uint64_t end,
                const ByteRanges* skipped = nullptr)
      : fs_(fs), path_(path), offset_(offset), end_(end), skipped_(skipped) {}

  // Returns true and fills `record` / `record_offset` for the next valid record; false at the end
  // or at a bad record (then `bad()` says which, and `offset()` is where valid data ends).
  bool Next(WalRecord* record, uint64_t* record_offset) {
    SkipDamage();
    if (offset_ + kWalHeaderSize > end_) {
      if (offset_ != end_) bad_ = "truncated record header";
      return false;
    }
    if (!Ensure(kWalHeaderSize)) return false;
    const char* header = buffer_.data() + (offset_ - buffer_start_);
    uint32_t length = DecodeFixed32(header + 4);
    if (length > kWalMaxPayload) {
      bad_ = "record length out of range";
      return false;
    }
    if (offset_ + kWalHeaderSize + length > end_) {
      bad_ = "truncated record payload";
      return false;
    }
    if (!Ensure(kWalHeaderSize + length)) return false;
    header = buffer_.data() + (offset_ - buffer_start_);
    std::string_view body(header + 4, kWalHeaderSize - 4 + length);
    uint32_t expected = crc32c::Unmask(DecodeFixed32(header));
    if (crc32c::Value(body) != expected) {
      bad_ = "checksum mismatch";
      return false;
    }
    record->lsn = DecodeFixed64(header + 8);
    record->payload.assign(header + kWalHeaderSize, length);
    *record_offset = offset_;
    offset_ += kWalHeaderSize + length;
    return true;
  }

  uint64_t offset() const { return offset_; }
  const std::string& bad() const { return bad_; }
  Status io_status() const { return io_status_; }

 private:
  void SkipDamage() {
    if (skipped_ == nullptr) return;
    while (next_skip_ < skipped_->size() && (*skipped_)[next_skip_].second <= offset_) ++next_skip_;
    if (next_skip_ < skipped_->size() && (*skipped_)[next_skip_].first <= offset_) {
      offset_ = (*skipped_)[next_skip_].second;
      ++next_skip_;
    }
  }

  bool Ensure(uint64_t need) {
    if (offset_ >= buffer_start_ && offset_ + need <= buffer_start_ + buffer_.size()) return true;
    uint64_t length = std::min(end_ - offset_, std::max(need, kReadChunk));
    Result<std::string> data = fs_->ReadRange(path_, offset_, length);
    if (!data.ok()) {
      io_status_ = data.status();
      bad_ = "read error";
      return false;
    }
    buffer_ = std::move(data).value();
    buffer_start_ = offset_;
    if (buffer_.size() < need) {
      bad_ = "file shorter than expected";
      return false;
    }
    return true;
  }

  FileSystem* fs_;
  std::string path_;
  uint64_t offset_;
  uint64_t end_;
  const ByteRanges* skipped_;
  size_t next_skip_ = 0;
  std::string buffer_;
  uint64_t buffer_start_ = 0;
  std::string bad_;
  Status io_status_;
};

struct Resync {
  uint64_t offset;  // `end` when nothing was found
  Lsn lsn;
};

// Returns the first offset in [from, end) of `path` where a whole record verifies and has an Lsn
// in [lowest, highest], or `end` if there is none. The Lsn window is what keeps this linear:
// payload bytes that happen to look like a header rarely also carry a plausible Lsn, so few
// candidates cost a checksum. Reads the range at once; it runs only after a bad record was found.
Result<Resync> FindNextRecord(FileSystem* fs, const std::string& path, uint64_t from, uint64_t end,
                              Lsn lowest, Lsn highest) {
  Resync none{end, 0};
  if (lowest > highest || from + kWalHeaderSize > end) return none;
  QUIVER_ASSIGN_OR_RETURN(std::string data, fs->ReadRange(path, from, end - from));
  for (size_t at = 0; at + kWalHeaderSize <= data.size(); ++at) {
    const char* header = data.data() + at;
    uint32_t length = DecodeFixed32(header + 4);
    if (length > kWalMaxPayload || length > data.size() - at - kWalHeaderSize) continue;
    Lsn lsn = DecodeFixed64(header + 8);
    if (lsn < lowest || lsn > highest) continue;
    uint32_t expected = crc32c::Unmask(DecodeFixed32(header));
    if (crc32c::Value(header + 4, kWalHeaderSize - 4 + length) != expected) continue;
    return Resync{from + at, lsn};
  }
  return none;
}

// One stretch of a channel that recovery could not read back as consecutive valid records.
struct CorruptionEvent {
  std::string path;
  uint64_t offset = 0;  // where the damage starts in `path` (0 for a gap before the file)
  uint64_t bytes = 0;   // damaged bytes skipped (0 for a pure Lsn gap)
  Lsn lost_first = 0;   // Lsns [lost_first, lost_end) are gone
  Lsn lost_end = 0;
  std::string reason;
};

// What recovery found in a channel, before the corruption policy is applied.
struct ChannelScan {
  std::vector<CorruptionEvent> events;
  Lsn next_lsn = 1;          // one past the last valid record
  uint64_t tail_offset = 0;  // end of the valid data in the last file
  std::string tail_reason;   // why the bytes after tail_offset are invalid; empty if there are none
  uint64_t records_after_damage = 0;  // valid records after the first event, and their Lsns
  Lsn first_after_damage = 0;
  Lsn last_after_damage = 0;

  void Add(CorruptionEvent event) { events.push_back(std::move(event)); }
  void NoteValid(Lsn lsn) {
    if (events.empty()) return;
    if (records_after_damage++ == 0) first_after_damage = lsn;
    last_after_damage = lsn;
  }
  uint64_t LostRecords() const {
    uint64_t lost = 0;
    for (const auto& event : events) lost += event.lost_end - event.lost_first;
    return lost;
  }
  uint64_t SkippedBytes() const {
    uint64_t bytes = 0;
    for (const auto& event : events) bytes += event.bytes;
    return bytes;
  }
};

std::string LsnRange(Lsn first, Lsn end) {
  if (first >= end) return "none";
  return std::to_string(first) + ".." + std::to_string(end - 1);
}

Status RefusedStatus(const std::string& channel, const ChannelScan& scan) {
  const CorruptionEvent& first = scan.events.front();
  std::string message = "WAL channel " + channel + " refused by recovery: " + first.reason +
                        " at " + first.path + " offset " + std::to_string(first.offset) + "; " +
                        std::to_string(scan.events.size()) + " corruption event(s), " +
                        std::to_string(scan.LostRecords()) + " lsn(s) lost, " +
                        std::to_string(scan.records_after_damage) +
                        " valid record(s) after the damage left on disk (lsn " +
                        (scan.records_after_damage == 0
                             ? std::string("none")
                             : LsnRange(scan.first_after_damage, scan.last_after_damage + 1)) +
                        "); set wal.corruption_policy=skip to skip the damage, or drop the channel";
  return Status::Corruption(message);
}

class FileWal final : public Wal {
 public:
  FileWal(FileSystem* fs, std::string dir, WalOptions options)
      : fs_(fs), dir_(std::move(dir)), options_(options) {}

  Status Recover() {
    MutexLock lock(&mu_);  // uncontended: the WAL is not shared yet
    QUIVER_RETURN_IF_ERROR(fs_->CreateDirs(dir_));
    QUIVER_ASSIGN_OR_RETURN(auto names, fs_->ListDir(dir_));
    for (const std::string& name : names) {
      if (!ValidateChannelName(name).ok()) continue;
      auto channel = std::make_shared<Channel>();
      channel->name = name;
      channel->dir = JoinPath(dir_, name);
      QUIVER_RETURN_IF_ERROR(RecoverChannel(channel.get()));
      channels_[name] = std::move(channel);
    }
    return Status::OK();
  }

  Status CreateChannel(const std::string& name) override {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(name));
    MutexLock lock(&mu_);
    if (auto it = channels_.find(name); it != channels_.end()) {
      MutexLock channel_lock(&it->second->mu);
      return it->second->failed;
    }
    auto channel = std::make_shared<Channel>();
    channel->name = name;
    channel->dir = JoinPath(dir_, name);
    QUIVER_RETURN_IF_ERROR(fs_->CreateDirs(channel->dir));
    {
      MutexLock channel_lock(&channel->mu);
      QUIVER_RETURN_IF_ERROR(StartFile(channel.get(), 1));
    }
    QUIVER_RETURN_IF_ERROR(fs_->SyncDir(dir_));
    channels_[name] = std::move(channel);
    return Status::OK();
  }

  Status DropChannel(const std::string& name) override {
    std::shared_ptr<Channel> channel;
    {
      MutexLock lock(&mu_);
      auto it = channels_.find(name);
      if (it == channels_.end()) return Status::OK();
      channel = std::move(it->second);
      channels_.erase(it);
    }
    {
      MutexLock lock(&channel->mu);
      channel->dropped = true;
      channel->cv.SignalAll();  // wake WaitFor() callers; they hold their own reference
      while (!channel->writers.empty()) channel->cv.Wait();
      CloseActive(channel.get());
    }
    QUIVER_RETURN_IF_ERROR(fs_->RemoveAll(channel->dir));
    return fs_->SyncDir(dir_);
  }

  Result<std::vector<std::string>> ListChannels() override {
    MutexLock lock(&mu_);
    std::vector<std::string> names;
    for (const auto& [name, channel] : channels_) names.push_back(name);
    return names;
  }

  Result<Lsn> Append(const std::string& name, const std::vector<std::string_view>& records) override {
    if (records.empty()) return Status::InvalidArgument("empty WAL batch");
    for (auto record : records) {
      if (record.size() > kWalMaxPayload) return Status::InvalidArgument("WAL record too large");
    }
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    Writer self;
    self.records = &records;
    MutexLock lock(&channel->mu);
    if (channel->dropped) return Status::NotFound("WAL channel dropped", name);
    channel->writers.push_back(&self);
    while (!self.done && channel->writers.front() != &self) channel->cv.Wait();
    if (self.done) {
      if (!self.status.ok()) return self.status;
      return self.first;
    }
    LeadGroup(channel.get());
    if (!self.status.ok()) return self.status;
    return self.first;
  }

  Result<std::vector<WalRecord>> Read(const std::string& name, Lsn from, size_t max_records,
                                      size_t max_bytes) override {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    std::vector<WalRecord> out;
    size_t bytes = 0;
    if (max_records == 0) return out;
    while (true) {
      // Snapshot the file that holds `from` under the lock, read it without.
      WalFile file;
      Lsn durable;
      {
        MutexLock lock(&channel->mu);
        durable = channel->durable_lsn;
        if (from > durable || channel->files.empty()) break;
        auto it = channel->files.upper_bound(from);
        if (it == channel->files.begin()) {
          from = it->first;  // truncated before `from`: start at the first retained record
        } else {
          --it;
        }
        file = it->second;
      }
      uint64_t start = 0;
      auto checkpoint = std::upper_bound(
          file.index.begin(), file.index.end(), std::make_pair(from, ~uint64_t{0}));
      if (checkpoint != file.index.begin()) start = std::prev(checkpoint)->second;
      RecordScanner scanner(fs_, file.path, start, file.size, &file.skipped);
      WalRecord record;
      uint64_t offset;
      bool progressed = false;
      while (scanner.Next(&record, &offset)) {
        if (record.lsn > durable) break;
        if (record.lsn < from) continue;
        bytes += record.payload.size();
        from = record.lsn + 1;
        progressed = true;
        out.push_back(std::move(record));
        if (out.size() >= max_records || bytes >= max_bytes) return out;
      }
      if (!scanner.bad().empty() && scanner.offset() < file.size) {
        if (!scanner.io_status().ok()) return scanner.io_status();
        return Status::Corruption("WAL record unreadable (" + scanner.bad() + ")",
                                  file.path + "@" + std::to_string(scanner.offset()));
      }
      if (!progressed && from <= durable) {
        // The file ended before `from`; move to the next file.
        MutexLock lock(&channel->mu);
        auto next = channel->files.upper_bound(file.first);
        if (next == channel->files.end()) break;
        from = std::max(from, next->first);
      }
    }
    return out;
  }

  Result<Lsn> LastLsn(const std::string& name) override {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    MutexLock lock(&channel->mu);
    return channel->durable_lsn;
  }

  Result<Lsn> FirstLsn(const std::string& name) override {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    MutexLock lock(&channel->mu);
    return channel->files.empty() ? channel->durable_lsn + 1 : channel->files.begin()->first;
  }

  Result<Lsn> WaitFor(const std::string& name, Lsn lsn, std::chrono::milliseconds timeout) override {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&channel->mu);
    while (channel->durable_lsn < lsn && !channel->dropped) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      channel->cv.WaitFor(deadline - now);
    }
    return channel->durable_lsn;
  }

  Status Truncate(const std::string& name, Lsn before) override {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, FindUsable(name));
    MutexLock lock(&channel->mu);
    while (channel->files.size() > 1) {
      auto first = channel->files.begin();
      auto second = std::next(first);
      if (second->first > before) break;
      QUIVER_RETURN_IF_ERROR(fs_->Remove(first->second.path));
      channel->files.erase(first);
    }
    return Status::OK();
  }

  uint64_t TotalBytes() override {
    MutexLock lock(&mu_);
    uint64_t total = 0;
    for (auto& [name, channel] : channels_) {
      MutexLock channel_lock(&channel->mu);
      for (const auto& [first, file] : channel->files) total += file.size;
    }
    return total;
  }

  std::vector<std::pair<std::string, Status>> FailedChannels() override {
    MutexLock lock(&mu_);
    std::vector<std::pair<std::string, Status>> failed;
    for (auto& [name, channel] : channels_) {
      MutexLock channel_lock(&channel->mu);
      if (channel->failed.ok()) continue;
      failed.emplace_back(name, channel->failed);
      failed.back().second.IgnoreError();  // a report for the caller, not an operation's result
    }
    return failed;
  }

  uint64_t CorruptionEvents() override {
    MutexLock lock(&mu_);
    return corruption_events_;
  }

  uint64_t AddAppendListener(AppendListener listener) override { return listeners_.Add(std::move(listener)); }
  void RemoveAppendListener(uint64_t id) override { listeners_.Remove(id); }

 private:
  // Shared, so a reader or waiter keeps the channel alive while it is being dropped.
  Result<std::shared_ptr<Channel>> Find(const std::string& name) {
    MutexLock lock(&mu_);
    auto it = channels_.find(name);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", name);
    return it->second;
  }

  // Find() for the operations a refused channel does not allow: those get its Corruption status.
  Result<std::shared_ptr<Channel>> FindUsable(const std::string& name) {
    QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Channel> channel, Find(name));
    MutexLock lock(&channel->mu);
    if (!channel->failed.ok()) return channel->failed;
    return channel;
  }

  // Starts a new active file whose first record will be `first`.
  // On failure nothing changes (an empty new file may be left; recovery accepts it), so the next
  // append simply tries again.
  Status StartFile(Channel* channel, Lsn first) QUIVER_REQUIRES(channel->mu) {
    WalFile file;
    file.path = JoinPath(channel->dir, FileName(first));
    file.first = first;
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> opened, fs_->OpenWritable(file.path, /*truncate=*/true));
    Status synced = fs_->SyncDir(channel->dir);
    if (!synced.ok()) {
      opened->Close().IgnoreError();
      return synced;
    }
    CloseActive(channel);
    SetActive(channel, std::move(opened));
    channel->files[first] = std::move(file);
    return Status::OK();
  }

  void SetActive(Channel* channel, std::unique_ptr<WritableFile> file) QUIVER_REQUIRES(channel->mu) {
    if (channel->active == nullptr && file != nullptr) open_active_.fetch_add(1);
    if (channel->active != nullptr && file == nullptr) open_active_.fetch_sub(1);
    channel->active = std::move(file);
  }

  void CloseActive(Channel* channel) QUIVER_REQUIRES(channel->mu) {
    if (channel->active == nullptr) return;
    channel->active->Close().IgnoreError();  // appends were synced (or are being rolled back)
    SetActive(channel, nullptr);
  }

  // The leader opens the last file if it was closed to keep the descriptor count bounded.
  Status EnsureActive(Channel* channel) QUIVER_REQUIRES(channel->mu) {
    if (channel->active != nullptr) return Status::OK();
    const WalFile& last = std::prev(channel->files.end())->second;
    QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> opened, fs_->OpenWritable(last.path, /*truncate=*/false));
    SetActive(channel, std::move(opened));
    return Status::OK();
  }

  // Reads every file of `channel` in Lsn order, fills each file's index and damaged ranges, and
  // describes the torn tail and any corruption in `scan`. Changes nothing on disk. Returns an
  // IOError if a file cannot be read (that is not evidence of corruption).
  Status ScanChannel(Channel* channel, ChannelScan* scan) QUIVER_REQUIRES(channel->mu) {
    Lsn expected = channel->files.begin()->first;
    for (auto it = channel->files.begin(); it != channel->files.end(); ++it) {
      WalFile& file = it->second;
      auto next = std::next(it);
      bool last_file = next == channel->files.end();
      // The file names order the records: this file may only hold Lsns in [file.first, limit).
      Lsn limit = last_file ? std::numeric_limits<Lsn>::max() : next->first;
      if (file.first > expected) {
        scan->Add({file.path, 0, 0, expected, file.first,
                   "file sequence gap: lsns missing before this file"});
        expected = file.first;
      }
      if (last_file) scan->tail_offset = file.size;
      uint64_t offset = 0;
      while (true) {
        RecordScanner scanner(fs_, file.path, offset, file.size);
        WalRecord record;
        uint64_t record_offset = 0;
        std::string bad;
        uint64_t bad_offset = 0;
        while (scanner.Next(&record, &record_offset)) {
          if (record.lsn < expected || record.lsn >= limit) {
            bad = "unexpected lsn " + std::to_string(record.lsn);
            bad_offset = record_offset;
            break;
          }
          if (record.lsn > expected) {
            scan->Add({file.path, record_offset, 0, expected, record.lsn, "lsn gap inside file"});
          }
          scan->NoteValid(record.lsn);
          if (file.index.empty() || record_offset - file.index.back().second >= kIndexEveryBytes) {
            file.index.emplace_back(record.lsn, record_offset);
          }
          expected = record.lsn + 1;
        }
        if (bad.empty()) {
          QUIVER_RETURN_IF_ERROR(scanner.io_status());
          if (scanner.bad().empty()) break;  // clean end of file
          bad = scanner.bad();
          bad_offset = scanner.offset();
        }
        // Records are at least a header long, so a record that follows the damage cannot be more
        // Lsns ahead than the damaged bytes could have held.
        Lsn highest = std::min(limit - 1, expected + (file.size - bad_offset) / kWalHeaderSize + 1);
        QUIVER_ASSIGN_OR_RETURN(Resync resync, FindNextRecord(fs_, file.path, bad_offset + 1,
                                                              file.size, expected, highest));
        if (resync.offset == file.size) {
          if (last_file) {
            scan->tail_offset = bad_offset;
            scan->tail_reason = bad;
          } else {
            file.skipped.emplace_back(bad_offset, file.size);
            scan->Add({file.path, bad_offset, file.size - bad_offset, expected, limit,
                       bad + " (nothing valid follows, and this is not the last file)"});
            expected = limit;
          }
          break;
        }
        file.skipped.emplace_back(bad_offset, resync.offset);
        scan->Add({file.path, bad_offset, resync.offset - bad_offset, expected, resync.lsn,
                   bad + " (valid records follow)"});
        expected = resync.lsn;
        offset = resync.offset;
      }
    }
    scan->next_lsn = expected;
    return Status::OK();
  }

  Status RecoverChannel(Channel* channel) QUIVER_NO_THREAD_SAFETY_ANALYSIS {
    QUIVER_ASSIGN_OR_RETURN(auto names, fs_->ListDir(channel->dir));
    for (const std::string& name : names) {
      Lsn first;
      if (!ParseFileName(name, &first)) continue;
      WalFile file;
      file.path = JoinPath(channel->dir, name);
      file.first = first;
      QUIVER_ASSIGN_OR_RETURN(file.size, fs_->FileSize(file.path));
      channel->files[first] = std::move(file);
    }
    if (channel->files.empty()) return StartFile(channel, 1);

    ChannelScan scan;
    QUIVER_RETURN_IF_ERROR(ScanChannel(channel, &scan));
    corruption_events_ += scan.events.size();
    if (!scan.events.empty()) {
      if (options_.corruption_policy == WalCorruptionPolicy::kRefuse) {
        // Nothing is written, not even the torn tail cut: the files stay as found for inspection.
        channel->failed = RefusedStatus(channel->name, scan);
        QUIVER_LOG(ERROR) << "WAL channel refused: corruption found by recovery"
                          << Kv("channel", channel->name) << Kv("events", scan.events.size())
                          << Kv("lost_records", scan.LostRecords())
                          << Kv("error", channel->failed.ToString());
        return Status::OK();
      }
      LogSkipped(channel->name, scan);
    }
    WalFile& last = std::prev(channel->files.end())->second;
    if (!scan.tail_reason.empty()) {
      QUIVER_LOG(WARN) << "WAL recovery dropped a torn tail" << Kv("channel", channel->name)
                       << Kv("file", last.path) << Kv("valid_bytes", scan.tail_offset)
                       << Kv("dropped_bytes", last.size - scan.tail_offset)
                       << Kv("reason", scan.tail_reason);
      QUIVER_RETURN_IF_ERROR(fs_->Truncate(last.path, scan.tail_offset));
      last.size = scan.tail_offset;
    }
    channel->next_lsn = scan.next_lsn;
    channel->durable_lsn = scan.next_lsn - 1;
    return Status::OK();  // the last file is opened by the first append
  }

  // WalCorruptionPolicy::kSkip: the data loss is handled here, by going on without it.
  static void LogSkipped(const std::string& channel, const ChannelScan& scan) {
    constexpr size_t kMaxDetailed = 10;
    for (size_t i = 0; i < scan.events.size() && i < kMaxDetailed; ++i) {
      const CorruptionEvent& event = scan.events[i];
      QUIVER_LOG(ERROR) << "WAL recovery skipped corrupt data" << Kv("channel", channel)
                        << Kv("file", event.path) << Kv("offset", event.offset)
                        << Kv("reason", event.reason) << Kv("skipped_bytes", event.bytes)
                        << Kv("lost_records", event.lost_end - event.lost_first)
                        << Kv("lost_lsns", LsnRange(event.lost_first, event.lost_end));
    }
    QUIVER_LOG(ERROR) << "WAL channel recovered with data loss" << Kv("channel", channel)
                      << Kv("events", scan.events.size())
                      << Kv("skipped_bytes", scan.SkippedBytes())
                      << Kv("lost_records", scan.LostRecords())
                      << Kv("valid_records_after_damage", scan.records_after_damage);
  }

  // Called by the writer at the front of the queue, with the channel lock held.
  void LeadGroup(Channel* channel) QUIVER_REQUIRES(channel->mu) {
    std::vector<Writer*> group;
    size_t group_bytes = 0;
    for (Writer* writer : channel->writers) {
      size_t bytes = 0;
      for (auto record : *writer->records) bytes += record.size() + kWalHeaderSize;
      if (!group.empty() && group_bytes + bytes > (8u << 20)) break;
      group.push_back(writer);
      group_bytes += bytes;
    }
    Status status;
    if (channel->broken) {
      // An earlier failed append could not be rolled back (e.g. the disk was full): try again
      // now, so a momentary ENOSPC or EMFILE does not disable the channel for good.
      status = RepairAfterFailure(channel);
    }
    if (status.ok()) status = EnsureActive(channel);
    if (status.ok() && std::prev(channel->files.end())->second.size >= options_.segment_bytes) {
      status = StartFile(channel, channel->next_lsn);
    }
    Lsn first = channel->next_lsn;
    WalFile* file = status.ok() ? &std::prev(channel->files.end())->second : nullptr;
    std::string buffer;
    std::vector<std::pair<Lsn, uint64_t>> new_checkpoints;
    if (status.ok()) {
      buffer.reserve(group_bytes);
      Lsn lsn = first;
      uint64_t base = file->size;
      uint64_t last_indexed = file->index.empty() ? 0 : file->index.back().second;
      for (Writer* writer : group) {
        writer->first = lsn;
        for (auto record : *writer->records) {
          uint64_t offset = base + buffer.size();
          if (file->index.empty() && new_checkpoints.empty()) {
            new_checkpoints.emplace_back(lsn, offset);
            last_indexed = offset;
          } else if (offset - last_indexed >= kIndexEveryBytes) {
            new_checkpoints.emplace_back(lsn, offset);
            last_indexed = offset;
          }
          AppendWalRecord(&buffer, lsn, record);
          ++lsn;
        }
      }
      // I/O without the lock: only the leader touches `active`; readers stop at durable_lsn.
      WritableFile* active = channel->active.get();
      channel->mu.Unlock();
      status = active->Append(buffer);
      if (status.ok() && options_.sync) status = active->Sync();
      channel->mu.Lock();
      if (status.ok()) {
        channel->next_lsn = lsn;
        channel->durable_lsn = lsn - 1;
        file->size += buffer.size();
        file->index.insert(file->index.end(), new_checkpoints.begin(), new_checkpoints.end());
      } else {
        RollBack(channel, file);
      }
    }
    for (Writer* writer : group) {
      writer->status = status;
      writer->done = true;
      channel->writers.pop_front();
    }
    // Keep at most max_open_files descriptors across channels: the busiest channels keep theirs
    // (they reopen at most once per group commit, next to an fsync), the rest close after use.
    if (open_active_.load() > options_.max_open_files && channel->writers.empty()) CloseActive(channel);
    channel->cv.SignalAll();
    if (status.ok()) listeners_.Notify(channel->name);
  }

  // After a failed append: cut the file back to its durable size so later appends do not follow
  // garbage. If even that fails, refuse appends until the WAL is reopened.
  void RollBack(Channel* channel, WalFile* file) QUIVER_REQUIRES(channel->mu) {
    CloseActive(channel);
    Status st = fs_->Truncate(file->path, file->size);
    if (st.ok()) return;  // the next leader reopens the file
    QUIVER_LOG(ERROR) << "WAL channel cannot roll back a failed append; appends fail until the repair succeeds"
                      << Kv("channel", channel->name) << Kv("error", st.ToString());
    channel->broken = true;
  }

  Status RepairAfterFailure(Channel* channel) QUIVER_REQUIRES(channel->mu) {
    WalFile& last = std::prev(channel->files.end())->second;
    CloseActive(channel);
    Status st = fs_->Truncate(last.path, last.size);
    if (!st.ok()) return Status::IOError("WAL channel " + channel->name + " cannot be repaired yet: " + st.ToString());
    QUIVER_LOG(INFO) << "WAL channel repaired after a failed append" << Kv("channel", channel->name);
    channel->broken = false;
    return Status::OK();
  }

  FileSystem* fs_;
  std::string dir_;
  WalOptions options_;
  Mutex mu_;
  std::map<std::string, std::shared_ptr<Channel>> channels_ QUIVER_GUARDED_BY(mu_);
  uint64_t corruption_events_ QUIVER_GUARDED_BY(mu_) = 0;
  AppendListeners listeners_;
  std::atomic<size_t> open_active_{0};  // channels whose `active` file is open
};

}  // namespace

Status ValidateChannelName(std::string_view name) {
  if (name.empty() || name.size() > 200) return Status::InvalidArgument("bad WAL channel name");
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return Status::InvalidArgument("bad WAL channel name", name);
    }
  }
  if (name == "." || name == "..") return Status::InvalidArgument("bad WAL channel name", name);
  return Status::OK();
}

Result<WalCorruptionPolicy> ParseWalCorruptionPolicy(std::string_view text) {
  if (text == "refuse") return WalCorruptionPolicy::kRefuse;
  if (text == "skip") return WalCorruptionPolicy::kSkip;
  return Status::InvalidArgument("WAL corruption policy must be refuse or skip", text);
}

Result<std::unique_ptr<Wal>> OpenFileWal(FileSystem* fs, const std::string& dir, WalOptions options) {
  auto wal = std::make_unique<FileWal>(fs, dir, options);
  QUIVER_RETURN_IF_ERROR(wal->Recover());
  return std::unique_ptr<Wal>(std::move(wal));
}

}  // namespace quiver::storage
