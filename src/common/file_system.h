#pragma once

// FileSystem: all file access of the storage layer goes through this interface (LevelDB's Env), so
// tests can inject faults (storage/fault_injection.h) and crash a writer between any two steps.
// PosixFileSystem is the real implementation.
//
// Thread safety: FileSystem implementations are thread-safe; a WritableFile is used by one thread
// at a time.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace quiver {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends to the end of the file (buffered; durable only after Sync()).
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual Status Sync() = 0;
  virtual Status Close() = 0;
  // Bytes in the file, including unsynced appends.
  virtual uint64_t size() const = 0;
};

// A read-only memory map of a whole file. Unmapped when the last reference goes.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::span<const uint8_t> data() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for appending, creating it if missing; `truncate` empties it first.
  virtual Result<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path,
                                                             bool truncate) = 0;
  // Reads the whole file. NotFound if it does not exist.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Reads `length` bytes at `offset` (fewer at end of file). NotFound if missing.
  virtual Result<std::string> ReadRange(const std::string& path, uint64_t offset, uint64_t length) = 0;
  // Maps the file read-only. NotSupported where mapping is impossible (fault injection, fakes).
  virtual Result<std::shared_ptr<MappedFile>> Map(const std::string& path) = 0;
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Atomically replaces `to` with `from` (rename(2)); the caller syncs the directory.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // mkdir -p.
  virtual Status CreateDirs(const std::string& path) = 0;
  // Removes a directory tree; OK if it does not exist.
  virtual Status RemoveAll(const std::string& path) = 0;
  // Names (not paths) of the entries of directory `path`, sorted. NotFound if missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // fsync of a directory, making renames and creations in it durable.
  virtual Status SyncDir(const std::string& path) = 0;
};

// Returns the POSIX implementation.
std::unique_ptr<FileSystem> NewPosixFileSystem();

// Writes `data` to `path` atomically and durably: temp file, fsync, rename, fsync of the directory.
Status WriteFileAtomic(FileSystem* fs, const std::string& path, std::string_view data);

// "a/b/c" -> "a/b"; "c" -> ".".
std::string DirName(const std::string& path);
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace quiver
