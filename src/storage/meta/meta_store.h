#pragma once

// MetaStore: the small, strongly consistent key-value store holding the catalog, segment lists,
// channel checkpoints and load state. Its model is etcd v3's, so the distributed implementation is
// a thin etcd client: every change bumps a global revision; each key remembers the revisions that
// created and last modified it; transactions compare revisions or values and then apply a list of
// operations atomically; watches stream the changes under a prefix starting from a revision;
// leases expire and delete the keys attached to them.
//
// Implementations: LocalMetaStore (RocksDB in the data directory, or purely in memory for tests).
// All methods are thread-safe.

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace quiver::storage {

using Revision = int64_t;
using LeaseId = int64_t;

struct KeyValue {
  std::string key;
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;  // number of puts since creation
  LeaseId lease = 0;
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // sorted by key
  Revision revision = 0;      // store revision at the time of the read
};

struct Compare {
  enum class Target { kValue, kVersion, kCreateRevision, kModRevision };
  enum class Op { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kModRevision;
  Op op = Op::kEqual;
  std::string value;     // for kValue
  int64_t number = 0;    // for the others; a missing key has version/revisions 0

  static Compare ModRevision(std::string key, Op op, int64_t revision) {
    return {std::move(key), Target::kModRevision, op, {}, revision};
  }
  static Compare Version(std::string key, Op op, int64_t version) {
    return {std::move(key), Target::kVersion, op, {}, version};
  }
  static Compare Value(std::string key, Op op, std::string value) {
    return {std::move(key), Target::kValue, op, std::move(value), 0};
  }
  // True iff the key does not exist.
  static Compare Absent(std::string key) { return Version(std::move(key), Op::kEqual, 0); }
};

struct TxnOp {
  enum class Type { kPut, kDelete, kDeletePrefix };
  Type type = Type::kPut;
  std::string key;
  std::string value;
  LeaseId lease = 0;

  static TxnOp Put(std::string key, std::string value, LeaseId lease = 0) {
    return {Type::kPut, std::move(key), std::move(value), lease};
  }
  static TxnOp Delete(std::string key) { return {Type::kDelete, std::move(key), {}, 0}; }
  static TxnOp DeletePrefix(std::string prefix) {
    return {Type::kDeletePrefix, std::move(prefix), {}, 0};
  }
};

struct TxnRequest {
  std::vector<Compare> compares;
  std::vector<TxnOp> success;
  std::vector<TxnOp> failure;
};

struct TxnResponse {
  bool succeeded = false;
  Revision revision = 0;  // store revision after the transaction
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for deletes: key and mod_revision (the deleting revision)
};

// A stream of changes under a prefix. Not thread-safe: one consumer.
class Watcher {
 public:
  virtual ~Watcher() = default;
  // Events in revision order, waiting up to `timeout` for at least one. Returns an empty vector on
  // timeout; Aborted once cancelled or the store closes; OutOfRange-style NotFound ("compacted")
  // when the watch fell behind the retained history.
  virtual Result<std::vector<WatchEvent>> Next(std::chrono::milliseconds timeout) = 0;
  virtual void Cancel() = 0;
};

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // The key, or std::nullopt if absent.
  virtual Result<std::optional<KeyValue>> Get(const std::string& key) = 0;
  // Every key starting with `prefix` (limit 0 = no limit), sorted.
  virtual Result<RangeResult> Range(const std::string& prefix, size_t limit = 0) = 0;
  // Returns the new store revision. NotFound if `lease` is set and unknown.
  virtual Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease = 0) = 0;
  // Returns the store revision (unchanged if the key was absent).
  virtual Result<Revision> Delete(const std::string& key) = 0;
  virtual Result<Revision> DeletePrefix(const std::string& prefix) = 0;
  // Atomic compare-and-swap over several keys.
  virtual Result<TxnResponse> Txn(const TxnRequest& request) = 0;

  // Streams changes to keys under `prefix` with revision >= `start_revision` (0 = from now on).
  // NotFound ("watch revision compacted") if `start_revision` is at or below the compacted
  // revision: the caller re-lists and watches from the listed revision + 1.
  virtual Result<std::unique_ptr<Watcher>> Watch(const std::string& prefix, Revision start_revision) = 0;

  // Leases: keys put with a lease are deleted when it expires or is revoked.
  virtual Result<LeaseId> GrantLease(std::chrono::seconds ttl) = 0;
  // Restarts the lease's countdown. NotFound if it expired or never existed.
  virtual Status KeepAlive(LeaseId lease) = 0;
  virtual Status RevokeLease(LeaseId lease) = 0;

  virtual Revision CurrentRevision() = 0;
};

struct LocalMetaStoreOptions {
  // RocksDB directory; empty = in memory only (tests).
  std::string path;
  // Watch history retention, as etcd's auto-compaction (modes "revision" and "periodic" at once):
  // a revision is compacted once it is more than `history_max_revisions` behind the current one or
  // older than `history_max_age`, and the oldest revisions go while the history holds more than
  // `history_max_bytes` of keys and values. 0 disables a bound. Watch() from a compacted revision
  // fails with NotFound("watch revision compacted"): re-list with Range() and watch from the
  // returned revision + 1. History reloaded at open counts as written at open.
  size_t history_max_revisions = 10000;
  std::chrono::milliseconds history_max_age = std::chrono::minutes(10);
  size_t history_max_bytes = size_t{64} << 20;
  // fsync every commit before it returns. Disable only in tests.
  bool sync = true;
  // Lease expiry and age-based history compaction are checked this often.
  std::chrono::milliseconds lease_check_interval{100};
  // Injectable monotonic clock for lease and history-age tests (nullptr = steady_clock).
  std::function<std::chrono::steady_clock::time_point()> clock;
};

Result<std::unique_ptr<MetaStore>> OpenLocalMetaStore(LocalMetaStoreOptions options);

// Test hook: the watch history held by `store`, which must come from OpenLocalMetaStore.
struct LocalMetaStoreHistory {
  size_t memory_events = 0;  // events in memory, compacted ones not yet deleted included
  size_t disk_events = 0;    // history keys in RocksDB (0 without a path)
  Revision compacted_revision = 0;
};
LocalMetaStoreHistory TEST_GetLocalMetaStoreHistory(MetaStore* store);

}  // namespace quiver::storage
