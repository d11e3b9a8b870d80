#pragma once

// An in-memory CoordClient for unit tests of the roles (datanode, querynode, indexnode, proxy):
// a catalog of collections added by the test, the segment registry (flush commits, segment
// indexes, checkpoints), allocation, load state and dropping a collection. Other catalog DDL
// through the client is not needed by those roles and answers NotSupported, so a test that
// strays there fails loudly. Thread-safe.

#include <atomic>
#include <map>
#include <mutex>

#include "cluster/clients.h"
#include "cluster/errors.h"
#include "common/timestamp.h"
#include "storage/wal/wal.h"

namespace quiver::cluster::testing {

class FakeCoord final : public CoordClient {
 public:
  // Adds a collection (channels created in `wal`, one partition "_default" unless given) and
  // returns it.
  CollectionPtr AddCollection(storage::Wal* wal, const std::string& name, schema::CollectionSchema schema,
                              int32_t shards = 1, std::vector<std::string> partitions = {"_default"}) {
    std::lock_guard<std::mutex> lock(mu_);
    MustOk(schema::NormalizeSchema(&schema));
    auto info = std::make_shared<CollectionInfo>();
    info->id = next_id_++;
    info->db_name = "default";
    info->name = name;
    info->schema = std::make_shared<const schema::CollectionSchema>(std::move(schema));
    info->shards = shards;
    for (int32_t s = 0; s < shards; ++s) {
      ChannelInfo channel{"ch-" + std::to_string(info->id) + "-" + std::to_string(s), next_uid_++};
      MustOk(wal->CreateChannel(channel.name));
      info->channels.push_back(channel);
    }
    uint32_t slot = 0;
    for (const auto& p : partitions) info->partitions.push_back({next_id_++, p, slot++, 1});
    collections_[info->id] = info;
    return info;
  }
  // Replaces a collection's catalog entry (indexes added, load state...).
  void Put(CollectionPtr collection) {
    std::lock_guard<std::mutex> lock(mu_);
    collections_[collection->id] = std::move(collection);
  }
  int commits() const { return commits_.load(); }

  // The segment registry and allocation: what the roles use.
  Result<CollectionPtr> DescribeCollectionById(int64_t id) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = collections_.find(id);
    if (it == collections_.end()) return CollectionNotFound(std::to_string(id));
    return it->second;
  }
  Result<std::vector<CollectionPtr>> ListAllCollections() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<CollectionPtr> out;
    for (const auto& [id, c] : collections_) out.push_back(c);
    return out;
  }
  Result<Timestamp> AllocTimestamp(uint32_t count) override {
    std::lock_guard<std::mutex> lock(mu_);
    Timestamp ts = ComposeTimestamp(1700000000000ull + ++physical_, 0);
    physical_ += count;
    return ts;
  }
  Result<int64_t> AllocIds(uint32_t count) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t first = next_id_;
    next_id_ += count;
    return first;
  }
  Status CommitFlush(int64_t collection_id, const std::string& channel, const std::vector<SegmentInfo>& segments,
                     const std::optional<DeltaInfo>& delta, const Checkpoint& checkpoint) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& s = segments_[collection_id];
    // As the coordinator: an epoch already committed (by another datanode) changes nothing.
    if (auto it = s.checkpoints.find(channel); it != s.checkpoints.end() && it->second.epoch >= checkpoint.epoch) {
      return Status::OK();
    }
    for (const auto& seg : segments) {
      bool again = false;
      for (const auto& old : s.segments) again = again || old.id == seg.id;
      if (!again) s.segments.push_back(seg);
    }
    if (delta) s.deltas.push_back(*delta);
    s.checkpoints[channel] = checkpoint;
    ++commits_;
    return Status::OK();
  }
  Result<CollectionSegments> GetSegments(int64_t collection_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    return segments_[collection_id];
  }
  Status CommitSegmentIndex(const SegmentIndexInfo& info) override {
    std::lock_guard<std::mutex> lock(mu_);
    segments_[info.collection_id].indexes.push_back(info);
    return Status::OK();
  }
  Status DiscardSegmentIndex(const SegmentIndexInfo& info) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto& indexes = segments_[info.collection_id].indexes;
    std::erase_if(indexes, [&](const SegmentIndexInfo& i) {
      return i.index_id == info.index_id && i.segment_id == info.segment_id;
    });
    return Status::OK();
  }

  // Catalog DDL: not used by the roles under test.
  Status CreateDatabase(const std::string&, const KeyValues&) override { return No(); }
  Status DropDatabase(const std::string&) override { return No(); }
  Result<std::vector<DatabaseInfo>> ListDatabases() override { return No(); }
  Result<DatabaseInfo> DescribeDatabase(const std::string&) override { return No(); }
  Status AlterDatabase(const std::string&, const KeyValues&, const std::vector<std::string>&) override { return No(); }
  Status CreateCollection(const std::string&, const CollectionSpec&) override { return No(); }
  Status DropCollection(const std::string&, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = collections_.begin(); it != collections_.end(); ++it) {
      if (it->second->name == name) {
        collections_.erase(it);
        return Status::OK();
      }
    }
    return CollectionNotFound(name);
  }
  Result<CollectionPtr> DescribeCollection(const std::string&, const std::string& name) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, c] : collections_) {
      if (c->name == name) return c;
    }
    return CollectionNotFound(name);
  }
  Result<std::vector<CollectionPtr>> ListCollections(const std::string&) override { return ListAllCollections(); }
  Status RenameCollection(const std::string&, const std::string&, const std::string&, const std::string&) override {
    return No();
  }
  Status AlterCollection(const std::string&, const std::string&, const KeyValues&, const std::vector<std::string>&) override {
    return No();
  }
  Status CreatePartition(const std::string&, const std::string&, const std::string&) override { return No(); }
  Status DropPartition(const std::string&, const std::string&, const std::string&) override { return No(); }
  Status CreateAlias(const std::string&, const std::string&, const std::string&) override { return No(); }
  Status DropAlias(const std::string&, const std::string&) override { return No(); }
  Status AlterAlias(const std::string&, const std::string&, const std::string&) override { return No(); }
  Result<std::string> DescribeAlias(const std::string&, const std::string&) override { return No(); }
  Status CreateIndex(const std::string&, const std::string&, const IndexInfo&) override { return No(); }
  Status DropIndex(const std::string&, const std::string&, const std::string&) override { return No(); }
  Status SetLoadState(int64_t id, const std::vector<int64_t>& partitions, int32_t replicas) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = collections_.find(id);
    if (it == collections_.end()) return CollectionNotFound(std::to_string(id));
    auto updated = std::make_shared<CollectionInfo>(*it->second);
    updated->loaded_partitions = partitions;
    updated->replica_number = replicas;
    it->second = std::move(updated);
    return Status::OK();
  }
  Status AlterIndex(const std::string&, const std::string&, const std::string&, const KeyValues&,
                    const std::vector<std::string>&) override {
    return No();
  }
  Status AlterField(const std::string&, const std::string&, const std::string&, const KeyValues&,
                    const std::vector<std::string>&) override {
    return No();
  }

 private:
  static Status No() { return Status::NotSupported("not part of the fake coordinator"); }
  static void MustOk(const Status& st) {
    if (!st.ok()) std::abort();  // a broken fixture, not a test failure
  }

  mutable std::mutex mu_;
  std::map<int64_t, CollectionPtr> collections_;
  std::map<int64_t, CollectionSegments> segments_;
  int64_t next_id_ = 1000;
  uint64_t next_uid_ = 1;
  uint64_t physical_ = 0;
  std::atomic<int> commits_{0};
};

}  // namespace quiver::cluster::testing
