#include "segment/channel_consumer.h"

#include "common/log.h"

namespace quiver::segment {

ChannelConsumer::ChannelConsumer(storage::Wal* wal, std::string channel, storage::Lsn from, Handler handler,
                                 std::function<void()> on_tick, std::chrono::milliseconds tick)
    : wal_(wal), channel_(std::move(channel)), handler_(std::move(handler)), on_tick_(std::move(on_tick)),
      tick_(tick), consumed_(from == 0 ? 0 : from - 1) {}

ChannelConsumer::~ChannelConsumer() { Stop(); }

void ChannelConsumer::Start() { thread_ = std::thread([this] { Run(); }); }

void ChannelConsumer::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
  MutexLock lock(&mu_);
  cv_.SignalAll();
}

Status ChannelConsumer::WaitConsumed(storage::Lsn lsn, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(&mu_);
  while (consumed_.load() < lsn) {
    if (!error_.ok()) return error_;
    if (stop_.load()) return Status::Unavailable("channel consumer stopped", channel_);
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return Status::Timeout("WAL channel not consumed in time", channel_);
    cv_.WaitFor(std::min<std::chrono::steady_clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
  return Status::OK();
}

void ChannelConsumer::Run() {
  while (!stop_.load()) {
    storage::Lsn next = consumed_.load() + 1;
    Result<storage::Lsn> last = wal_->WaitFor(channel_, next, tick_);
    if (!last.ok()) {
      if (stop_.load()) break;
      std::this_thread::sleep_for(tick_);  // channel being dropped or created: retry
      continue;
    }
    if (*last >= next) {
      Result<std::vector<storage::WalRecord>> records = wal_->Read(channel_, next, 256, 64 << 20);
      Status st = records.status();
      if (st.ok()) {
        for (auto& record : *records) {
          auto payload = std::make_shared<const std::string>(std::move(record.payload));
          Result<WalMessage> message = DecodeWalMessage(payload);
          st = message.ok() ? handler_(record.lsn, *message) : message.status();
          if (!st.ok()) break;
          consumed_.store(record.lsn);
        }
      }
      if (!st.ok()) {
        QUIVER_LOG(ERROR) << "channel consumer stopped on an error" << Kv("channel", channel_)
                          << Kv("error", st.ToString());
        MutexLock lock(&mu_);
        error_ = st;
        cv_.SignalAll();
        return;
      }
      MutexLock lock(&mu_);
      cv_.SignalAll();
    }
    if (on_tick_) on_tick_();
  }
}

}  // namespace quiver::segment
