#pragma once

// The catalog's types, as the coordinator stores them and every role reads them: databases,
// collections with their partitions, channels, indexes, aliases and load state.

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/timestamp.h"
#include "schema/schema.h"

namespace quiver::cluster {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::string_view kDefaultDatabase = "default";
inline constexpr std::string_view kDefaultPartition = "_default";

struct DatabaseInfo {
  int64_t id = 0;
  std::string name;
  Timestamp created_ts = 0;
  KeyValues properties;
};

struct PartitionInfo {
  int64_t id = 0;
  std::string name;
  uint32_t slot = 0;  // ordinal within the collection, part of segment ids
  Timestamp created_ts = 0;
};

struct IndexInfo {
  int64_t id = 0;
  std::string name;
  schema::FieldId field_id = 0;
  std::string field_name;
  std::string index_type;   // as requested (AUTOINDEX, HNSW, ...); the registry resolves the family
  std::string metric_type;  // L2 / IP / COSINE / ... (empty for scalar indexes)
  KeyValues params;         // every parameter as given, echoed by DescribeIndex
  Timestamp created_ts = 0;
};

struct ChannelInfo {
  std::string name;  // WAL channel name
  uint64_t uid = 0;  // part of segment ids
};

struct CollectionInfo {
  int64_t id = 0;
  int64_t db_id = 0;
  std::string db_name;
  std::string name;
  std::shared_ptr<const schema::CollectionSchema> schema;
  int32_t shards = 1;
  std::vector<ChannelInfo> channels;
  int32_t consistency_level = 2;  // Milvus ConsistencyLevel value (Bounded)
  KeyValues properties;
  Timestamp created_ts = 0;
  int64_t num_partitions = 0;  // partition-key collections
  std::vector<PartitionInfo> partitions;
  std::vector<IndexInfo> indexes;
  std::vector<std::string> aliases;
  std::vector<int64_t> loaded_partitions;  // empty = not loaded
  int32_t replica_number = 1;              // copies served while loaded, each by its own querynode
  Timestamp updated_ts = 0;

  bool loaded() const { return !loaded_partitions.empty(); }
  bool PartitionLoaded(int64_t partition_id) const {
    for (int64_t id : loaded_partitions) {
      if (id == partition_id) return true;
    }
    return false;
  }

  const PartitionInfo* FindPartition(std::string_view partition) const {
    for (const auto& p : partitions) {
      if (p.name == partition) return &p;
    }
    return nullptr;
  }
  const IndexInfo* FindIndexByField(schema::FieldId field) const {
    for (const auto& i : indexes) {
      if (i.field_id == field) return &i;
    }
    return nullptr;
  }
};

using CollectionPtr = std::shared_ptr<const CollectionInfo>;

}  // namespace quiver::cluster
