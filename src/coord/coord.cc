#include "coord/coord.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <thread>

#include "cluster/errors.h"
#include "common/log.h"
#include "coord/catalog_codec.h"

namespace quiver::coord {

using cluster::CollectionInfo;
using cluster::CollectionNotFound;
using cluster::CollectionPtr;

namespace {

constexpr std::string_view kDbPrefix = "quiver/db/";
constexpr std::string_view kCollectionPrefix = "quiver/collection/";
constexpr std::string_view kSegmentPrefix = "quiver/segment/";
constexpr std::string_view kDeltaPrefix = "quiver/delta/";
constexpr std::string_view kCheckpointPrefix = "quiver/checkpoint/";
constexpr std::string_view kSegmentIndexPrefix = "quiver/segidx/";
constexpr std::string_view kTsoKey = "quiver/tso";
constexpr std::string_view kIdKey = "quiver/ids";
constexpr std::string_view kChannelUidKey = "quiver/channel_uid";
// How far ahead of the timestamps handed out the stored limit is kept. Milvus keeps 3 s; 5 s
// covers an etcd leader election as our client sees it (a 2 s request deadline on a member that
// has no leader, then the next member), measured 3-5 s in storage.cluster.js. The price: a
// coordinator that takes over starts up to this far ahead of the clock.
constexpr uint64_t kTsoWindowMs = 5000;
// The window is renewed in the background once it has slid by this much: at most one store write
// per 500 ms of allocations.
constexpr uint64_t kTsoRenewStepMs = 500;
constexpr int64_t kIdBlock = 10000;
constexpr size_t kMaxDatabases = 64;
constexpr size_t kMaxPartitions = 1024;

std::string Key(std::string_view prefix, const std::string& rest) { return std::string(prefix) + rest; }
std::string CollectionKey(int64_t id) { return Key(kCollectionPrefix, std::to_string(id)); }
std::string SegmentKey(int64_t collection, int64_t segment) {
  return Key(kSegmentPrefix, std::to_string(collection) + "/" + std::to_string(segment));
}
std::string DeltaKey(int64_t collection, const std::string& channel, uint64_t epoch) {
  return Key(kDeltaPrefix, std::to_string(collection) + "/" + channel + "/" + std::to_string(epoch));
}
// quiver/segidx/<collection>/<index>/<segment>
std::string SegmentIndexKey(int64_t collection, int64_t index, int64_t segment) {
  return Key(kSegmentIndexPrefix, std::to_string(collection) + "/" + std::to_string(index) + "/" + std::to_string(segment));
}
std::string CheckpointKey(int64_t collection, const std::string& channel) {
  return Key(kCheckpointPrefix, std::to_string(collection) + "/" + channel);
}

Status DatabaseNotFound(const std::string& name) {
  return Status::NotFound("database not found[database=" + name + "]").WithDetail(ErrorDetail::kDatabaseNotFound);
}

int64_t ParseInt(std::string_view text) {
  int64_t v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

void ApplyProperties(cluster::KeyValues* props, const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  for (const auto& [k, v] : set) {
    auto it = std::find_if(props->begin(), props->end(), [&](const auto& p) { return p.first == k; });
    if (it != props->end()) it->second = v;
    else props->emplace_back(k, v);
  }
  for (const auto& k : remove) {
    std::erase_if(*props, [&](const auto& p) { return p.first == k; });
  }
}

}  // namespace

Result<std::unique_ptr<Coord>> Coord::Open(storage::MetaStore* meta, storage::Wal* wal, storage::ObjectStore* objects,
                                           CoordOptions options) {
  std::unique_ptr<Coord> coord(new Coord(meta, wal, objects, options));
  QUIVER_RETURN_IF_ERROR(coord->Load());
  return coord;
}

Status Coord::Load() {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(storage::RangeResult all, meta_->Range("quiver/"));
  for (const auto& kv : all.kvs) {
    std::string_view key = kv.key;
    if (key.starts_with(kDbPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(cluster::DatabaseInfo db, DecodeDatabase(kv.value));
      std::string name = db.name;  // (the right side of `=` is evaluated first: do not move db before)
      databases_[name] = std::make_shared<const cluster::DatabaseInfo>(std::move(db));
    } else if (key.starts_with(kCollectionPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(CollectionInfo info, DecodeCollection(kv.value));
      int64_t id = info.id;
      collections_[id] = std::make_shared<const CollectionInfo>(std::move(info));
    } else if (key.starts_with(kSegmentPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(cluster::SegmentInfo s, DecodeSegment(kv.value));
      segments_[s.collection_id].segments.push_back(std::move(s));
    } else if (key.starts_with(kDeltaPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(cluster::DeltaInfo d, DecodeDelta(kv.value));
      int64_t collection = ParseInt(key.substr(kDeltaPrefix.size()));
      segments_[collection].deltas.push_back(std::move(d));
    } else if (key.starts_with(kSegmentIndexPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(cluster::SegmentIndexInfo i, DecodeSegmentIndex(kv.value));
      segments_[i.collection_id].indexes.push_back(std::move(i));
    } else if (key.starts_with(kCheckpointPrefix)) {
      QUIVER_ASSIGN_OR_RETURN(cluster::Checkpoint c, DecodeCheckpoint(kv.value));
      std::string_view rest = key.substr(kCheckpointPrefix.size());
      size_t slash = rest.find('/');
      int64_t collection = ParseInt(rest.substr(0, slash));
      segments_[collection].checkpoints[std::string(rest.substr(slash + 1))] = c;
    } else if (key == kTsoKey) {
      MutexLock tso_lock(&tso_mu_);
      tso_limit_ = static_cast<Timestamp>(ParseInt(kv.value));
      clock_.AdvanceTo(ComposeTimestamp(tso_limit_, 0));
      MutexLock persist_lock(&tso_persist_mu_);
      tso_persisted_ = tso_limit_;
    } else if (key == kIdKey) {
      next_id_ = id_limit_ = ParseInt(kv.value);
    } else if (key == kChannelUidKey) {
      next_channel_uid_ = static_cast<uint64_t>(ParseInt(kv.value));
    }
  }
  QUIVER_RETURN_IF_ERROR(rbac_.Load(all));
  if (next_id_ == 0) next_id_ = id_limit_ = 449000000000000000;  // large ids, like Milvus's
  if (!databases_.count(std::string(cluster::kDefaultDatabase))) {
    cluster::DatabaseInfo db;
    db.id = 1;
    db.name = cluster::kDefaultDatabase;
    QUIVER_ASSIGN_OR_RETURN(db.created_ts, AllocTimestamp(1));
    QUIVER_RETURN_IF_ERROR(meta_->Put(Key(kDbPrefix, db.name), EncodeDatabase(db)).status());
    databases_[db.name] = std::make_shared<const cluster::DatabaseInfo>(db);
  }
  QUIVER_LOG(INFO) << "catalog loaded" << Kv("databases", databases_.size())
                   << Kv("collections", collections_.size());
  return Status::OK();
}

Coord::~Coord() {
  std::thread renewal;
  {
    MutexLock lock(&tso_mu_);
    renewal = std::move(tso_renewal_);
  }
  if (renewal.joinable()) renewal.join();
}

Result<uint64_t> Coord::PersistTsoLimit(uint64_t limit) {
  MutexLock lock(&tso_persist_mu_);
  // Writes are serialized and never lower the stored limit, whichever finishes last.
  limit = std::max<uint64_t>(limit, tso_persisted_);
  QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kTsoKey), std::to_string(limit)).status());
  tso_persisted_ = limit;
  return limit;
}

Result<Timestamp> Coord::AllocTimestamp(uint32_t count) {
  MutexLock lock(&tso_mu_);
  Timestamp ts = clock_.Allocate(count);
  uint64_t physical = PhysicalMs(ts + count);
  if (physical >= tso_limit_) {
    // The window ran out (the store was unreachable for longer than the renewal's head start):
    // nothing is handed out until a new one is stored.
    QUIVER_ASSIGN_OR_RETURN(uint64_t limit, PersistTsoLimit(physical + kTsoWindowMs));
    tso_limit_ = std::max<Timestamp>(tso_limit_, limit);
  } else if (physical + kTsoWindowMs >= tso_limit_ + kTsoRenewStepMs && !tso_renewing_) {
    // Renewed off the allocation path: a slow or briefly unavailable store (an etcd leader
    // election) does not hold up timestamps while the current window lasts.
    tso_renewing_ = true;
    if (tso_renewal_.joinable()) tso_renewal_.join();  // the previous renewal has finished
    tso_renewal_ = std::thread([this, limit = physical + kTsoWindowMs] {
      Result<uint64_t> stored = PersistTsoLimit(limit);
      if (!stored.ok()) {
        QUIVER_LOG(WARN) << "renewing the timestamp window failed; the next allocation tries again"
                         << Kv("error", stored.status().ToString());
      }
      MutexLock done(&tso_mu_);
      if (stored.ok()) tso_limit_ = std::max<Timestamp>(tso_limit_, *stored);
      tso_renewing_ = false;
    });
  }
  return ts;
}

Result<int64_t> Coord::AllocIds(uint32_t count) {
  MutexLock lock(&mu_);
  return AllocIdsLocked(count);
}

Result<int64_t> Coord::AllocIdsLocked(uint32_t count) {
  if (next_id_ + count > id_limit_) {
    int64_t limit = next_id_ + std::max<int64_t>(kIdBlock, count);
    QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kIdKey), std::to_string(limit)).status());
    id_limit_ = limit;
  }
  int64_t first = next_id_;
  next_id_ += count;
  return first;
}

Result<std::shared_ptr<const cluster::DatabaseInfo>> Coord::FindDb(const std::string& name) {
  auto it = databases_.find(name.empty() ? std::string(cluster::kDefaultDatabase) : name);
  if (it == databases_.end()) return DatabaseNotFound(name);
  return it->second;
}

Result<CollectionPtr> Coord::Find(const std::string& db, const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(auto database, FindDb(db));
  for (const auto& [id, c] : collections_) {
    if (c->db_id == database->id && c->name == name) return c;
  }
  for (const auto& [id, c] : collections_) {
    if (c->db_id == database->id && std::find(c->aliases.begin(), c->aliases.end(), name) != c->aliases.end()) {
      return c;
    }
  }
  return CollectionNotFound(name);
}

Status Coord::PutCollection(const CollectionInfo& info) {
  QUIVER_RETURN_IF_ERROR(meta_->Put(CollectionKey(info.id), EncodeCollection(info)).status());
  collections_[info.id] = std::make_shared<const CollectionInfo>(info);
  return Status::OK();
}

Status Coord::CreateDatabase(const std::string& name, const cluster::KeyValues& properties) {
  Status valid = schema::ValidateName(name, "database name");
  if (!valid.ok()) return valid.WithDetail(ErrorDetail::kDatabaseInvalidName);
  MutexLock lock(&mu_);
  if (databases_.count(name)) return Status::AlreadyExists("database already exist: " + name);
  if (databases_.size() >= kMaxDatabases) {
    return Status::ResourceExhausted("database number (" + std::to_string(kMaxDatabases) + ") exceeds max configuration");
  }
  cluster::DatabaseInfo db;
  QUIVER_ASSIGN_OR_RETURN(db.id, AllocIdsLocked(1));
  db.name = name;
  db.properties = properties;
  QUIVER_ASSIGN_OR_RETURN(db.created_ts, AllocTimestamp(1));
  QUIVER_RETURN_IF_ERROR(meta_->Put(Key(kDbPrefix, name), EncodeDatabase(db)).status());
  databases_[name] = std::make_shared<const cluster::DatabaseInfo>(std::move(db));
  return Status::OK();
}

Status Coord::DropDatabase(const std::string& name) {
  if (name == cluster::kDefaultDatabase) return Status::InvalidArgument("can not drop default database");
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto db, FindDb(name));
  for (const auto& [id, c] : collections_) {
    if (c->db_id == db->id) {
      return Status::FailedPrecondition("database:" + name + " not empty, must drop all collections before drop database");
    }
  }
  QUIVER_RETURN_IF_ERROR(meta_->Delete(Key(kDbPrefix, name)).status());
  databases_.erase(name);
  return Status::OK();
}

Result<std::vector<cluster::DatabaseInfo>> Coord::ListDatabases() {
  MutexLock lock(&mu_);
  std::vector<cluster::DatabaseInfo> out;
  for (const auto& [name, db] : databases_) out.push_back(*db);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<cluster::DatabaseInfo> Coord::DescribeDatabase(const std::string& name) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto db, FindDb(name));
  return *db;
}

Status Coord::AlterDatabase(const std::string& name, const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto db, FindDb(name));
  cluster::DatabaseInfo updated = *db;
  ApplyProperties(&updated.properties, set, remove);
  QUIVER_RETURN_IF_ERROR(meta_->Put(Key(kDbPrefix, updated.name), EncodeDatabase(updated)).status());
  std::string key = updated.name;
  databases_[key] = std::make_shared<const cluster::DatabaseInfo>(std::move(updated));
  return Status::OK();
}

Status Coord::CheckCapacity(int64_t collections, int64_t units) {
  if (collections > 0 && static_cast<int64_t>(collections_.size()) + collections > options_.max_collections) {
    return Status::ResourceExhausted("failed to create collection: the number of collections would exceed the limit (" +
                                     std::to_string(options_.max_collections) + ", coord.max_collections)");
  }
  int64_t used = 0;
  for (const auto& [id, c] : collections_) used += static_cast<int64_t>(c->partitions.size()) * c->shards;
  if (used + units > options_.max_general_capacity) {
    return Status::ResourceExhausted("general capacity exceeded: partitions x shards over all collections would be " +
                                     std::to_string(used + units) + ", above the limit " +
                                     std::to_string(options_.max_general_capacity) + " (coord.max_general_capacity)");
  }
  return Status::OK();
}

Status Coord::CreateCollection(const std::string& db, const cluster::CollectionSpec& spec) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto database, FindDb(db));
  Result<CollectionPtr> existing = Find(db, spec.name);
  if (existing.ok()) {
    const CollectionInfo& c = **existing;
    if (c.name == spec.name && schema::SchemaToJson(*c.schema) == schema::SchemaToJson(*spec.schema) &&
        c.shards == spec.shards) {
      return Status::OK();  // same definition: idempotent, as Milvus
    }
    if (c.name != spec.name) {
      return Status::InvalidArgument("collection name [" + spec.name + "] conflicts with an existing alias")
          .WithDetail(ErrorDetail::kAliasConflict);
    }
    return Status::AlreadyExists("collection already exists with a different schema: " + spec.name);
  }
  bool has_partition_key = false;
  for (const auto& f : spec.schema->fields) has_partition_key |= f.partition_key;
  QUIVER_RETURN_IF_ERROR(CheckCapacity(
      1, static_cast<int64_t>(spec.shards) * (has_partition_key ? std::max<int64_t>(1, spec.num_partitions) : 1)));
  CollectionInfo info;
  QUIVER_ASSIGN_OR_RETURN(info.id, AllocIdsLocked(1));
  info.db_id = database->id;
  info.db_name = database->name;
  info.name = spec.name;
  info.schema = spec.schema;
  info.shards = spec.shards;
  info.consistency_level = spec.consistency_level;
  info.properties = spec.properties;
  info.num_partitions = spec.num_partitions;
  QUIVER_ASSIGN_OR_RETURN(info.created_ts, AllocTimestamp(1));
  info.updated_ts = info.created_ts;
  bool partition_key = false;
  for (const auto& f : spec.schema->fields) partition_key |= f.partition_key;
  int64_t partitions = partition_key ? std::max<int64_t>(1, spec.num_partitions) : 1;
  QUIVER_ASSIGN_OR_RETURN(int64_t first_partition, AllocIdsLocked(static_cast<uint32_t>(partitions)));
  for (int64_t p = 0; p < partitions; ++p) {
    std::string name = partition_key ? std::string(cluster::kDefaultPartition) + "_" + std::to_string(p)
                                     : std::string(cluster::kDefaultPartition);
    info.partitions.push_back({first_partition + p, name, static_cast<uint32_t>(p), info.created_ts});
  }
  for (int32_t shard = 0; shard < spec.shards; ++shard) {
    cluster::ChannelInfo channel;
    channel.name = "quiver-dml_" + std::to_string(info.id) + "_" + std::to_string(shard) + "v0";
    channel.uid = next_channel_uid_++;
    QUIVER_RETURN_IF_ERROR(wal_->CreateChannel(channel.name));
    info.channels.push_back(std::move(channel));
  }
  QUIVER_RETURN_IF_ERROR(meta_->Put(std::string(kChannelUidKey), std::to_string(next_channel_uid_)).status());
  QUIVER_RETURN_IF_ERROR(PutCollection(info));
  QUIVER_LOG(INFO) << "collection created" << Kv("collection", info.name) << Kv("collection_id", info.id)
                   << Kv("shards", info.shards);
  return Status::OK();
}

Status Coord::DropCollection(const std::string& db, const std::string& name) {
  MutexLock lock(&mu_);
  QUIVER_RETURN_IF_ERROR(FindDb(db).status());
  Result<CollectionPtr> found = Find(db, name);
  if (!found.ok()) return Status::OK();  // dropping a missing collection succeeds, as in Milvus
  const CollectionInfo& c = **found;
  if (c.name != name) return Status::InvalidArgument("cannot drop the collection via alias = " + name);
  if (!c.aliases.empty()) return cluster::CollectionHasAliases(name);
  storage::TxnRequest txn;
  txn.success.push_back(storage::TxnOp::Delete(CollectionKey(c.id)));
  txn.success.push_back(storage::TxnOp::DeletePrefix(Key(kSegmentPrefix, std::to_string(c.id) + "/")));
  txn.success.push_back(storage::TxnOp::DeletePrefix(Key(kDeltaPrefix, std::to_string(c.id) + "/")));
  txn.success.push_back(storage::TxnOp::DeletePrefix(Key(kCheckpointPrefix, std::to_string(c.id) + "/")));
  txn.success.push_back(storage::TxnOp::DeletePrefix(Key(kSegmentIndexPrefix, std::to_string(c.id) + "/")));
  QUIVER_RETURN_IF_ERROR(meta_->Txn(txn).status());
  CollectionPtr dropped = *found;
  collections_.erase(c.id);
  segments_.erase(c.id);
  // Storage cleanup after the catalog no longer references it; a crash here leaves garbage only.
  for (const auto& channel : dropped->channels) {
    Status st = wal_->DropChannel(channel.name);
    if (!st.ok()) QUIVER_LOG(WARN) << "dropping WAL channel failed" << Kv("channel", channel.name) << Kv("error", st.ToString());
  }
  Result<std::vector<storage::ObjectInfo>> objects = objects_->List("collections/" + std::to_string(dropped->id) + "/");
  if (objects.ok()) {
    for (const auto& object : *objects) objects_->Delete(object.key).IgnoreError();
  }
  QUIVER_LOG(INFO) << "collection dropped" << Kv("collection", name) << Kv("collection_id", dropped->id);
  return Status::OK();
}

Result<CollectionPtr> Coord::DescribeCollection(const std::string& db, const std::string& name) {
  MutexLock lock(&mu_);
  return Find(db, name);
}

Result<CollectionPtr> Coord::DescribeCollectionById(int64_t id) {
  MutexLock lock(&mu_);
  auto it = collections_.find(id);
  if (it == collections_.end()) return CollectionNotFound(std::to_string(id));
  return it->second;
}

Result<std::vector<CollectionPtr>> Coord::ListCollections(const std::string& db) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto database, FindDb(db));
  std::vector<CollectionPtr> out;
  for (const auto& [id, c] : collections_) {
    if (c->db_id == database->id) out.push_back(c);
  }
  return out;
}

Result<std::vector<CollectionPtr>> Coord::ListAllCollections() {
  MutexLock lock(&mu_);
  std::vector<CollectionPtr> out;
  for (const auto& [id, c] : collections_) out.push_back(c);
  return out;
}

Status Coord::RenameCollection(const std::string& db, const std::string& old_name, const std::string& new_db,
                               const std::string& new_name) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(new_name, "collection name"));
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, old_name));
  if (c->name != old_name) return Status::InvalidArgument("cannot rename a collection via alias");
  std::string target_db = new_db.empty() ? c->db_name : new_db;
  QUIVER_ASSIGN_OR_RETURN(auto database, FindDb(target_db));
  if (Find(target_db, new_name).ok()) return Status::AlreadyExists("duplicated new collection name " + new_name);
  CollectionInfo updated = *c;
  updated.name = new_name;
  updated.db_id = database->id;
  updated.db_name = database->name;
  return PutCollection(updated);
}

Status Coord::AlterCollection(const std::string& db, const std::string& name, const cluster::KeyValues& set,
                              const std::vector<std::string>& remove) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, name));
  CollectionInfo updated = *c;
  ApplyProperties(&updated.properties, set, remove);
  QUIVER_ASSIGN_OR_RETURN(updated.updated_ts, AllocTimestamp(1));
  return PutCollection(updated);
}

Status Coord::CreatePartition(const std::string& db, const std::string& collection, const std::string& partition) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(partition, "partition name"));
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  for (const auto& f : c->schema->fields) {
    if (f.partition_key) return Status::InvalidArgument("disable create partition if partition key mode is used");
  }
  if (c->FindPartition(partition)) return Status::OK();  // idempotent, as Milvus
  if (c->partitions.size() >= kMaxPartitions) {
    return Status::ResourceExhausted("partition number (" + std::to_string(kMaxPartitions) + ") exceeds max configuration");
  }
  QUIVER_RETURN_IF_ERROR(CheckCapacity(0, c->shards));
  CollectionInfo updated = *c;
  cluster::PartitionInfo p;
  QUIVER_ASSIGN_OR_RETURN(p.id, AllocIdsLocked(1));
  p.name = partition;
  uint32_t slot = 0;
  for (const auto& existing : updated.partitions) slot = std::max(slot, existing.slot + 1);
  if (slot > 0xFFFF) return Status::ResourceExhausted("partition slots exhausted");
  p.slot = slot;
  QUIVER_ASSIGN_OR_RETURN(p.created_ts, AllocTimestamp(1));
  updated.partitions.push_back(p);
  // A new partition of a loaded collection is loaded too (Milvus behaviour).
  if (updated.loaded()) updated.loaded_partitions.push_back(p.id);
  return PutCollection(updated);
}

Status Coord::DropPartition(const std::string& db, const std::string& collection, const std::string& partition) {
  if (partition == cluster::kDefaultPartition) return Status::InvalidArgument("default partition cannot be deleted");
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  const cluster::PartitionInfo* p = c->FindPartition(partition);
  if (p == nullptr) return Status::OK();
  if (c->PartitionLoaded(p->id)) {
    return Status::FailedPrecondition("partition cannot be dropped, partition is loaded, please release it first");
  }
  CollectionInfo updated = *c;
  int64_t id = p->id;
  std::erase_if(updated.partitions, [&](const auto& x) { return x.id == id; });
  QUIVER_RETURN_IF_ERROR(PutCollection(updated));
  // Segments of the partition stop being served; their files are garbage from now on.
  auto& state = segments_[c->id];
  std::set<segment::SegmentId> dropped;
  std::erase_if(state.segments, [&](const cluster::SegmentInfo& s) {
    if (s.partition_id != id) return false;
    meta_->Delete(SegmentKey(c->id, s.id)).status().IgnoreError();
    objects_->Delete(s.object_key).IgnoreError();
    dropped.insert(s.id);
    return true;
  });
  std::erase_if(state.indexes, [&](const cluster::SegmentIndexInfo& i) {
    if (!dropped.count(i.segment_id)) return false;
    meta_->Delete(SegmentIndexKey(c->id, i.index_id, i.segment_id)).status().IgnoreError();
    objects_->Delete(i.object_key).IgnoreError();
    return true;
  });
  return Status::OK();
}

Status Coord::CreateAlias(const std::string& db, const std::string& collection, const std::string& alias) {
  QUIVER_RETURN_IF_ERROR(schema::ValidateName(alias, "alias name"));
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  if (c->name != collection) return Status::InvalidArgument("cannot create an alias on an alias");
  Result<CollectionPtr> existing = Find(db, alias);
  if (existing.ok()) {
    if ((*existing)->name == alias) {
      return Status::InvalidArgument("alias name [" + alias + "] conflicts with an existing collection name")
          .WithDetail(ErrorDetail::kAliasConflict);
    }
    if ((*existing)->id == c->id) return Status::OK();
    return Status::AlreadyExists("alias [" + alias + "] already exists").WithDetail(ErrorDetail::kAliasExists);
  }
  CollectionInfo updated = *c;
  updated.aliases.push_back(alias);
  return PutCollection(updated);
}

Status Coord::DropAlias(const std::string& db, const std::string& alias) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(auto database, FindDb(db));
  for (const auto& [id, c] : collections_) {
    if (c->db_id != database->id) continue;
    auto it = std::find(c->aliases.begin(), c->aliases.end(), alias);
    if (it == c->aliases.end()) continue;
    CollectionInfo updated = *c;
    std::erase(updated.aliases, alias);
    return PutCollection(updated);
  }
  return Status::OK();  // dropping a missing alias succeeds, as in Milvus
}

Status Coord::AlterAlias(const std::string& db, const std::string& collection, const std::string& alias) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr target, Find(db, collection));
  if (target->name != collection) return Status::InvalidArgument("cannot alter an alias to point to an alias");
  Result<CollectionPtr> current = Find(db, alias);
  if (!current.ok() || (*current)->name == alias) {
    return Status::NotFound("alias not found[alias=" + alias + "]").WithDetail(ErrorDetail::kAliasNotFound);
  }
  if ((*current)->id == target->id) return Status::OK();
  CollectionInfo from = **current;
  CollectionInfo to = *target;
  std::erase(from.aliases, alias);
  to.aliases.push_back(alias);
  storage::TxnRequest txn;
  txn.success.push_back(storage::TxnOp::Put(CollectionKey(from.id), EncodeCollection(from)));
  txn.success.push_back(storage::TxnOp::Put(CollectionKey(to.id), EncodeCollection(to)));
  QUIVER_RETURN_IF_ERROR(meta_->Txn(txn).status());
  int64_t from_id = from.id, to_id = to.id;
  collections_[from_id] = std::make_shared<const CollectionInfo>(std::move(from));
  collections_[to_id] = std::make_shared<const CollectionInfo>(std::move(to));
  return Status::OK();
}

Result<std::string> Coord::DescribeAlias(const std::string& db, const std::string& alias) {
  MutexLock lock(&mu_);
  Result<CollectionPtr> c = Find(db, alias);
  if (!c.ok() || (*c)->name == alias) {
    return Status::NotFound("alias not found[alias=" + alias + "]").WithDetail(ErrorDetail::kAliasNotFound);
  }
  return (*c)->name;
}

Status Coord::CreateIndex(const std::string& db, const std::string& collection, const cluster::IndexInfo& index) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  for (const auto& existing : c->indexes) {
    if (existing.field_id == index.field_id) {
      if (existing.name == index.name && existing.index_type == index.index_type &&
          existing.metric_type == index.metric_type && existing.params == index.params) {
        return Status::OK();  // same index: idempotent
      }
      return Status::AlreadyExists("at most one distinct index is allowed per field")
          .WithDetail(ErrorDetail::kIndexDuplicate);
    }
    if (existing.name == index.name) {
      return Status::AlreadyExists("index name " + index.name + " is already used by field " + existing.field_name)
          .WithDetail(ErrorDetail::kIndexDuplicate);
    }
  }
  CollectionInfo updated = *c;
  cluster::IndexInfo added = index;
  QUIVER_ASSIGN_OR_RETURN(added.id, AllocIdsLocked(1));
  QUIVER_ASSIGN_OR_RETURN(added.created_ts, AllocTimestamp(1));
  updated.indexes.push_back(std::move(added));
  return PutCollection(updated);
}

Status Coord::DropIndex(const std::string& db, const std::string& collection, const std::string& index_name) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  CollectionInfo updated = *c;
  size_t before = updated.indexes.size();
  std::erase_if(updated.indexes, [&](const auto& i) { return i.name == index_name; });
  if (updated.indexes.size() == before) return Status::OK();  // idempotent
  int64_t index_id = 0;
  for (const auto& i : c->indexes) {
    if (i.name == index_name) index_id = i.id;
  }
  QUIVER_RETURN_IF_ERROR(PutCollection(updated));
  // The catalog no longer names the index: forget its segment files, then delete them (a crash
  // in between leaves unreferenced files only).
  storage::TxnRequest forget;
  forget.success.push_back(
      storage::TxnOp::DeletePrefix(Key(kSegmentIndexPrefix, std::to_string(c->id) + "/" + std::to_string(index_id) + "/")));
  QUIVER_RETURN_IF_ERROR(meta_->Txn(forget).status());
  auto& built = segments_[c->id].indexes;
  std::erase_if(built, [&](const cluster::SegmentIndexInfo& i) {
    if (i.index_id != index_id) return false;
    objects_->Delete(i.object_key).IgnoreError();
    return true;
  });
  QUIVER_LOG(INFO) << "index dropped" << Kv("collection_id", c->id) << Kv("index", index_name);
  return Status::OK();
}

Status Coord::CommitSegmentIndex(const cluster::SegmentIndexInfo& info) {
  MutexLock lock(&mu_);
  auto it = collections_.find(info.collection_id);
  if (it == collections_.end()) return CollectionNotFound(std::to_string(info.collection_id));
  bool index_exists = std::any_of(it->second->indexes.begin(), it->second->indexes.end(),
                                  [&](const cluster::IndexInfo& i) { return i.id == info.index_id; });
  if (!index_exists) return Status::NotFound("index " + std::to_string(info.index_id) + " was dropped");
  cluster::CollectionSegments& state = segments_[info.collection_id];
  bool segment_exists = std::any_of(state.segments.begin(), state.segments.end(),
                                    [&](const cluster::SegmentInfo& s) { return s.id == info.segment_id; });
  if (!segment_exists) return Status::NotFound("segment " + std::to_string(info.segment_id) + " is gone");
  QUIVER_RETURN_IF_ERROR(
      meta_->Put(SegmentIndexKey(info.collection_id, info.index_id, info.segment_id), EncodeSegmentIndex(info)).status());
  std::erase_if(state.indexes, [&](const cluster::SegmentIndexInfo& i) {
    return i.index_id == info.index_id && i.segment_id == info.segment_id;
  });
  state.indexes.push_back(info);
  return Status::OK();
}

Status Coord::DiscardSegmentIndex(const cluster::SegmentIndexInfo& info) {
  MutexLock lock(&mu_);
  QUIVER_RETURN_IF_ERROR(meta_->Delete(SegmentIndexKey(info.collection_id, info.index_id, info.segment_id)).status());
  auto it = segments_.find(info.collection_id);
  if (it != segments_.end()) {
    std::erase_if(it->second.indexes, [&](const cluster::SegmentIndexInfo& i) {
      return i.index_id == info.index_id && i.segment_id == info.segment_id;
    });
  }
  Status removed = objects_->Delete(info.object_key);
  if (!removed.ok() && !removed.IsNotFound()) {
    QUIVER_LOG(WARN) << "cannot delete a discarded index file" << Kv("key", info.object_key) << Kv("error", removed.ToString());
  }
  QUIVER_LOG(WARN) << "segment index discarded; it will be rebuilt" << Kv("collection_id", info.collection_id)
                   << Kv("segment_id", info.segment_id) << Kv("index_id", info.index_id);
  return Status::OK();
}

Status Coord::AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                         const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  CollectionInfo updated = *c;
  for (auto& index : updated.indexes) {
    if (index.name != index_name) continue;
    for (const auto& [k, v] : set) {
      if (k == "index_type" || k == "metric_type" || k == "params") {
        return Status::InvalidArgument("cannot alter " + k + " of an existing index; drop and recreate it");
      }
    }
    ApplyProperties(&index.params, set, remove);
    return PutCollection(updated);
  }
  return cluster::IndexNotFound(collection);
}

Status Coord::AlterField(const std::string& db, const std::string& collection, const std::string& field_name,
                         const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  MutexLock lock(&mu_);
  QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, Find(db, collection));
  auto schema = std::make_shared<schema::CollectionSchema>(*c->schema);
  for (auto& field : schema->fields) {
    if (field.name != field_name || field.is_dynamic) continue;
    for (const auto& [k, v] : set) {
      if (k == "max_length") {
        if (field.type != schema::DataType::kVarChar) return Status::InvalidArgument("max_length applies to VarChar fields only");
        int64_t length = ParseInt(v);
        if (length < field.max_length || length > 65535) {
          return Status::InvalidArgument("max_length can only grow, up to 65535");
        }
        field.max_length = length;
        field.type_params["max_length"] = v;
      } else if (k == "mmap.enabled" || k == "description") {
        field.type_params[k] = v;
      } else {
        return Status::InvalidArgument("field property " + k + " cannot be altered");
      }
    }
    for (const auto& k : remove) {
      if (k == "mmap.enabled") field.type_params.erase(k);
    }
    CollectionInfo updated = *c;
    updated.schema = schema;
    QUIVER_ASSIGN_OR_RETURN(updated.updated_ts, AllocTimestamp(1));
    return PutCollection(updated);
  }
  return Status::InvalidArgument("field " + field_name + " does not exist").WithDetail(ErrorDetail::kFieldNotFound);
}

Status Coord::SetLoadState(int64_t collection_id, const std::vector<int64_t>& loaded_partitions,
                           int32_t replica_number) {
  if (replica_number < 1) return Status::InvalidArgument("replica number must be at least 1");
  if (!loaded_partitions.empty() && replica_number > 1) {
    int32_t capacity = 1;
    if (options_.replica_capacity) {
      QUIVER_ASSIGN_OR_RETURN(capacity, options_.replica_capacity());
    }
    if (replica_number > capacity) {
      return Status::InvalidArgument("replica number " + std::to_string(replica_number) + " exceeds the number of query nodes (" +
                                     std::to_string(capacity) + (options_.replica_capacity ? ") available" : ") of a standalone server"));
    }
  }
  MutexLock lock(&mu_);
  auto it = collections_.find(collection_id);
  if (it == collections_.end()) return CollectionNotFound(std::to_string(collection_id));
  CollectionInfo updated = *it->second;
  updated.loaded_partitions = loaded_partitions;
  updated.replica_number = loaded_partitions.empty() ? 1 : replica_number;
  QUIVER_RETURN_IF_ERROR(PutCollection(updated));
  if (options_.load_state_changed) options_.load_state_changed();
  return Status::OK();
}

Status Coord::CommitFlush(int64_t collection_id, const std::string& channel,
                          const std::vector<cluster::SegmentInfo>& segments,
                          const std::optional<cluster::DeltaInfo>& delta, const cluster::Checkpoint& checkpoint) {
  MutexLock lock(&mu_);
  if (!collections_.count(collection_id)) return CollectionNotFound(std::to_string(collection_id));
  // Two datanodes may consume a channel while it moves between them; both cut the same epochs
  // (seal records are in the WAL), so an epoch at or behind the committed checkpoint was flushed
  // already, with the same segments. Committing it again would move the checkpoint back.
  if (auto known = segments_.find(collection_id); known != segments_.end()) {
    auto committed = known->second.checkpoints.find(channel);
    if (committed != known->second.checkpoints.end() && committed->second.epoch >= checkpoint.epoch) {
      QUIVER_LOG(INFO) << "flush already committed" << Kv("channel", channel) << Kv("epoch", checkpoint.epoch)
                       << Kv("committed_epoch", committed->second.epoch);
      return Status::OK();
    }
  }
  storage::TxnRequest txn;
  for (const auto& s : segments) txn.success.push_back(storage::TxnOp::Put(SegmentKey(collection_id, s.id), EncodeSegment(s)));
  if (delta) txn.success.push_back(storage::TxnOp::Put(DeltaKey(collection_id, channel, delta->epoch), EncodeDelta(*delta)));
  txn.success.push_back(storage::TxnOp::Put(CheckpointKey(collection_id, channel), EncodeCheckpoint(checkpoint)));
  QUIVER_RETURN_IF_ERROR(meta_->Txn(txn).status());
  cluster::CollectionSegments& state = segments_[collection_id];
  for (const auto& s : segments) {
    std::erase_if(state.segments, [&](const auto& x) { return x.id == s.id; });
    state.segments.push_back(s);
  }
  if (delta) {
    std::erase_if(state.deltas, [&](const auto& x) { return x.channel == channel && x.epoch == delta->epoch; });
    state.deltas.push_back(*delta);
  }
  state.checkpoints[channel] = checkpoint;
  return Status::OK();
}

Result<cluster::CollectionSegments> Coord::GetSegments(int64_t collection_id) {
  MutexLock lock(&mu_);
  if (!collections_.count(collection_id)) return CollectionNotFound(std::to_string(collection_id));
  auto it = segments_.find(collection_id);
  return it == segments_.end() ? cluster::CollectionSegments{} : it->second;
}

}  // namespace quiver::coord
