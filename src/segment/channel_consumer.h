#pragma once

// ChannelConsumer follows one WAL channel on a background thread, from a start position, decoding
// each record into a WalMessage and handing it to a callback in order. Used by the datanode and
// the querynode. A callback error stops the consumer (sticky); WaitConsumed() then reports it.
// Thread-safe.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "common/mutex.h"
#include "segment/wal_message.h"
#include "storage/wal/wal.h"

namespace quiver::segment {

class ChannelConsumer {
 public:
  using Handler = std::function<Status(storage::Lsn, const WalMessage&)>;
  // `on_tick` (may be empty) runs on the consumer thread after each batch and at least every
  // `tick` when idle: the place for time-based work such as idle sealing.
  ChannelConsumer(storage::Wal* wal, std::string channel, storage::Lsn from, Handler handler,
                  std::function<void()> on_tick = {},
                  std::chrono::milliseconds tick = std::chrono::milliseconds(100));
  ~ChannelConsumer();
  ChannelConsumer(const ChannelConsumer&) = delete;
  ChannelConsumer& operator=(const ChannelConsumer&) = delete;

  void Start();
  void Stop();

  // Last lsn handed to the callback (from - 1 before any).
  storage::Lsn consumed() const { return consumed_.load(); }
  // Waits until consumed() >= lsn. Timeout on expiry; the consumer's error if it stopped on one.
  Status WaitConsumed(storage::Lsn lsn, std::chrono::milliseconds timeout);
  const std::string& channel() const { return channel_; }

 private:
  void Run();

  storage::Wal* wal_;
  std::string channel_;
  Handler handler_;
  std::function<void()> on_tick_;
  std::chrono::milliseconds tick_;
  std::atomic<storage::Lsn> consumed_;
  std::atomic<bool> stop_{false};
  Mutex mu_;
  CondVar cv_{&mu_};
  Status error_ QUIVER_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace quiver::segment
