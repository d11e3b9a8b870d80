#pragma once

// ObjectStore: immutable blobs by key ("collections/7/segments/42/data"). Segment files, delta
// logs and index files live here. Implementations: LocalObjectStore (a directory, standalone),
// MemoryObjectStore (tests of upper layers), later an S3 client (distributed).
//
// Contract: Put is atomic — a reader sees the whole old object, the whole new one, or NotFound,
// never a prefix — and durable on return. Keys are '/'-separated, relative, without "." or ".."
// segments. Thread-safe.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/file_system.h"
#include "common/status.h"

namespace quiver::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key`, replacing any previous object. InvalidArgument for a bad key.
  virtual Status Put(const std::string& key, std::string_view data) = 0;
  // Whole object. NotFound if absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  // `length` bytes from `offset` (fewer at the end). NotFound if absent; InvalidArgument if
  // `offset` is past the end.
  virtual Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) = 0;
  virtual Result<ObjectInfo> Head(const std::string& key) = 0;
  // Every object whose key starts with `prefix`, sorted by key.
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // Removes the object; OK if it does not exist.
  virtual Status Delete(const std::string& key) = 0;
  // Maps the object into memory without copying where the store is local; NotSupported otherwise
  // (callers then fall back to Get).
  virtual Result<std::shared_ptr<MappedFile>> Map(const std::string& key) = 0;
};

// Returns InvalidArgument unless `key` is a valid object key.
Status ValidateObjectKey(std::string_view key);

// A directory of files; `fs` must outlive the store. Opening a root that no other store of this
// process has open removes the temp files that interrupted Puts (kill -9) left under it, so a temp
// file of a Put in flight is never touched; open the store before anything writes to it.
std::unique_ptr<ObjectStore> NewLocalObjectStore(FileSystem* fs, std::string root);
std::unique_ptr<ObjectStore> NewMemoryObjectStore();

}  // namespace quiver::storage
