#include "segment/channel_consumer.h"

#include <algorithm>

#include "common/log.h"

namespace quiver::segment {

// ---------------------------------------------------------------------------------------------
// ConsumerPool

ConsumerPool::ConsumerPool(storage::Wal* wal, ConsumerPoolOptions options) : wal_(wal), options_(options) {
  listener_id_ = wal_->AddAppendListener([this](const std::string& channel) { WakeChannel(channel); });
  size_t threads = std::max<size_t>(1, options_.threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Worker(); });
}

ConsumerPool::~ConsumerPool() { Stop(); }

void ConsumerPool::Stop() {
  {
    MutexLock lock(&mu_);
    if (stop_ && workers_.empty()) return;
    stop_ = true;
    cv_.SignalAll();
    idle_cv_.SignalAll();
  }
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  if (listener_id_ != 0) {
    wal_->RemoveAppendListener(listener_id_);
    listener_id_ = 0;
  }
}

void ConsumerPool::Add(ChannelConsumer* consumer) {
  MutexLock lock(&mu_);
  if (consumer->added_) return;
  consumer->added_ = true;
  consumers_.insert(consumer);
  by_channel_.emplace(consumer->channel(), consumer);
  EnqueueLocked(consumer);
}

void ConsumerPool::Remove(ChannelConsumer* consumer) {
  MutexLock lock(&mu_);
  if (!consumer->added_ || consumer->removed_) return;
  consumer->removed_ = true;
  auto [begin, end] = by_channel_.equal_range(consumer->channel());
  for (auto it = begin; it != end; ++it) {
    if (it->second == consumer) {
      by_channel_.erase(it);
      break;
    }
  }
  if (consumer->due_ != ChannelConsumer::Clock::time_point{}) timers_.erase({consumer->due_, consumer});
  if (consumer->queued_) ready_.erase(std::find(ready_.begin(), ready_.end(), consumer));
  consumer->queued_ = false;
  while (consumer->running_) idle_cv_.Wait();
  consumers_.erase(consumer);
}

void ConsumerPool::WakeChannel(const std::string& channel) {
  MutexLock lock(&mu_);
  auto [begin, end] = by_channel_.equal_range(channel);
  for (auto it = begin; it != end; ++it) EnqueueLocked(it->second);
}

void ConsumerPool::EnqueueLocked(ChannelConsumer* consumer) {
  if (consumer->running_) {
    consumer->rerun_ = true;  // run again right after the step in progress
    return;
  }
  if (consumer->queued_) return;
  if (consumer->due_ != ChannelConsumer::Clock::time_point{}) {
    timers_.erase({consumer->due_, consumer});
    consumer->due_ = {};
  }
  consumer->queued_ = true;
  ready_.push_back(consumer);
  cv_.Signal();
}

void ConsumerPool::ScheduleLocked(ChannelConsumer* consumer, Clock::time_point due) {
  if (due <= Clock::now()) {
    EnqueueLocked(consumer);
    return;
  }
  consumer->due_ = due;
  bool earliest = timers_.empty() || due < timers_.begin()->first;
  timers_.insert({due, consumer});
  if (earliest) cv_.Signal();  // a sleeping worker may need to wake earlier
}

void ConsumerPool::Worker() {
  MutexLock lock(&mu_);
  while (!stop_) {
    auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      ChannelConsumer* due = timers_.begin()->second;
      timers_.erase(timers_.begin());
      due->due_ = {};
      EnqueueLocked(due);
    }
    if (ready_.empty()) {
      if (timers_.empty()) cv_.Wait();
      else cv_.WaitFor(timers_.begin()->first - now);
      continue;
    }
    ChannelConsumer* consumer = ready_.front();
    ready_.pop_front();
    consumer->queued_ = false;
    consumer->running_ = true;
    mu_.Unlock();
    Clock::time_point next = consumer->Step();
    mu_.Lock();
    consumer->running_ = false;
    if (consumer->removed_) {
      idle_cv_.SignalAll();
      continue;
    }
    if (consumer->rerun_ || next == Clock::time_point::min()) {
      consumer->rerun_ = false;
      EnqueueLocked(consumer);
    } else {
      ScheduleLocked(consumer, next);
    }
  }
}

size_t ConsumerPool::consumers() {
  MutexLock lock(&mu_);
  return consumers_.size();
}

ConsumerPool::Stats ConsumerPool::GetStats() {
  std::vector<ChannelConsumer*> consumers;
  {
    MutexLock lock(&mu_);
    consumers.assign(consumers_.begin(), consumers_.end());
  }
  Stats stats;
  stats.consumers = consumers.size();
  auto now = Clock::now();
  for (ChannelConsumer* consumer : consumers) {
    Status health = consumer->health();
    if (health.ok()) continue;
    ++stats.failing;
    double seconds = std::chrono::duration<double>(now - consumer->failing_since()).count();
    if (seconds >= stats.longest_failure_s) {
      stats.longest_failure_s = seconds;
      stats.first_failure = consumer->channel() + ": " + health.ToString();
    }
  }
  return stats;
}

// ---------------------------------------------------------------------------------------------
// ChannelConsumer

ChannelConsumer::ChannelConsumer(ConsumerPool* pool, storage::Wal* wal, std::string channel, storage::Lsn from,
                                 Handler handler, std::function<void()> on_tick, std::chrono::milliseconds tick)
    : pool_(pool), wal_(wal), channel_(std::move(channel)), handler_(std::move(handler)), on_tick_(std::move(on_tick)),
      tick_(tick), consumed_(from == 0 ? 0 : from - 1) {}

ChannelConsumer::~ChannelConsumer() { Stop(); }

void ChannelConsumer::Start() {
  next_tick_ = Clock::now() + tick_;
  pool_->Add(this);
}

void ChannelConsumer::Stop() {
  pool_->Remove(this);
  MutexLock lock(&mu_);
  stopped_ = true;
  cv_.SignalAll();
}

Status ChannelConsumer::health() const {
  MutexLock lock(&mu_);
  return failure_;
}

ChannelConsumer::Clock::time_point ChannelConsumer::failing_since() const {
  MutexLock lock(&mu_);
  return failing_since_;
}

Status ChannelConsumer::WaitConsumed(storage::Lsn lsn, std::chrono::milliseconds timeout) {
  auto start = Clock::now();
  auto deadline = start + timeout;
  MutexLock lock(&mu_);
  while (consumed_.load() < lsn) {
    if (stopped_) return Status::Unavailable("channel consumer stopped", channel_);
    auto now = Clock::now();
    if (!failure_.ok() && now - start >= kReportAfter) {
      return Status::Unavailable("WAL channel " + channel_ + " is not being consumed: " + failure_.ToString() +
                                 " (retrying)");
    }
    if (now >= deadline) return Status::Timeout("WAL channel not consumed in time", channel_);
    cv_.WaitFor(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(50)));
  }
  return Status::OK();
}

Status ChannelConsumer::ConsumeBatch(bool* more) {
  *more = false;
  storage::Lsn next = consumed_.load() + 1;
  QUIVER_ASSIGN_OR_RETURN(storage::Lsn last, wal_->LastLsn(channel_));
  if (last < next) return Status::OK();
  constexpr size_t kBatch = 256;
  QUIVER_ASSIGN_OR_RETURN(std::vector<storage::WalRecord> records, wal_->Read(channel_, next, kBatch, 64 << 20));
  if (records.empty() || records.front().lsn > next) {
    // Lsns may skip (JetStream's chunked records); a skip below the first retained record is a
    // truncation of records this consumer never read.
    QUIVER_ASSIGN_OR_RETURN(storage::Lsn first, wal_->FirstLsn(channel_));
    if (first > next) {
      truncated_.store(true);
      return Status::Aborted("WAL records " + std::to_string(next) + ".." + std::to_string(first - 1) +
                                 " were truncated before this consumer read them",
                             channel_);
    }
  }
  for (auto& record : records) {
    auto payload = std::make_shared<const std::string>(std::move(record.payload));
    QUIVER_ASSIGN_OR_RETURN(WalMessage message, DecodeWalMessage(payload));
    QUIVER_RETURN_IF_ERROR(handler_(record.lsn, message));
    consumed_.store(record.lsn);
  }
  *more = !records.empty() && records.back().lsn < last;
  return Status::OK();
}

ChannelConsumer::Clock::time_point ChannelConsumer::Step() {
  bool more = false;
  storage::Lsn before = consumed_.load();
  Status st = ConsumeBatch(&more);
  auto now = Clock::now();
  Clock::time_point next;
  {
    MutexLock lock(&mu_);
    if (st.ok()) {
      if (!failure_.ok()) {
        QUIVER_LOG(INFO) << "channel consumer recovered" << Kv("channel", channel_) << Kv("failures", failures_);
      }
      failure_ = Status();
      failures_ = 0;
    } else {
      if (failures_ == 0) {
        failing_since_ = now;
        QUIVER_LOG(ERROR) << "channel consumer failed; retrying with backoff" << Kv("channel", channel_)
                          << Kv("lsn", consumed_.load() + 1) << Kv("error", st.ToString());
      } else if ((failures_ & (failures_ - 1)) == 0) {  // 1, 2, 4, 8, ... so the log stays bounded
        QUIVER_LOG(WARN) << "channel consumer still failing" << Kv("channel", channel_) << Kv("failures", failures_)
                         << Kv("error", st.ToString());
      }
      failure_ = st;
      ++failures_;
    }
    if (consumed_.load() != before || !st.ok()) cv_.SignalAll();
    if (!st.ok()) {
      const auto& options = pool_->options_;
      auto backoff = options.retry_min * (int64_t{1} << std::min<size_t>(failures_ - 1, 20));
      next = now + std::min<Clock::duration>(backoff, options.retry_max);
    } else if (more) {
      next = Clock::time_point::min();
    } else {
      next = now + (on_tick_ ? std::chrono::milliseconds(tick_) : pool_->options_.idle_poll);
    }
  }
  if (on_tick_ && (now >= next_tick_ || consumed_.load() != before)) {
    on_tick_();
    next_tick_ = Clock::now() + tick_;
  }
  if (on_tick_ && st.ok() && !more) next = std::min(next, next_tick_);
  return next;
}

}  // namespace quiver::segment
