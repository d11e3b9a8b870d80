#pragma once

// ChannelConsumer follows one WAL channel from a start position, decoding each record into a
// WalMessage and handing it to a callback in order. Used by the datanode and the querynode.
//
// Consumers do not own threads: a ConsumerPool runs every consumer of the process on a few
// threads (one server may follow tens of thousands of channels). A consumer is run when its
// channel gets new durable records (the WAL's append listener), when its tick is due, and when it
// retries after a failure. A batch is handed over at most 256 records at a time, so one busy
// channel cannot starve the others.
//
// Failures never stop a consumer for good. A failed WAL read or a failed callback (a full disk, too
// many open files, an unreachable object store) is retried with exponential backoff from the same
// record; callbacks must therefore be idempotent per lsn (ChannelBuffer::Apply is). While it is
// failing, health() reports the error and since when, and WaitConsumed() returns the error once
// its caller's wait has lasted `kReportAfter` — the wait itself honours the caller's timeout.
//
// Thread-safe.

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"
#include "segment/wal_message.h"
#include "storage/wal/wal.h"

namespace quiver::segment {

class ChannelConsumer;

struct ConsumerPoolOptions {
  size_t threads = 2;
  // Consumers without a tick still look at their channel this often, in case a notification was
  // missed (a channel dropped and re-created under them).
  std::chrono::milliseconds idle_poll{1000};
  // Retry backoff after a failure: starts at `retry_min`, doubles up to `retry_max`.
  std::chrono::milliseconds retry_min{50};
  std::chrono::milliseconds retry_max{5000};
};

// Runs ChannelConsumers on a fixed set of threads. Must outlive its consumers and the WAL must
// outlive the pool.
class ConsumerPool {
 public:
  ConsumerPool(storage::Wal* wal, ConsumerPoolOptions options);
  ~ConsumerPool();
  ConsumerPool(const ConsumerPool&) = delete;
  ConsumerPool& operator=(const ConsumerPool&) = delete;

  // Stops the threads after the steps in progress; consumers are not run again.
  void Stop();

  struct Stats {
    size_t consumers = 0;
    size_t failing = 0;            // consumers whose last step failed
    std::string first_failure;     // "channel: error (for N s)" of the longest-failing one
    double longest_failure_s = 0;  // how long that one has been failing
  };
  // Walks every consumer's health: for /healthz and the failing-consumers metric.
  Stats GetStats();
  // Registered consumers, without looking at their health.
  size_t consumers();

 private:
  friend class ChannelConsumer;
  using Clock = std::chrono::steady_clock;

  void Add(ChannelConsumer* consumer);
  // Returns once `consumer` is not running and will not run again.
  void Remove(ChannelConsumer* consumer);
  void WakeChannel(const std::string& channel);
  void Worker();
  void EnqueueLocked(ChannelConsumer* consumer) QUIVER_REQUIRES(mu_);
  void ScheduleLocked(ChannelConsumer* consumer, Clock::time_point due) QUIVER_REQUIRES(mu_);

  storage::Wal* wal_;
  ConsumerPoolOptions options_;
  uint64_t listener_id_ = 0;
  Mutex mu_;
  CondVar cv_{&mu_};       // workers: work or a timer
  CondVar idle_cv_{&mu_};  // Remove(): a step finished
  bool stop_ QUIVER_GUARDED_BY(mu_) = false;
  std::deque<ChannelConsumer*> ready_ QUIVER_GUARDED_BY(mu_);
  std::set<std::pair<Clock::time_point, ChannelConsumer*>> timers_ QUIVER_GUARDED_BY(mu_);
  std::unordered_multimap<std::string, ChannelConsumer*> by_channel_ QUIVER_GUARDED_BY(mu_);
  std::set<ChannelConsumer*> consumers_ QUIVER_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

class ChannelConsumer {
 public:
  using Handler = std::function<Status(storage::Lsn, const WalMessage&)>;
  using Clock = std::chrono::steady_clock;
  // A failing consumer fails the waits that have lasted this long (not shorter ones).
  static constexpr std::chrono::milliseconds kReportAfter{2000};

  // `on_tick` (may be empty) runs in the pool after each batch and at least every `tick` when
  // idle: the place for time-based work such as idle sealing.
  ChannelConsumer(ConsumerPool* pool, storage::Wal* wal, std::string channel, storage::Lsn from, Handler handler,
                  std::function<void()> on_tick = {},
                  std::chrono::milliseconds tick = std::chrono::milliseconds(100));
  ~ChannelConsumer();
  ChannelConsumer(const ChannelConsumer&) = delete;
  ChannelConsumer& operator=(const ChannelConsumer&) = delete;

  void Start();
  // Returns once the consumer is not running and will not run again. Idempotent.
  void Stop();

  // Last lsn handed to the callback (from - 1 before any).
  storage::Lsn consumed() const { return consumed_.load(); }
  // Waits until consumed() >= lsn, at most `timeout`. Timeout on expiry; Unavailable once stopped;
  // the consumer's current failure if it keeps failing while the caller waits (kReportAfter).
  Status WaitConsumed(storage::Lsn lsn, std::chrono::milliseconds timeout);
  const std::string& channel() const { return channel_; }

  // True once records this consumer had not read yet were truncated from the channel (a reader
  // that fell behind the datanode's checkpoint, or started from a checkpoint the datanode has since
  // moved): it stops there, failing with Aborted, and its owner must start over from the current
  // checkpoint. The records are not lost: the flush that truncated them put them in segments.
  bool truncated() const { return truncated_.load(); }

  // OK, or the failure of the last step (with its retry count) while the consumer is failing.
  Status health() const;
  // When the current run of failures started (meaningful only while health() is not OK).
  Clock::time_point failing_since() const;

 private:
  friend class ConsumerPool;

  // One step in the pool: handles up to one batch, runs the tick if due. Returns when to run
  // again (Clock::time_point::min() = as soon as possible).
  Clock::time_point Step();
  Status ConsumeBatch(bool* more);

  ConsumerPool* pool_;
  storage::Wal* wal_;
  std::string channel_;
  Handler handler_;
  std::function<void()> on_tick_;
  std::chrono::milliseconds tick_;
  std::atomic<storage::Lsn> consumed_;
  std::atomic<bool> truncated_{false};
  Clock::time_point next_tick_;  // only the running step touches it

  mutable Mutex mu_;
  CondVar cv_{&mu_};
  bool stopped_ QUIVER_GUARDED_BY(mu_) = false;
  Status failure_ QUIVER_GUARDED_BY(mu_);
  size_t failures_ QUIVER_GUARDED_BY(mu_) = 0;
  Clock::time_point failing_since_ QUIVER_GUARDED_BY(mu_);

  // Scheduling state, guarded by the pool's mutex.
  bool added_ = false;
  bool queued_ = false;
  bool running_ = false;
  bool rerun_ = false;
  bool removed_ = false;
  Clock::time_point due_{};
};

}  // namespace quiver::segment
