// LocalMetaStore: the embedded MetaStore. The whole key space lives in memory (a std::map, as
// etcd keeps its index in memory) and every change is written through to RocksDB as one
// synchronous WriteBatch before the call returns, so an acknowledged change survives kill -9.
// Catalog data is small (collections, segments, checkpoints), so holding it in memory is cheap and
// keeps reads, watches and transactions simple and fast.
//
// RocksDB key layout (all values use common/coding.h):
//   "k" key                  -> varint create_rev, mod_rev, version, lease; then the value bytes
//   "r"                      -> fixed64 current revision
//   "h" be64(rev) be32(seq)  -> event: u8 type, length-prefixed key, length-prefixed value,
//                               varint create_rev, mod_rev, version, lease   (watch history)
//   "l" be64(lease)          -> varint ttl seconds
//   "n"                      -> fixed64 next lease id
// Without a path the store is memory-only (the in-memory fake for tests of upper layers).

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

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

std::string BigEndian64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
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

std::string EncodeEvent(const WatchEvent& event) {
  std::string out;
  out.push_back(event.type == WatchEvent::Type::kPut ? 'p' : 'd');
  PutLengthPrefixed(&out, event.kv.key);
  PutLengthPrefixed(&out, event.kv.value);
  EncodeKvMeta(&out, event.kv);
  return out;
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
    if (lease_thread_.joinable()) lease_thread_.join();
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
    lease_thread_ = std::thread([this] { LeaseLoop(); });
    return Status::OK();
  }

  Result<std::optional<KeyValue>> Get(const std::string& key) override {
    MutexLock lock(&mu_);
    auto it = kvs_.find(key);
    if (it == kvs_.end()) return std::optional<KeyValue>();
    return std::optional<KeyValue>(it->second);
  }

  Result<RangeResult> Range(const std::string& prefix, size_t limit) override {
    MutexLock lock(&mu_);
    RangeResult result;
    result.revision = revision_;
    for (auto it = kvs_.lower_bound(prefix); it != kvs_.end() && HasPrefix(it->first, prefix); ++it) {
      if (limit != 0 && result.kvs.size() >= limit) break;
      result.kvs.push_back(it->second);
    }
    return result;
  }

  Result<Revision> Put(const std::string& key, const std::string& value, LeaseId lease) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::Put(key, value, lease));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Txn(txn));
    return response.revision;
  }

  Result<Revision> Delete(const std::string& key) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::Delete(key));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Txn(txn));
    return response.revision;
  }

  Result<Revision> DeletePrefix(const std::string& prefix) override {
    TxnRequest txn;
    txn.success.push_back(TxnOp::DeletePrefix(prefix));
    QUIVER_ASSIGN_OR_RETURN(TxnResponse response, Txn(txn));
    return response.revision;
  }

  Result<TxnResponse> Txn(const TxnRequest& request) override {
    MutexLock lock(&mu_);
    if (closing_) return Status::Unavailable("metadata store closing");
    bool succeeded = true;
    for (const Compare& compare : request.compares) {
      if (!Evaluate(compare)) {
        succeeded = false;
        break;
      }
    }
    const std::vector<TxnOp>& ops = succeeded ? request.success : request.failure;
    for (const TxnOp& op : ops) {
      if (op.type == TxnOp::Type::kPut && op.lease != 0 && !leases_.count(op.lease)) {
        return Status::NotFound("no such lease", std::to_string(op.lease));
      }
    }
    QUIVER_RETURN_IF_ERROR(ApplyLocked(ops));
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
      std::string next;
      PutFixed64(&next, static_cast<uint64_t>(next_lease_id_));
      batch.Put("n", next);
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
        auto it = std::lower_bound(history_.begin(), history_.end(), *next,
                                   [](const WatchEvent& e, Revision r) { return e.kv.mod_revision < r; });
        for (; it != history_.end(); ++it) {
          if (HasPrefix(it->kv.key, prefix)) out.push_back(*it);
        }
        *next = revision_ + 1;
        if (!out.empty()) return out;
      }
      auto now = Clock::now();
      if (now >= deadline) return out;
      cv_.WaitFor(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
  }

 private:
  struct Lease {
    std::chrono::seconds ttl;
    Clock::time_point expiry;
    std::set<std::string> keys;
  };

  bool Evaluate(const Compare& compare) QUIVER_REQUIRES(mu_) {
    auto it = kvs_.find(compare.key);
    if (compare.target == Compare::Target::kValue) {
      if (it == kvs_.end()) return false;
      int cmp = it->second.value.compare(compare.value);
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
        case Compare::Target::kVersion: actual = it->second.version; break;
        case Compare::Target::kCreateRevision: actual = it->second.create_revision; break;
        case Compare::Target::kModRevision: actual = it->second.mod_revision; break;
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

  // Applies `ops` at revision_ + 1 (if anything changes): RocksDB first, then memory.
  Status ApplyLocked(const std::vector<TxnOp>& ops) QUIVER_REQUIRES(mu_) {
    Revision rev = revision_ + 1;
    std::vector<WatchEvent> events;
    // Work on a staged copy of touched keys so a failed write leaves memory unchanged.
    std::map<std::string, std::optional<KeyValue>> staged;
    auto current = [&](const std::string& key) QUIVER_REQUIRES(mu_) -> std::optional<KeyValue> {
      auto s = staged.find(key);
      if (s != staged.end()) return s->second;
      auto it = kvs_.find(key);
      if (it == kvs_.end()) return std::nullopt;
      return it->second;
    };
    auto remove = [&](const std::string& key) QUIVER_REQUIRES(mu_) {
      std::optional<KeyValue> old = current(key);
      if (!old) return;
      WatchEvent event;
      event.type = WatchEvent::Type::kDelete;
      event.kv.key = key;
      event.kv.mod_revision = rev;
      events.push_back(std::move(event));
      staged[key] = std::nullopt;
    };
    for (const TxnOp& op : ops) {
      switch (op.type) {
        case TxnOp::Type::kPut: {
          std::optional<KeyValue> old = current(op.key);
          KeyValue kv;
          kv.key = op.key;
          kv.value = op.value;
          kv.create_revision = old ? old->create_revision : rev;
          kv.mod_revision = rev;
          kv.version = old ? old->version + 1 : 1;
          kv.lease = op.lease;
          events.push_back({WatchEvent::Type::kPut, kv});
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

    size_t trim = history_.size() + events.size() > options_.history_limit
                      ? history_.size() + events.size() - options_.history_limit
                      : 0;
    trim = std::min(trim, history_.size());
    if (db_) {
      rocksdb::WriteBatch batch;
      for (const auto& [key, kv] : staged) {
        if (kv) {
          std::string value;
          EncodeKvMeta(&value, *kv);
          value.append(kv->value);
          batch.Put("k" + key, value);
        } else {
          batch.Delete("k" + key);
        }
      }
      std::string rev_bytes;
      PutFixed64(&rev_bytes, static_cast<uint64_t>(rev));
      batch.Put("r", rev_bytes);
      for (size_t i = 0; i < events.size(); ++i) {
        std::string seq(4, '\0');
        EncodeFixed32(seq.data(), __builtin_bswap32(static_cast<uint32_t>(i)));
        batch.Put("h" + BigEndian64(static_cast<uint64_t>(rev)) + seq, EncodeEvent(events[i]));
      }
      if (trim > 0) {
        Revision upto = history_[trim - 1].kv.mod_revision;
        batch.DeleteRange("h", "h" + BigEndian64(static_cast<uint64_t>(upto) + 1));
      }
      QUIVER_RETURN_IF_ERROR(Write(&batch));
    }
    // Commit to memory.
    for (auto& [key, kv] : staged) {
      auto old = kvs_.find(key);
      if (old != kvs_.end() && old->second.lease != 0) {
        auto lease = leases_.find(old->second.lease);
        if (lease != leases_.end()) lease->second.keys.erase(key);
      }
      if (kv) {
        if (kv->lease != 0) leases_[kv->lease].keys.insert(key);
        kvs_[key] = std::move(*kv);
      } else {
        kvs_.erase(key);
      }
    }
    if (trim > 0) {
      // Whole revisions only: trimming stops at a revision boundary so a watch never sees half.
      Revision upto = history_[trim - 1].kv.mod_revision;
      while (!history_.empty() && history_.front().kv.mod_revision <= upto) history_.pop_front();
      compacted_revision_ = upto;
    }
    for (auto& event : events) history_.push_back(std::move(event));
    revision_ = rev;
    cv_.SignalAll();
    return Status::OK();
  }

  Status RevokeLocked(LeaseId lease) QUIVER_REQUIRES(mu_) {
    auto it = leases_.find(lease);
    if (it == leases_.end()) return Status::NotFound("no such lease", std::to_string(lease));
    std::vector<TxnOp> ops;
    for (const auto& key : it->second.keys) ops.push_back(TxnOp::Delete(key));
    QUIVER_RETURN_IF_ERROR(ApplyLocked(ops));
    if (db_) {
      rocksdb::WriteBatch batch;
      batch.Delete("l" + BigEndian64(static_cast<uint64_t>(lease)));
      QUIVER_RETURN_IF_ERROR(Write(&batch));
    }
    leases_.erase(lease);
    return Status::OK();
  }

  void LeaseLoop() {
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
    }
  }

  Status Write(rocksdb::WriteBatch* batch) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    rocksdb::Status st = db_->Write(write_options, batch);
    if (!st.ok()) {
      if (st.IsNoSpace()) return Status::ResourceExhausted("metadata store: disk full", st.ToString());
      return Status::IOError("metadata store write failed", st.ToString());
    }
    return Status::OK();
  }

  Status Load() QUIVER_NO_THREAD_SAFETY_ANALYSIS {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      std::string_view value(it->value().data(), it->value().size());
      if (key.empty()) continue;
      switch (key[0]) {
        case 'k': {
          KeyValue kv;
          kv.key = std::string(key.substr(1));
          Decoder in(value);
          if (!DecodeKvMeta(&in, &kv)) return Status::Corruption("bad metadata entry", kv.key);
          kv.value = std::string(in.remaining());
          kvs_[kv.key] = std::move(kv);
          break;
        }
        case 'r':
          if (value.size() != 8) return Status::Corruption("bad metadata revision");
          revision_ = static_cast<Revision>(DecodeFixed64(value.data()));
          break;
        case 'h': {
          WatchEvent event;
          if (!DecodeEvent(value, &event)) return Status::Corruption("bad metadata history entry");
          history_.push_back(std::move(event));
          break;
        }
        case 'l': {
          Decoder in(value);
          uint64_t ttl;
          if (key.size() != 9 || !in.GetVarint64(&ttl)) return Status::Corruption("bad lease entry");
          uint64_t id = 0;
          for (size_t i = 1; i < 9; ++i) id = (id << 8) | static_cast<uint8_t>(key[i]);
          // As etcd does, a recovered lease gets a fresh TTL: its holder has that long to renew.
          leases_[static_cast<LeaseId>(id)] =
              Lease{std::chrono::seconds(ttl), options_.clock() + std::chrono::seconds(ttl), {}};
          break;
        }
        case 'n':
          if (value.size() != 8) return Status::Corruption("bad lease counter");
          next_lease_id_ = static_cast<LeaseId>(DecodeFixed64(value.data()));
          break;
        default:
          break;
      }
    }
    if (!it->status().ok()) return Status::IOError("metadata store scan failed", it->status().ToString());
    for (const auto& [key, kv] : kvs_) {
      if (kv.lease != 0) leases_[kv.lease].keys.insert(key);
    }
    compacted_revision_ = history_.empty() ? revision_ : history_.front().kv.mod_revision - 1;
    return Status::OK();
  }

  LocalMetaStoreOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  Mutex mu_;
  CondVar cv_{&mu_};
  bool closing_ QUIVER_GUARDED_BY(mu_) = false;
  std::map<std::string, KeyValue> kvs_ QUIVER_GUARDED_BY(mu_);
  Revision revision_ QUIVER_GUARDED_BY(mu_) = 0;
  Revision compacted_revision_ QUIVER_GUARDED_BY(mu_) = 0;
  std::deque<WatchEvent> history_ QUIVER_GUARDED_BY(mu_);
  std::map<LeaseId, Lease> leases_ QUIVER_GUARDED_BY(mu_);
  LeaseId next_lease_id_ QUIVER_GUARDED_BY(mu_) = 1;
  std::thread lease_thread_;
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

}  // namespace quiver::storage
