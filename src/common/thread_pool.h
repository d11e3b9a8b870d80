#pragma once

// A named, bounded thread pool. CPU-heavy work (search, index build) runs here, never on RPC
// threads. The queue has a fixed capacity: Submit() refuses work beyond it (ResourceExhausted)
// instead of growing without bound. Stop() drains nothing: it finishes the running tasks, drops the
// queued ones, and joins the threads.
//
// Thread-safe.

#include <deque>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace quiver {

class ThreadPool {
 public:
  // `threads` = 0 means one per hardware thread.
  ThreadPool(std::string name, size_t threads, size_t queue_capacity);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. Returns ResourceExhausted when the queue is full, Unavailable after Stop().
  Status Submit(std::function<void()> task);

  // Runs `fn(i)` for i in [0, n) on the pool and the calling thread, and waits for all.
  // Falls back to running inline when the queue is full, so it never fails.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

  void Stop();
  size_t size() const { return threads_.size(); }
  const std::string& name() const { return name_; }

 private:
  void WorkerLoop();

  const std::string name_;
  const size_t capacity_;
  Mutex mu_;
  CondVar cv_{&mu_};
  std::deque<std::function<void()>> queue_ QUIVER_GUARDED_BY(mu_);
  bool stopping_ QUIVER_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace quiver
