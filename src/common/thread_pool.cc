#include "common/thread_pool.h"

#include <pthread.h>

#include <atomic>

namespace quiver {

ThreadPool::ThreadPool(std::string name, size_t threads, size_t queue_capacity)
    : name_(std::move(name)), capacity_(queue_capacity) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { WorkerLoop(); });
    std::string thread_name = name_.substr(0, 12) + "-" + std::to_string(i);
    pthread_setname_np(threads_.back().native_handle(), thread_name.substr(0, 15).c_str());
  }
}

ThreadPool::~ThreadPool() { Stop(); }

Status ThreadPool::Submit(std::function<void()> task) {
  {
    MutexLock lock(&mu_);
    if (stopping_) return Status::Unavailable("thread pool stopped", name_);
    if (queue_.size() >= capacity_) return Status::ResourceExhausted("thread pool queue full", name_);
    queue_.push_back(std::move(task));
  }
  cv_.Signal();
  return Status::OK();
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  // Shared so that a helper which starts after we return finds no work and touches nothing of ours.
  struct State {
    std::atomic<size_t> next{0};
    std::atomic<size_t> done{0};
    Mutex mu;
    CondVar cv{&mu};
    const std::function<void(size_t)>* fn;
    size_t n;
  };
  auto state = std::make_shared<State>();
  state->fn = &fn;
  state->n = n;
  auto worker = [state] {
    for (size_t i = state->next.fetch_add(1); i < state->n; i = state->next.fetch_add(1)) {
      (*state->fn)(i);
      if (state->done.fetch_add(1) + 1 == state->n) {
        MutexLock lock(&state->mu);
        state->cv.SignalAll();
      }
    }
  };
  size_t helpers = std::min(n - 1, threads_.size());
  for (size_t i = 0; i < helpers; ++i) {
    if (!Submit(worker).ok()) break;  // queue full or stopped: the caller does the rest
  }
  worker();
  MutexLock lock(&state->mu);
  while (state->done.load() < n) state->cv.Wait();
}

void ThreadPool::Stop() {
  {
    MutexLock lock(&mu_);
    if (stopping_) return;
    stopping_ = true;
    queue_.clear();
  }
  cv_.SignalAll();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void ThreadPool::WorkerLoop() {
  while (true) {
    std::function<void()> task;
    {
      MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) cv_.Wait();
      if (stopping_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace quiver
