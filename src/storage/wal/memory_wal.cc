// MemoryWal: an in-memory Wal for tests of the layers above. Same contract, nothing durable.

#include <deque>
#include <map>

#include "common/mutex.h"
#include "storage/wal/wal.h"

namespace quiver::storage {
namespace {

class MemoryWal final : public Wal {
 public:
  Status CreateChannel(const std::string& channel) override {
    QUIVER_RETURN_IF_ERROR(ValidateChannelName(channel));
    MutexLock lock(&mu_);
    channels_.try_emplace(channel);
    return Status::OK();
  }
  Status DropChannel(const std::string& channel) override {
    MutexLock lock(&mu_);
    channels_.erase(channel);
    cv_.SignalAll();
    return Status::OK();
  }
  Result<std::vector<std::string>> ListChannels() override {
    MutexLock lock(&mu_);
    std::vector<std::string> names;
    for (const auto& [name, data] : channels_) names.push_back(name);
    return names;
  }
  Result<Lsn> Append(const std::string& channel, const std::vector<std::string_view>& records) override {
    if (records.empty()) return Status::InvalidArgument("empty WAL batch");
    MutexLock lock(&mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
    Data& data = it->second;
    Lsn first = data.first + data.records.size();
    for (auto record : records) data.records.emplace_back(record);
    cv_.SignalAll();
    listeners_.Notify(channel);
    return first;
  }
  Result<std::vector<WalRecord>> Read(const std::string& channel, Lsn from, size_t max_records,
                                      size_t max_bytes) override {
    MutexLock lock(&mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
    const Data& data = it->second;
    std::vector<WalRecord> out;
    size_t bytes = 0;
    for (Lsn lsn = std::max(from, data.first); lsn < data.first + data.records.size(); ++lsn) {
      if (out.size() >= max_records || (bytes >= max_bytes && !out.empty())) break;
      out.push_back({lsn, data.records[lsn - data.first]});
      bytes += out.back().payload.size();
    }
    return out;
  }
  Result<Lsn> LastLsn(const std::string& channel) override {
    MutexLock lock(&mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
    return it->second.first + it->second.records.size() - 1;
  }
  Result<Lsn> FirstLsn(const std::string& channel) override {
    MutexLock lock(&mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
    return it->second.first;
  }
  Result<Lsn> WaitFor(const std::string& channel, Lsn lsn, std::chrono::milliseconds timeout) override {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(&mu_);
    while (true) {
      auto it = channels_.find(channel);
      if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
      Lsn last = it->second.first + it->second.records.size() - 1;
      auto now = std::chrono::steady_clock::now();
      if (last >= lsn || now >= deadline) return last;
      cv_.WaitFor(deadline - now);
    }
  }
  Status Truncate(const std::string& channel, Lsn before) override {
    MutexLock lock(&mu_);
    auto it = channels_.find(channel);
    if (it == channels_.end()) return Status::NotFound("no such WAL channel", channel);
    Data& data = it->second;
    while (data.first < before && !data.records.empty()) {
      data.records.pop_front();
      ++data.first;
    }
    return Status::OK();
  }
  uint64_t TotalBytes() override {
    MutexLock lock(&mu_);
    uint64_t total = 0;
    for (const auto& [name, data] : channels_) {
      for (const auto& record : data.records) total += record.size();
    }
    return total;
  }
  // Nothing is recovered from disk, so nothing can be corrupt.
  std::vector<std::pair<std::string, Status>> FailedChannels() override { return {}; }
  uint64_t CorruptionEvents() override { return 0; }
  uint64_t AddAppendListener(AppendListener listener) override { return listeners_.Add(std::move(listener)); }
  void RemoveAppendListener(uint64_t id) override { listeners_.Remove(id); }

 private:
  struct Data {
    Lsn first = 1;
    std::deque<std::string> records;
  };
  AppendListeners listeners_;
  Mutex mu_;
  CondVar cv_{&mu_};
  std::map<std::string, Data> channels_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<Wal> NewMemoryWal() { return std::make_unique<MemoryWal>(); }

}  // namespace quiver::storage
