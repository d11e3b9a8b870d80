// LocalMetaStore: the embedded MetaStore. The whole key space lives in memory (a std::map, as
// etcd keeps its index in memory) and every change is written through to RocksDB as one
// synchronous WriteBatch before the call returns, so an acknowledged change survives kill -9.
// Catalog data is small (collections, segments, checkpoints), so holding it in memory is cheap and
// keeps reads, watches and transactions simple and fast.
//
// A value is held once: the key space and the watch history share the KeyValue of a put
// (std::shared_ptr<const KeyValue>), and a put copies the caller's value exactly once.
//
// Watch history is bounded as etcd's auto-compaction bounds it (see LocalMetaStoreOptions), in
// two steps. The logical step moves compacted_revision_, persisted as "c", so watches from there
// fail with "watch revision compacted"; it takes whole revisions only, so no watch sees half a
// transaction. The physical step deletes the compacted "h" keys, at most kCompactionBatch per
// WriteBatch: inside the next commit's batch (no extra fsync) or from the background loop when the
// store is idle, so no call waits behind a large delete. Reload starts the history after "c" (and
// after the revision bound), and drops with one range delete whatever lies before, such as the
// history of an older version that kept 100,000 revisions.
//
// RocksDB key layout (all values use common/coding.h):
//   "c"                      -> fixed64 compacted revision (history at or below it is dead)
//   "k" key                  -> varint create_rev, mod_rev, version, lease; then the value bytes
//   "r"                      -> fixed64 current revision
//   "h" be64(rev) be32(seq)  -> event: u8 type, length-prefixed key, length-prefixed value,
//                               varint create_rev, mod_rev, version, lease   (watch history)
//   "l" be64(lease)          -> varint ttl seconds
//   "n"                      -> fixed64 next lease id
// Without a path the store is memory-only (the in-memory fake for tests of upper layers).

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "common/coding.h"
#include "common/log.h"
#include "common/mutex.h"
#include "storage/meta/meta_store.h"

namespace quiver::storage {
namespace {

using Clock = std::chrono::steady_clock;
using KvPtr = std::shared_ptr<const KeyValue>;

// History keys deleted per WriteBatch: bounds what compaction adds to one commit.
constexpr size_t kCompactionBatch = 1024;
// Memory charged to a history entry besides its key and value (entry, KeyValue, control block).
constexpr size_t kEntryOverhead = 128;

std::string BigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

uint64_t ParseBigEndian64(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
  return value;
}

std::string HistoryKey(Revision revision, uint32_t seq) {
  std::string key = "h" + BigEndian64(static_cast<uint64_t>(revision));
  char seq_bytes[4];
  EncodeFixed32(seq_bytes, __builtin_bswap32(seq));
  key.append(seq_bytes, 4);
  return key;
}

void EncodeKvMeta(std::string* out, const KeyValue& kv) {
  PutVarint64(out, static_cast<uint64_t>(kv.create_revision));
  PutVarint64(out, static_cast<uint64_t>(kv.mod_revision));
  PutVarint64(out, static_cast<uint64_t>(kv.version));
  PutVarint64(out, static_cast<uint64_t>(kv.lease));
}

bool DecodeKvMeta(Decoder* in, KeyValue* kv) {
  uint64_t create, mod, version, lease;
  if (!in->GetVarint64(&create) || !in->GetVarint64(&mod) || !in->GetVarint64(&version) ||
      !in->GetVarint64(&lease)) {
    return false;
  }
  kv->create_revision = static_cast<Revision>(create);
  kv->mod_revision = static_cast<Revision>(mod);
  kv->version = static_cast<int64_t>(version);
  kv->lease = static_cast<LeaseId>(lease);
  return true;
}

bool DecodeEvent(std::string_view data, WatchEvent* event) {
  if (data.empty()) return false;
  event->type = data[0] == 'p' ? WatchEvent::Type::kPut : WatchEvent::Type::kDelete;
  Decoder in(data.substr(1));
  std::string_view key, value;
  if (!in.GetLengthPrefixed(&key) || !in.GetLengthPrefixed(&value)) return false;
  event->kv.key = std::string(key);
  event->kv.value = std::string(value);
  return DecodeKvMeta(&in, &event->kv);
}

bool HasPrefix(const std::string& key, const std::string& prefix) {
  return key.compare(0, prefix.size(), prefix) == 0;
}

std::string Fixed64Value(uint64_t value) {
  std::string out;
  PutFixed64(&out, value);
  return out;
}

// One change in the watch history.
struct HistoryEntry {
  WatchEvent::Type type = WatchEvent::Type::kPut;
  uint32_t seq = 0;  // position within its revision, as in the RocksDB key
  KvPtr kv;          // shared with kvs_ while current; a delete carries key and mod_revision
  Clock::time_point time;  // commit time on options_.clock (reloaded history: the open)

  Revision revision() const { return kv->mod_revision; }
  size_t bytes() const { return kv->key.size() + kv->value.size() + kEntryOverhead; }
};

// Adds the "k" record of `kv` to `batch`, the value bytes going straight from the KeyValue.
void PutKeyRecord(rocksdb::WriteBatch* batch, const KeyValue& kv) {
  std::string key = "k" + kv.key;
  std::string meta;
  EncodeKvMeta(&meta, kv);
  rocksdb::Slice key_part(key);
  rocksdb::Slice value_parts[2] = {rocksdb::Slice(meta), rocksdb::Slice(kv.value)};
  batch->Put(rocksdb::SliceParts(&key_part, 1), rocksdb::SliceParts(value_parts, 2));
}

// Adds the "h" record of `entry` to `batch` (same bytes as DecodeEvent reads).
void PutHistoryRecord(rocksdb::WriteBatch* batch, const HistoryEntry& entry) {
  std::string key = HistoryKey(entry.revision(), entry.seq);
  std::string head(1, entry.type == WatchEvent::Type::kPut ? 'p' : 'd');
  PutLengthPrefixed(&head, entry.kv->key);
  PutVarint64(&head, entry.kv->value.size());
  std::string meta;
  EncodeKvMeta(&meta, *entry.kv);
  rocksdb::Slice key_part(key);
  rocksdb::Slice value_parts[3] = {rocksdb::Slice(head), rocksdb::Slice(entry.kv->value),
                                   rocksdb::Slice(meta)};
  batch->Put(rocksdb::SliceParts(&key_part, 1), rocksdb::SliceParts(value_parts, 3));
}

class LocalMetaStore;

class LocalWatcher final : public Watcher {
 public:
  LocalWatcher(LocalMetaStore* store, std::string prefix, Revision next)
      : store_(store), prefix_(std::move(prefix)), next_(next) {}
  Result<std::vector<WatchEvent>> Next(std::chrono::milliseconds timeout) override;
  void Cancel() override { cancelled_.store(true); }

 private:
  LocalMetaStore* store_;
  std::string prefix_;
  Revision next_;
  std::atomic<bool> cancelled_{false};
};

class LocalMetaStore final : public MetaStore {
 public:
  explicit LocalMetaStore(LocalMetaStoreOptions options) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = [] { return Clock::now(); };
  }

  ~LocalMetaStore() override {
    {
      MutexLock lock(&mu_);
      closing_ = true;
    }
    cv_.SignalAll();
    if (background_thread_.joinable()) background_thread_.join();
  }

  Status Open() {
    if (!options_.path.empty()) {
      rocksdb::Options db_options;
      db_options.create_if_missing = true;
      db_options.max_open_files = 256;
      db_options.keep_log_file_num = 4;
      rocksdb::DB* db = nullptr;
      rocksdb::Status st = rocksdb::DB::Open(db_options, options_.path, &db);
      if (!st.ok()) return Status::IOError("cannot open metadata store", st.ToString());
      db_.reset(db);
      QUIVER_RETURN_IF_ERROR(Load());
    }
    background_thread_ = std::thread([this] { BackgroundLoop(); });
    return Status::OK();
  }

  Result<std::optional<KeyValue>> Get(const std::string& key) override {
    MutexLock lock(&mu_);
    auto it = kvs_.find(key);
    if (it == kvs_.end()) return std::optional<KeyValue>();
    return std::optional<KeyValue>(*it->second);
  }

  Result<RangeResult> Range(const std::string& prefix, size_t limit) override {
    MutexLock lock(&mu_);
    RangeResult result;
    result.revision = revision_;
    for (auto it = kvs_.lower_bound(prefix); it != kvs_.end() && HasPrefix(it->first, prefix); ++it) {
      if (limit != 0 && result.kvs.size() >= limit) break;
      result.kvs.push_back(*it->second);
    }
    return result;
  }

  Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease) override {
    std::vector<TxnOp> ops;
    ops.push_back(TxnOp::Put(key, value, lease));  // the one copy of the value
    MutexLock lock(&mu_);
    QUIVER_RETURN_IF_ERROR(CommitLocked(std::move(ops)));
    return revision_;
  }

  Result<Revision> Delete(const std::string& key) override {
    MutexLock lock(&mu_);
    QUIVER_RETURN_IF_ERROR(CommitLocked({TxnOp::Delete(key)}));
    return revision_;
  }

  Result<Revision> DeletePrefix(const std::string& prefix) override {
    MutexLock lock(&mu_);
    QUIVER_RETURN_IF_ERROR(CommitLocked({TxnOp::DeletePrefix(prefix)}));
    return revision_;
  }

  Result<TxnResponse> Txn(const TxnRequest& request) override {
    MutexLock lock(&mu_);
    bool succeeded = std::all_of(request.compares.begin(), request.compares.end(),
                                 [this](const Compare& compare) QUIVER_REQUIRES(mu_) {
                                   return Evaluate(compare);
                                 });
    // The one copy of the chosen branch's values; ApplyLocked moves them into the store.
    std::vector<TxnOp> ops = succeeded ? request.success : request.failure;
    QUIVER_RETURN_IF_ERROR(CommitLocked(std::move(ops)));
    return TxnResponse{succeeded, revision_};
  }

  Result<std::unique_ptr<Watcher>> Watch(const std::string& prefix, Revision start) override {
    MutexLock lock(&mu_);
    Revision next = start <= 0 ? revision_ + 1 : start;
    if (next <= compacted_revision_) {
      return Status::NotFound("watch revision compacted", std::to_string(start));
    }
    return std::unique_ptr<Watcher>(std::make_unique<LocalWatcher>(this, prefix, next));
  }

  Result<LeaseId> GrantLease(std::chrono::seconds ttl) override {
    if (ttl.count() <= 0) return Status::InvalidArgument("lease TTL must be positive");
    MutexLock lock(&mu_);
    LeaseId id = next_lease_id_++;
    if (db_) {
      rocksdb::WriteBatch batch;
      std::string ttl_bytes;
      PutVarint64(&ttl_bytes, static_cast<uint64_t>(ttl.count()));
      batch.Put("l" + BigEndian64(static_cast<uint64_t>(id)), ttl_bytes);
      batch.Put("n", Fixed64Value(static_cast<uint64_t>(next_lease_id_)));
      QUIVER_RETURN_IF_ERROR(Write(&batch));
    }
    leases_[id] = Lease{ttl, options_.clock() + ttl, {}};
    return id;
  }

  Status KeepAlive(LeaseId lease) override {
    MutexLock lock(&mu_);
    auto it = leases_.find(lease);
    if (it == leases_.end()) return Status::NotFound("no such lease", std::to_string(lease));
    it->second.expiry = options_.clock() + it->second.ttl;
    return Status::OK();
  }

  Status RevokeLease(LeaseId lease) override {
    MutexLock lock(&mu_);
    return RevokeLocked(lease);
  }

  Revision CurrentRevision() override {
    MutexLock lock(&mu_);
    return revision_;
  }

  // For LocalWatcher.
  Result<std::vector<WatchEvent>> Poll(const std::string& prefix, Revision* next,
                                       std::chrono::milliseconds timeout,
                                       const std::atomic<bool>& cancelled) {
    auto deadline = Clock::now() + timeout;
    MutexLock lock(&mu_);
    while (true) {
      if (cancelled.load() || closing_) return Status::Aborted("watch cancelled");
      if (*next <= compacted_revision_) {
        return Status::NotFound("watch revision compacted", std::to_string(*next));
      }
      std::vector<WatchEvent> out;
      if (*next <= revision_) {
        // Entries at or below compacted_revision_ may still sit at the front awaiting deletion;
        // *next is above it, so the search skips them.
        auto it = std::lower_bound(history_.begin(), history_.end(), *next,
                                   [](const HistoryEntry& entry, Revision revision) {
                                     return entry.revision() < revision;
                                   });
        for (; it != history_.end(); ++it) {
          if (HasPrefix(it->kv->key, prefix)) out.push_back(WatchEvent{it->type, *it->kv});
        }
        *next = revision_ + 1;
        if (!out.empty()) return out;
      }
      auto now = Clock::now();
      if (now >= deadline) return out;
      cv_.WaitFor(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
  }

  LocalMetaStoreHistory TEST_History() {
    MutexLock lock(&mu_);
    LocalMetaStoreHistory out;
    out.memory_events = history_.size();
    out.compacted_revision = compacted_revision_;
    if (db_) {
      std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
      for (it->Seek("h"); it->Valid() && it->key().starts_with("h"); it->Next()) ++out.disk_events;
    }
    return out;
  }

 private:
  struct Lease {
    std::chrono::seconds ttl;
    Clock::time_point expiry;
    std::set<std::string> keys;
  };

  // What one compaction step changes; applied to memory only once its batch is written.
  struct CompactionPlan {
    Revision compacted = 0;        // the new compacted_revision_
    size_t compacted_entries = 0;  // the new compacted_entries_
    size_t compacted_bytes = 0;    // the new compacted_bytes_
    size_t erase = 0;              // front entries whose keys the batch deletes
  };

  bool Evaluate(const Compare& compare) QUIVER_REQUIRES(mu_) {
    auto it = kvs_.find(compare.key);
    if (compare.target == Compare::Target::kValue) {
      if (it == kvs_.end()) return false;
      int cmp = it->second->value.compare(compare.value);
      switch (compare.op) {
        case Compare::Op::kEqual: return cmp == 0;
        case Compare::Op::kNotEqual: return cmp != 0;
        case Compare::Op::kLess: return cmp < 0;
        case Compare::Op::kGreater: return cmp > 0;
      }
      return false;
    }
    int64_t actual = 0;
    if (it != kvs_.end()) {
      switch (compare.target) {
        case Compare::Target::kVersion: actual = it->second->version; break;
        case Compare::Target::kCreateRevision: actual = it->second->create_revision; break;
        case Compare::Target::kModRevision: actual = it->second->mod_revision; break;
        case Compare::Target::kValue: break;
      }
    }
    switch (compare.op) {
      case Compare::Op::kEqual: return actual == compare.number;
      case Compare::Op::kNotEqual: return actual != compare.number;
      case Compare::Op::kLess: return actual < compare.number;
      case Compare::Op::kGreater: return actual > compare.number;
    }
    return false;
  }

  Status CommitLocked(std::vector<TxnOp> ops) QUIVER_REQUIRES(mu_) {
    if (closing_) return Status::Unavailable("metadata store closing");
    for (const TxnOp& op : ops) {
      if (op.type == TxnOp::Type::kPut && op.lease != 0 && !leases_.count(op.lease)) {
        return Status::NotFound("no such lease", std::to_string(op.lease));
      }
    }
    return ApplyLocked(std::move(ops));
  }

  // Applies `ops` at revision_ + 1 (if anything changes): RocksDB first, then memory. The values
  // are moved out of `ops`.
  Status ApplyLocked(std::vector<TxnOp> ops) QUIVER_REQUIRES(mu_) {
    Revision rev = revision_ + 1;
    Clock::time_point now = options_.clock();
    std::vector<HistoryEntry> events;
    // Staged versions of touched keys (nullptr = deleted): a failed write leaves memory unchanged.
    std::map<std::string, KvPtr> staged;
    auto current = [&](const std::string& key) QUIVER_REQUIRES(mu_) -> KvPtr {
      auto s = staged.find(key);
      if (s != staged.end()) return s->second;
      auto it = kvs_.find(key);
      return it == kvs_.end() ? nullptr : it->second;
    };
    auto remove = [&](const std::string& key) QUIVER_REQUIRES(mu_) {
      if (!current(key)) return;
      auto tombstone = std::make_shared<KeyValue>();
      tombstone->key = key;
      tombstone->mod_revision = rev;
      events.push_back({WatchEvent::Type::kDelete, static_cast<uint32_t>(events.size()),
                        std::move(tombstone), now});
      staged[key] = nullptr;
    };
    for (TxnOp& op : ops) {
      switch (op.type) {
        case TxnOp::Type::kPut: {
          KvPtr old = current(op.key);
          auto kv = std::make_shared<KeyValue>();
          kv->key = op.key;
          kv->value = std::move(op.value);
          kv->create_revision = old ? old->create_revision : rev;
          kv->mod_revision = rev;
          kv->version = old ? old->version + 1 : 1;
          kv->lease = op.lease;
          events.push_back({WatchEvent::Type::kPut, static_cast<uint32_t>(events.size()), kv, now});
          staged[op.key] = std::move(kv);
          break;
        }
        case TxnOp::Type::kDelete:
          remove(op.key);
          break;
        case TxnOp::Type::kDeletePrefix: {
          std::vector<std::string> keys;
          for (auto it = kvs_.lower_bound(op.key); it != kvs_.end() && HasPrefix(it->first, op.key); ++it) {
            keys.push_back(it->first);
          }
          for (const auto& [key, value] : staged) {
            if (HasPrefix(key, op.key) && value) keys.push_back(key);
          }
          for (const auto& key : keys) remove(key);
          break;
        }
      }
    }
    if (events.empty()) return Status::OK();

    size_t incoming_bytes = 0;
    for (const HistoryEntry& event : events) incoming_bytes += event.bytes();
    rocksdb::WriteBatch batch;
    CompactionPlan plan = PlanCompactionLocked(rev, incoming_bytes, now, db_ ? &batch : nullptr);
    if (db_) {
      for (const auto& [key, kv] : staged) {
        if (kv) {
          PutKeyRecord(&batch, *kv);
        } else {
          batch.Delete("k" + key);
        }
      }
      batch.Put("r", Fixed64Value(static_cast<uint64_t>(rev)));
      for (const HistoryEntry& event : events) PutHistoryRecord(&batch, event);
      QUIVER_RETURN_IF_ERROR(Write(&batch));
    }
    // Commit to memory.
    for (auto& [key, kv] : staged) {
      auto old = kvs_.find(key);
      if (old != kvs_.end() && old->second->lease != 0) {
        auto lease = leases_.find(old->second->lease);
        if (lease != leases_.end()) lease->second.keys.erase(key);
      }
      if (kv) {
        if (kv->lease != 0) leases_[kv->lease].keys.insert(key);
        kvs_[key] = std::move(kv);
      } else {
        kvs_.erase(key);
      }
    }
    ApplyCompactionLocked(plan);
    for (auto& event : events) history_.push_back(std::move(event));
    history_bytes_ += incoming_bytes;
    revision_ = rev;
    cv_.SignalAll();
    return Status::OK();
  }

  // Decides the compaction due at `now` for a store about to be at revision `upcoming` with
  // `incoming_bytes` more history (from the background loop: revision_ and 0), and adds its RocksDB
  // side to `batch` (nullptr without RocksDB). Only revisions up to revision_ are compacted, never
  // the one being committed.
  CompactionPlan PlanCompactionLocked(Revision upcoming, size_t incoming_bytes,
                                      Clock::time_point now, rocksdb::WriteBatch* batch)
      QUIVER_REQUIRES(mu_) {
    CompactionPlan plan{compacted_revision_, compacted_entries_, compacted_bytes_, 0};
    Revision target = compacted_revision_;
    if (options_.history_max_revisions > 0) {
      target = std::max(target, upcoming - static_cast<Revision>(options_.history_max_revisions));
    }
    target = std::min(target, revision_);
    // Walk the live history from its oldest entry while a bound says it must go.
    size_t retained_bytes = history_bytes_ - compacted_bytes_ + incoming_bytes;
    size_t index = compacted_entries_;
    for (; index < history_.size(); ++index) {
      const HistoryEntry& entry = history_[index];
      if (entry.revision() > target) {
        bool expired = options_.history_max_age.count() > 0 &&
                       now - entry.time >= options_.history_max_age;
        bool over_budget =
            options_.history_max_bytes > 0 && retained_bytes > options_.history_max_bytes;
        if (!expired && !over_budget) break;
        target = entry.revision();  // whole revisions: the rest of it follows in this loop
      }
      retained_bytes -= entry.bytes();
      plan.compacted_bytes += entry.bytes();
    }
    plan.compacted = target;
    plan.compacted_entries = index;
    // Memory-only stores have no IO to bound.
    plan.erase = db_ ? std::min(index, kCompactionBatch) : index;
    if (batch != nullptr) {
      if (target > compacted_revision_) {
        batch->Put("c", Fixed64Value(static_cast<uint64_t>(target)));
      }
      for (size_t i = 0; i < plan.erase; ++i) {
        batch->Delete(HistoryKey(history_[i].revision(), history_[i].seq));
      }
    }
    return plan;
  }

  void ApplyCompactionLocked(const CompactionPlan& plan) QUIVER_REQUIRES(mu_) {
    compacted_revision_ = plan.compacted;
    compacted_entries_ = plan.compacted_entries;
    compacted_bytes_ = plan.compacted_bytes;
    for (size_t i = 0; i < plan.erase; ++i) {
      size_t bytes = history_.front().bytes();
      history_bytes_ -= bytes;
      compacted_bytes_ -= bytes;
      --compacted_entries_;
      history_.pop_front();
    }
  }

  // Compaction between commits: age-based expiry of an idle store, and the deletion of compacted
  // keys left over when one commit had more than a batch of them.
  void CompactIdleLocked() QUIVER_REQUIRES(mu_) {
    rocksdb::WriteBatch batch;
    CompactionPlan plan =
        PlanCompactionLocked(revision_, 0, options_.clock(), db_ ? &batch : nullptr);
    if (plan.compacted == compacted_revision_ && plan.erase == 0) return;
    if (db_) {
      Status st = Write(&batch);
      if (!st.ok()) {
        // Retried on the next tick; the history stays readable meanwhile.
        QUIVER_LOG(WARN) << "metadata history compaction failed" << Kv("error", st.ToString());
        return;
      }
    }
    ApplyCompactionLocked(plan);
  }

  Status RevokeLocked(LeaseId lease) QUIVER_REQUIRES(mu_) {
    auto it = leases_.find(lease);
    if (it == leases_.end()) return Status::NotFound("no such lease", std::to_string(lease));
    std::vector<TxnOp> ops;
    for (const auto& key : it->second.keys) ops.push_back(TxnOp::Delete(key));
    QUIVER_RETURN_IF_ERROR(ApplyLocked(std::move(ops)));
    if (db_) {
      rocksdb::WriteBatch batch;
      batch.Delete("l" + BigEndian64(static_cast<uint64_t>(lease)));
      QUIVER_RETURN_IF_ERROR(Write(&batch));
    }
    leases_.erase(lease);
    return Status::OK();
  }

  // Lease expiry and idle history compaction, every lease_check_interval.
  void BackgroundLoop() {
    MutexLock lock(&mu_);
    while (!closing_) {
      cv_.WaitFor(options_.lease_check_interval);
      if (closing_) break;
      auto now = options_.clock();
      std::vector<LeaseId> expired;
      for (const auto& [id, lease] : leases_) {
        if (lease.expiry <= now) expired.push_back(id);
      }
      for (LeaseId id : expired) {
        Status st = RevokeLocked(id);
        if (!st.ok()) {
          QUIVER_LOG(ERROR) << "lease revocation failed" << Kv("lease", id) << Kv("error", st.ToString());
        }
      }
      CompactIdleLocked();
    }
  }

  Status Write(rocksdb::WriteBatch* batch) {
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    rocksdb::Status st = db_->Write(write_options, batch);
    if (!st.ok()) {
      if (st.IsNoSpace()) return Status::ResourceExhausted("metadata store: disk full", st.ToString());
      return Status::IOError("metadata store write failed", st.ToString());
    }
    return Status::OK();
  }

  // Reads a fixed64 record; std::nullopt if absent.
  Result<std::optional<uint64_t>> ReadFixed64(const char* key, const char* what) {
    std::string value;
    rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), key, &value);
    if (st.IsNotFound()) return std::optional<uint64_t>();
    if (!st.ok()) return Status::IOError("metadata store read failed", st.ToString());
    if (value.size() != 8) return Status::Corruption(what);
    return std::optional<uint64_t>(DecodeFixed64(value.data()));
  }

  Status Load() QUIVER_NO_THREAD_SAFETY_ANALYSIS {
    QUIVER_ASSIGN_OR_RETURN(auto revision, ReadFixed64("r", "bad metadata revision"));
    revision_ = static_cast<Revision>(revision.value_or(0));
    QUIVER_ASSIGN_OR_RETURN(auto next_lease, ReadFixed64("n", "bad lease counter"));
    if (next_lease) next_lease_id_ = static_cast<LeaseId>(*next_lease);
    QUIVER_ASSIGN_OR_RETURN(auto stored_compacted, ReadFixed64("c", "bad compacted revision"));

    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek("k"); it->Valid() && it->key().starts_with("k"); it->Next()) {
      auto kv = std::make_shared<KeyValue>();
      kv->key = it->key().ToString().substr(1);
      Decoder in(std::string_view(it->value().data(), it->value().size()));
      if (!DecodeKvMeta(&in, kv.get())) return Status::Corruption("bad metadata entry", kv->key);
      kv->value = std::string(in.remaining());
      if (kv->lease != 0) leases_[kv->lease].keys.insert(kv->key);
      kvs_[kv->key] = std::move(kv);
    }
    for (it->Seek("l"); it->Valid() && it->key().starts_with("l"); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      Decoder in(std::string_view(it->value().data(), it->value().size()));
      uint64_t ttl;
      if (key.size() != 9 || !in.GetVarint64(&ttl)) return Status::Corruption("bad lease entry");
      // As etcd does, a recovered lease gets a fresh TTL: its holder has that long to renew.
      Lease& lease = leases_[static_cast<LeaseId>(ParseBigEndian64(key.substr(1)))];
      lease.ttl = std::chrono::seconds(ttl);
      lease.expiry = options_.clock() + lease.ttl;
    }
    if (!it->status().ok()) return Status::IOError("metadata store scan failed", it->status().ToString());
    QUIVER_RETURN_IF_ERROR(LoadHistory(it.get(), stored_compacted));
    return Status::OK();
  }

  // Loads the retained history: after the stored compacted revision, within the revision and byte
  // bounds. Older history keys (a crash between compaction batches, or a store written with larger
  // bounds) are removed with one range delete and their space reclaimed now.
  Status LoadHistory(rocksdb::Iterator* it, std::optional<uint64_t> stored_compacted)
      QUIVER_NO_THREAD_SAFETY_ANALYSIS {
    auto history_revision = [](const rocksdb::Slice& key) {
      return static_cast<Revision>(ParseBigEndian64(std::string_view(key.data() + 1, 8)));
    };
    auto is_history = [](const rocksdb::Slice& key) { return key.size() == 13 && key[0] == 'h'; };
    it->Seek("h");
    std::optional<Revision> oldest;
    if (it->Valid() && is_history(it->key())) oldest = history_revision(it->key());
    // Stores written before "c" existed compacted up to just below their oldest history entry.
    Revision floor = stored_compacted ? static_cast<Revision>(*stored_compacted)
                                      : (oldest ? *oldest - 1 : revision_);
    if (options_.history_max_revisions > 0) {
      floor = std::max(floor, revision_ - static_cast<Revision>(options_.history_max_revisions));
    }
    if (options_.history_max_bytes > 0) {
      // Newest first, until the byte budget is spent; the revision that overflows it goes whole.
      size_t bytes = 0;
      for (it->SeekForPrev("i"); it->Valid() && is_history(it->key()); it->Prev()) {
        Revision revision = history_revision(it->key());
        if (revision <= floor) break;
        bytes += it->value().size() + kEntryOverhead;
        if (bytes > options_.history_max_bytes) {
          floor = revision;
          break;
        }
      }
    }
    floor = std::max<Revision>(0, std::min(floor, revision_));
    Clock::time_point now = options_.clock();
    for (it->Seek(HistoryKey(floor + 1, 0)); it->Valid() && is_history(it->key()); it->Next()) {
      WatchEvent event;
      if (!DecodeEvent(std::string_view(it->value().data(), it->value().size()), &event)) {
        return Status::Corruption("bad metadata history entry");
      }
      HistoryEntry entry;
      entry.type = event.type;
      entry.seq = __builtin_bswap32(DecodeFixed32(it->key().data() + 9));
      entry.time = now;
      // The latest put of a key shares the KeyValue already loaded for it.
      auto current = kvs_.find(event.kv.key);
      if (event.type == WatchEvent::Type::kPut && current != kvs_.end() &&
          current->second->mod_revision == event.kv.mod_revision) {
        entry.kv = current->second;
      } else {
        entry.kv = std::make_shared<KeyValue>(std::move(event.kv));
      }
      history_bytes_ += entry.bytes();
      history_.push_back(std::move(entry));
    }
    if (!it->status().ok()) {
      return Status::IOError("metadata history scan failed", it->status().ToString());
    }
    compacted_revision_ = floor;

    bool stale = oldest && *oldest <= floor;
    if (!stale && stored_compacted == static_cast<uint64_t>(floor)) return Status::OK();
    rocksdb::WriteBatch batch;
    batch.Put("c", Fixed64Value(static_cast<uint64_t>(floor)));
    std::string end = HistoryKey(floor + 1, 0);
    if (stale) batch.DeleteRange("h", end);
    QUIVER_RETURN_IF_ERROR(Write(&batch));
    if (stale) {
      rocksdb::Slice begin_key("h"), end_key(end);
      rocksdb::Status st = db_->CompactRange(rocksdb::CompactRangeOptions(), &begin_key, &end_key);
      if (!st.ok()) {
        // The keys are already deleted; RocksDB reclaims the space in its own compactions.
        QUIVER_LOG(WARN) << "metadata history space not reclaimed" << Kv("error", st.ToString());
      }
      QUIVER_LOG(INFO) << "metadata history compacted at open" << Kv("compacted_revision", floor)
                       << Kv("retained_events", history_.size());
    }
    return Status::OK();
  }

  LocalMetaStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool closing_ QUIVER_GUARDED_BY(mu_) = false;
  std::map<std::string, KvPtr> kvs_ QUIVER_GUARDED_BY(mu_);
  Revision revision_ QUIVER_GUARDED_BY(mu_) = 0;
  // Watches from at or below this revision fail; history_ holds the revisions after it, preceded by
  // compacted_entries_ compacted entries (compacted_bytes_ of them) whose keys await deletion.
  Revision compacted_revision_ QUIVER_GUARDED_BY(mu_) = 0;
  std::deque<HistoryEntry> history_ QUIVER_GUARDED_BY(mu_);
  size_t history_bytes_ QUIVER_GUARDED_BY(mu_) = 0;  // sum of bytes() over history_
  size_t compacted_entries_ QUIVER_GUARDED_BY(mu_) = 0;
  size_t compacted_bytes_ QUIVER_GUARDED_BY(mu_) = 0;
  std::map<LeaseId, Lease> leases_ QUIVER_GUARDED_BY(mu_);
  LeaseId next_lease_id_ QUIVER_GUARDED_BY(mu_) = 1;
  std::thread background_thread_;
};

Result<std::vector<WatchEvent>> LocalWatcher::Next(std::chrono::milliseconds timeout) {
  return store_->Poll(prefix_, &next_, timeout, cancelled_);
}

}  // namespace

Result<std::unique_ptr<MetaStore>> OpenLocalMetaStore(LocalMetaStoreOptions options) {
  auto store = std::make_unique<LocalMetaStore>(std::move(options));
  QUIVER_RETURN_IF_ERROR(store->Open());
  return std::unique_ptr<MetaStore>(std::move(store));
}

LocalMetaStoreHistory TEST_GetLocalMetaStoreHistory(MetaStore* store) {
  auto* local = dynamic_cast<LocalMetaStore*>(store);
  QUIVER_CHECK(local != nullptr);
  return local->TEST_History();
}

}  // namespace quiver::storage
