#pragma once

// Mutex and lock wrappers carrying Clang thread-safety annotations (as LevelDB's port::Mutex).
// GCC ignores the annotations; a clang build with -Wthread-safety checks them.

#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define QUIVER_TSA(x) __attribute__((x))
#else
#define QUIVER_TSA(x)
#endif

#define QUIVER_CAPABILITY(x) QUIVER_TSA(capability(x))
#define QUIVER_SCOPED_CAPABILITY QUIVER_TSA(scoped_lockable)
#define QUIVER_GUARDED_BY(x) QUIVER_TSA(guarded_by(x))
#define QUIVER_PT_GUARDED_BY(x) QUIVER_TSA(pt_guarded_by(x))
#define QUIVER_REQUIRES(...) QUIVER_TSA(requires_capability(__VA_ARGS__))
#define QUIVER_REQUIRES_SHARED(...) QUIVER_TSA(requires_shared_capability(__VA_ARGS__))
#define QUIVER_ACQUIRE(...) QUIVER_TSA(acquire_capability(__VA_ARGS__))
#define QUIVER_ACQUIRE_SHARED(...) QUIVER_TSA(acquire_shared_capability(__VA_ARGS__))
#define QUIVER_RELEASE(...) QUIVER_TSA(release_capability(__VA_ARGS__))
#define QUIVER_RELEASE_SHARED(...) QUIVER_TSA(release_shared_capability(__VA_ARGS__))
#define QUIVER_EXCLUDES(...) QUIVER_TSA(locks_excluded(__VA_ARGS__))
#define QUIVER_NO_THREAD_SAFETY_ANALYSIS QUIVER_TSA(no_thread_safety_analysis)

namespace quiver {

class QUIVER_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void Lock() QUIVER_ACQUIRE() { mu_.lock(); }
  void Unlock() QUIVER_RELEASE() { mu_.unlock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

class QUIVER_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) QUIVER_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() QUIVER_RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

class QUIVER_CAPABILITY("shared_mutex") SharedMutex {
 public:
  void Lock() QUIVER_ACQUIRE() { mu_.lock(); }
  void Unlock() QUIVER_RELEASE() { mu_.unlock(); }
  void LockShared() QUIVER_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() QUIVER_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class QUIVER_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex* mu) QUIVER_ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~WriterLock() QUIVER_RELEASE() { mu_->Unlock(); }

 private:
  SharedMutex* mu_;
};

class QUIVER_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex* mu) QUIVER_ACQUIRE_SHARED(mu) : mu_(mu) { mu_->LockShared(); }
  ~ReaderLock() QUIVER_RELEASE() { mu_->UnlockShared(); }

 private:
  SharedMutex* mu_;
};

// Condition variable bound to a Mutex; Wait() must be called with the mutex held.
class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  // The caller must hold the mutex (not annotated: the analysis cannot tie cv.mu_ to the owner's mutex).
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_->native(), std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // Returns false on timeout.
  template <typename Duration>
  bool WaitFor(Duration d) {
    std::unique_lock<std::mutex> lock(mu_->native(), std::adopt_lock);
    bool notified = cv_.wait_for(lock, d) == std::cv_status::no_timeout;
    lock.release();
    return notified;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex* mu_;
  std::condition_variable cv_;
};

}  // namespace quiver
