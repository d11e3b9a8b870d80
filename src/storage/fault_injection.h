#pragma once

// FaultInjectionFileSystem wraps a real FileSystem and simulates what a crash or a failing disk
// does to it (LevelDB's fault_injection_test.cc):
//   - every mutating operation (append, sync, truncate, rename, remove, create) counts as a step;
//     FailAfter(n) makes step n+1 and every later one fail with IOError, as if the process died
//     (or the disk failed) between step n and n+1;
//   - SimulateCrash() then drops what a power loss would: each file written through this wrapper
//     is cut back to its last synced size, optionally leaving a torn, partial or garbage tail of
//     the unsynced bytes; files created since their directory was last synced disappear.
// After SimulateCrash() the caller reopens its component on the *underlying* file system (or on a
// fresh wrapper) and checks what survived.
//
// Thread-safe.

#include <map>
#include <memory>
#include <random>
#include <set>

#include "common/file_system.h"
#include "common/mutex.h"

namespace quiver::storage {

enum class CrashTail {
  kDropUnsynced,    // unsynced bytes vanish
  kKeepPartial,     // a random prefix of the unsynced bytes survives (torn write)
  kGarbage,         // a random prefix survives with some bytes flipped
};

class FaultInjectionFileSystem final : public FileSystem {
 public:
  FaultInjectionFileSystem(FileSystem* base, uint64_t seed) : base_(base), rng_(seed) {}

  // Step n+1 and later fail. FailAfter(-1) (default) never fails.
  void FailAfter(int64_t steps);
  // Only step n (counting from the call) fails; later steps succeed again (a transient error).
  void FailOnlyStep(int64_t step);
  // Makes only writes (not syncs) fail with ResourceExhausted, as a full disk does.
  void SetDiskFull(bool full);
  int64_t steps() const;

  // Applies the loss of unsynced data described above.
  Status SimulateCrash(CrashTail tail);

  Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path, bool truncate) override;
  Result<std::string> ReadFile(const std::string& path) override { return base_->ReadFile(path); }
  Result<std::string> ReadRange(const std::string& path, uint64_t offset, uint64_t length) override {
    return base_->ReadRange(path, offset, length);
  }
  Result<std::shared_ptr<MappedFile>> Map(const std::string& path) override {
    return Status::NotSupported("fault injection does not map files", path);
  }
  Result<uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  bool Exists(const std::string& path) override { return base_->Exists(path); }
  Status Truncate(const std::string& path, uint64_t size) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& path) override;
  Status CreateDirs(const std::string& path) override;
  Status RemoveAll(const std::string& path) override;
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Status SyncDir(const std::string& path) override;

  // Used by the wrapped files.
  Status Step(const char* what, const std::string& path);
  bool disk_full() const;
  void RecordAppend(const std::string& path, uint64_t new_size);
  void RecordSync(const std::string& path, uint64_t size);

 private:
  struct FileState {
    uint64_t synced_size = 0;
    uint64_t size = 0;
  };
  FileSystem* base_;
  mutable Mutex mu_;
  std::mt19937_64 rng_ QUIVER_GUARDED_BY(mu_);
  int64_t fail_after_ QUIVER_GUARDED_BY(mu_) = -1;
  int64_t fail_only_ QUIVER_GUARDED_BY(mu_) = -1;
  int64_t steps_ QUIVER_GUARDED_BY(mu_) = 0;
  bool disk_full_ QUIVER_GUARDED_BY(mu_) = false;
  std::map<std::string, FileState> files_ QUIVER_GUARDED_BY(mu_);
  std::set<std::string> unsynced_creations_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace quiver::storage
