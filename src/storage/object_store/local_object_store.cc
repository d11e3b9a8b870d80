#include <algorithm>
#include <functional>
#include <map>

#include "common/log.h"
#include "common/mutex.h"
#include "storage/object_store/object_store.h"

namespace quiver::storage {

Status ValidateObjectKey(std::string_view key) {
  if (key.empty() || key.size() > 1024) return Status::InvalidArgument("object key empty or too long");
  if (key.front() == '/' || key.back() == '/') {
    return Status::InvalidArgument("object key must be relative", key);
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t slash = key.find('/', start);
    if (slash == std::string_view::npos) slash = key.size();
    std::string_view part = key.substr(start, slash - start);
    if (part.empty() || part == "." || part == ".." || part.find(".tmp.") != std::string_view::npos) {
      return Status::InvalidArgument("invalid object key", key);
    }
    start = slash + 1;
  }
  return Status::OK();
}

namespace {

// True for the temp files of WriteFileAtomic ("<path>.tmp.<pid>.<n>"), which valid keys cannot name.
bool IsTempName(std::string_view name) { return name.find(".tmp.") != std::string_view::npos; }

// The roots of the LocalObjectStores open in this process, so that the first store to open a root
// can remove the temp files a crash left there while a second one on the same root never removes
// the temp file of a Put in flight through the first. Process-wide state on purpose: the temp
// files are a property of the directory, not of one store object; PIDs cannot tell orphans apart
// because a restarted server often gets its predecessor's PID again (PID 1 in a container).
class OpenRoots {
 public:
  // Registers one more store on `root`, running `first_open` first if it is the only one. Other
  // stores on any root wait meanwhile, so no store on `root` can write while `first_open` runs.
  static void Acquire(const std::string& root, const std::function<void()>& first_open) {
    MutexLock lock(&mu());
    if (++counts()[Normalize(root)] == 1) first_open();
  }
  static void Release(const std::string& root) {
    MutexLock lock(&mu());
    auto it = counts().find(Normalize(root));
    if (it != counts().end() && --it->second == 0) counts().erase(it);
  }

 private:
  static std::string Normalize(std::string root) {
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    return root;
  }
  static Mutex& mu() {
    static Mutex mutex;
    return mutex;
  }
  static std::map<std::string, int>& counts() {
    static std::map<std::string, int> open;
    return open;
  }
};

// Objects are files under root_; Put writes a temp file, fsyncs, renames over the target and syncs
// the directory (WriteFileAtomic). Temp names contain ".tmp." which valid keys cannot. A crash
// between the write and the rename leaves the temp file behind: the first store to open a root in
// a process removes them (RemoveOrphanedTempFiles), before it serves any call.
class LocalObjectStore final : public ObjectStore {
 public:
  LocalObjectStore(FileSystem* fs, std::string root) : fs_(fs), root_(std::move(root)) {
    OpenRoots::Acquire(root_, [this] { RemoveOrphanedTempFiles(); });
  }
  ~LocalObjectStore() override { OpenRoots::Release(root_); }
  LocalObjectStore(const LocalObjectStore&) = delete;
  LocalObjectStore& operator=(const LocalObjectStore&) = delete;

  Status Put(const std::string& key, std::string_view data) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string path = JoinPath(root_, key);
    QUIVER_RETURN_IF_ERROR(fs_->CreateDirs(DirName(path)));
    return WriteFileAtomic(fs_, path, data);
  }

  Result<std::string> Get(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    return fs_->ReadFile(JoinPath(root_, key));
  }

  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    std::string path = JoinPath(root_, key);
    QUIVER_ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(path));
    if (offset > size) return Status::InvalidArgument("range starts past the end of", key);
    return fs_->ReadRange(path, offset, std::min(length, size - offset));
  }

  Result<ObjectInfo> Head(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    QUIVER_ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(JoinPath(root_, key)));
    return ObjectInfo{key, size};
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> out;
    // Walk only the directory that can hold the prefix.
    size_t slash = prefix.find_last_of('/');
    std::string dir_key = slash == std::string::npos ? "" : prefix.substr(0, slash);
    QUIVER_RETURN_IF_ERROR(Walk(dir_key, prefix, &out));
    std::sort(out.begin(), out.end(), [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return out;
  }

  Status Delete(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    Status st = fs_->Remove(JoinPath(root_, key));
    if (st.IsNotFound()) return Status::OK();
    return st;
  }

  Result<std::shared_ptr<MappedFile>> Map(const std::string& key) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    return fs_->Map(JoinPath(root_, key));
  }

 private:
  // Deletes every temp file under root_ (recursively) and logs how many went. Failures are logged
  // and skipped: a leftover temp file is invisible to List and costs only disk space.
  void RemoveOrphanedTempFiles() {
    size_t removed = 0;
    std::vector<std::string> dirs = {root_};
    while (!dirs.empty()) {
      std::string dir = std::move(dirs.back());
      dirs.pop_back();
      Result<std::vector<std::string>> names = fs_->ListDir(dir);
      if (!names.ok()) {
        if (!names.status().IsNotFound()) {
          QUIVER_LOG(WARN) << "cannot scan object store for temp files" << Kv("dir", dir)
                           << Kv("error", names.status().ToString());
        }
        continue;
      }
      for (const std::string& name : *names) {
        std::string path = JoinPath(dir, name);
        Result<std::vector<std::string>> sub = fs_->ListDir(path);
        if (sub.ok()) {
          dirs.push_back(std::move(path));
          continue;
        }
        sub.status().IgnoreError();  // a file
        if (!IsTempName(name)) continue;
        Status st = fs_->Remove(path);
        if (st.ok()) {
          ++removed;
        } else {
          QUIVER_LOG(WARN) << "cannot remove orphaned temp file" << Kv("path", path)
                           << Kv("error", st.ToString());
        }
      }
    }
    if (removed > 0) {
      QUIVER_LOG(INFO) << "removed orphaned temp files of interrupted writes" << Kv("root", root_)
                       << Kv("count", removed);
    }
  }

  Status Walk(const std::string& dir_key, const std::string& prefix, std::vector<ObjectInfo>* out) {
    std::string dir = dir_key.empty() ? root_ : JoinPath(root_, dir_key);
    Result<std::vector<std::string>> names = fs_->ListDir(dir);
    if (!names.ok()) {
      if (names.status().IsNotFound()) return Status::OK();
      return names.status();
    }
    for (const std::string& name : *names) {
      if (IsTempName(name)) continue;
      std::string key = dir_key.empty() ? name : dir_key + "/" + name;
      // Prune subtrees that cannot match.
      if (key.compare(0, std::min(key.size(), prefix.size()), prefix, 0,
                      std::min(key.size(), prefix.size())) != 0) {
        continue;
      }
      Result<std::vector<std::string>> sub = fs_->ListDir(JoinPath(root_, key));
      if (sub.ok()) {
        QUIVER_RETURN_IF_ERROR(Walk(key, prefix, out));
      } else if (key.compare(0, prefix.size(), prefix) == 0) {
        sub.status().IgnoreError();
        QUIVER_ASSIGN_OR_RETURN(uint64_t size, fs_->FileSize(JoinPath(root_, key)));
        out->push_back({key, size});
      } else {
        sub.status().IgnoreError();
      }
    }
    return Status::OK();
  }

  FileSystem* fs_;
  std::string root_;
};

class MemoryObjectStore final : public ObjectStore {
 public:
  Status Put(const std::string& key, std::string_view data) override {
    QUIVER_RETURN_IF_ERROR(ValidateObjectKey(key));
    MutexLock lock(&mu_);
    objects_[key] = std::string(data);
    return Status::OK();
  }
  Result<std::string> Get(const std::string& key) override {
    MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("no such object", key);
    return it->second;
  }
  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("no such object", key);
    if (offset > it->second.size()) return Status::InvalidArgument("range starts past the end of", key);
    return it->second.substr(offset, length);
  }
  Result<ObjectInfo> Head(const std::string& key) override {
    MutexLock lock(&mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return Status::NotFound("no such object", key);
    return ObjectInfo{key, it->second.size()};
  }
  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    MutexLock lock(&mu_);
    std::vector<ObjectInfo> out;
    for (auto it = objects_.lower_bound(prefix);
         it != objects_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it) {
      out.push_back({it->first, it->second.size()});
    }
    return out;
  }
  Status Delete(const std::string& key) override {
    MutexLock lock(&mu_);
    objects_.erase(key);
    return Status::OK();
  }
  Result<std::shared_ptr<MappedFile>> Map(const std::string& key) override {
    return Status::NotSupported("memory object store cannot map", key);
  }

 private:
  Mutex mu_;
  std::map<std::string, std::string> objects_ QUIVER_GUARDED_BY(mu_);
};

}  // namespace

std::unique_ptr<ObjectStore> NewLocalObjectStore(FileSystem* fs, std::string root) {
  return std::make_unique<LocalObjectStore>(fs, std::move(root));
}

std::unique_ptr<ObjectStore> NewMemoryObjectStore() { return std::make_unique<MemoryObjectStore>(); }

}  // namespace quiver::storage
