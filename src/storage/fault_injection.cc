#include "storage/fault_injection.h"

namespace quiver::storage {
namespace {

class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionFileSystem* fs, std::string path,
                             std::unique_ptr<WritableFile> base)
      : fs_(fs), path_(std::move(path)), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    QUIVER_RETURN_IF_ERROR(fs_->Step("append", path_));
    if (fs_->disk_full()) return Status::ResourceExhausted("disk full (injected)", path_);
    QUIVER_RETURN_IF_ERROR(base_->Append(data));
    fs_->RecordAppend(path_, base_->size());
    return Status::OK();
  }
  Status Sync() override {
    QUIVER_RETURN_IF_ERROR(fs_->Step("sync", path_));
    QUIVER_RETURN_IF_ERROR(base_->Sync());
    fs_->RecordSync(path_, base_->size());
    return Status::OK();
  }
  Status Close() override { return base_->Close(); }
  uint64_t size() const override { return base_->size(); }

 private:
  FaultInjectionFileSystem* fs_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

void FaultInjectionFileSystem::FailAfter(int64_t steps) {
  MutexLock lock(&mu_);
  fail_after_ = steps;
  fail_only_ = -1;
  steps_ = 0;
}

void FaultInjectionFileSystem::FailOnlyStep(int64_t step) {
  MutexLock lock(&mu_);
  fail_only_ = step;
  fail_after_ = -1;
  steps_ = 0;
}

void FaultInjectionFileSystem::SetDiskFull(bool full) {
  MutexLock lock(&mu_);
  disk_full_ = full;
}

bool FaultInjectionFileSystem::disk_full() const {
  MutexLock lock(&mu_);
  return disk_full_;
}

int64_t FaultInjectionFileSystem::steps() const {
  MutexLock lock(&mu_);
  return steps_;
}

Status FaultInjectionFileSystem::Step(const char* what, const std::string& path) {
  MutexLock lock(&mu_);
  ++steps_;
  if ((fail_after_ >= 0 && steps_ > fail_after_) || steps_ == fail_only_) {
    return Status::IOError(std::string("injected failure at ") + what, path);
  }
  return Status::OK();
}

void FaultInjectionFileSystem::RecordAppend(const std::string& path, uint64_t new_size) {
  MutexLock lock(&mu_);
  files_[path].size = new_size;
}

void FaultInjectionFileSystem::RecordSync(const std::string& path, uint64_t size) {
  MutexLock lock(&mu_);
  FileState& state = files_[path];
  state.size = size;
  state.synced_size = size;
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::OpenWritable(const std::string& path,
                                                                            bool truncate) {
  bool existed = base_->Exists(path);
  QUIVER_RETURN_IF_ERROR(Step("open", path));
  QUIVER_ASSIGN_OR_RETURN(auto base, base_->OpenWritable(path, truncate));
  {
    MutexLock lock(&mu_);
    bool tracked = files_.count(path) > 0;
    FileState& state = files_[path];
    state.size = base->size();
    if (!existed) {
      state.synced_size = 0;
      unsynced_creations_.insert(path);
    } else if (!tracked) {
      state.synced_size = state.size;  // the content predates this wrapper: it is on disk
    } else {
      state.synced_size = std::min(state.synced_size, state.size);
    }
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultInjectionWritableFile>(this, path, std::move(base)));
}

Status FaultInjectionFileSystem::Truncate(const std::string& path, uint64_t size) {
  QUIVER_RETURN_IF_ERROR(Step("truncate", path));
  QUIVER_RETURN_IF_ERROR(base_->Truncate(path, size));
  MutexLock lock(&mu_);
  auto it = files_.find(path);
  if (it != files_.end()) {
    it->second.size = size;
    // Truncation is metadata; treat it as durable (the WAL syncs after it anyway).
    it->second.synced_size = std::min(it->second.synced_size, size);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  QUIVER_RETURN_IF_ERROR(Step("rename", from));
  QUIVER_RETURN_IF_ERROR(base_->Rename(from, to));
  MutexLock lock(&mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(it);
  }
  // Modelled as atomic and durable (ext4/xfs journal the rename): the target is either the old or
  // the new file, and the new file's data is only what was synced before the rename.
  unsynced_creations_.erase(from);
  unsynced_creations_.erase(to);
  return Status::OK();
}

Status FaultInjectionFileSystem::Remove(const std::string& path) {
  QUIVER_RETURN_IF_ERROR(Step("remove", path));
  QUIVER_RETURN_IF_ERROR(base_->Remove(path));
  MutexLock lock(&mu_);
  files_.erase(path);
  unsynced_creations_.erase(path);
  return Status::OK();
}

Status FaultInjectionFileSystem::CreateDirs(const std::string& path) {
  QUIVER_RETURN_IF_ERROR(Step("mkdir", path));
  return base_->CreateDirs(path);
}

Status FaultInjectionFileSystem::RemoveAll(const std::string& path) {
  QUIVER_RETURN_IF_ERROR(Step("remove_all", path));
  QUIVER_RETURN_IF_ERROR(base_->RemoveAll(path));
  MutexLock lock(&mu_);
  for (auto it = files_.begin(); it != files_.end();) {
    it = it->first.rfind(path, 0) == 0 ? files_.erase(it) : std::next(it);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& path) {
  QUIVER_RETURN_IF_ERROR(Step("sync_dir", path));
  QUIVER_RETURN_IF_ERROR(base_->SyncDir(path));
  MutexLock lock(&mu_);
  for (auto it = unsynced_creations_.begin(); it != unsynced_creations_.end();) {
    it = DirName(*it) == path ? unsynced_creations_.erase(it) : std::next(it);
  }
  return Status::OK();
}

Status FaultInjectionFileSystem::SimulateCrash(CrashTail tail) {
  MutexLock lock(&mu_);
  for (const std::string& path : unsynced_creations_) {
    Status st = base_->Remove(path);
    if (!st.ok() && !st.IsNotFound()) return st;
    files_.erase(path);
  }
  unsynced_creations_.clear();
  for (auto& [path, state] : files_) {
    if (state.size <= state.synced_size) continue;
    uint64_t keep = state.synced_size;
    uint64_t unsynced = state.size - state.synced_size;
    if (tail != CrashTail::kDropUnsynced) keep += rng_() % (unsynced + 1);
    if (tail == CrashTail::kGarbage && keep > state.synced_size) {
      // Flip one byte inside the surviving unsynced region.
      uint64_t at = state.synced_size + rng_() % (keep - state.synced_size);
      QUIVER_ASSIGN_OR_RETURN(std::string bytes, base_->ReadRange(path, at, 1));
      QUIVER_RETURN_IF_ERROR(base_->Truncate(path, at));
      QUIVER_ASSIGN_OR_RETURN(auto file, base_->OpenWritable(path, false));
      bytes[0] = static_cast<char>(bytes[0] ^ 0x5a);
      QUIVER_RETURN_IF_ERROR(file->Append(bytes));
      QUIVER_RETURN_IF_ERROR(file->Close());
      // The rest of the kept region is lost too in this variant: the flipped byte ends it.
      keep = at + 1;
    }
    QUIVER_RETURN_IF_ERROR(base_->Truncate(path, keep));
    state.size = keep;
    state.synced_size = keep;
  }
  return Status::OK();
}

}  // namespace quiver::storage
