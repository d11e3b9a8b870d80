// The catalog as the front doors see it: databases, collections, partitions, aliases and indexes
// from the coordinator, load state from the querynode, timestamps and ids.

#include <algorithm>

#include "cluster/errors.h"
#include "proxy/properties.h"
#include "proxy/proxy.h"

namespace quiver::proxy {

Status Proxy::CreateDatabase(const std::string& name, const cluster::KeyValues& properties) {
  QUIVER_RETURN_IF_ERROR(CheckProperties(PropertyScope::kDatabase, properties));
  return coord_->CreateDatabase(name, properties);
}

Status Proxy::DropDatabase(const std::string& name) { return coord_->DropDatabase(name); }

Result<std::vector<cluster::DatabaseInfo>> Proxy::ListDatabases() { return coord_->ListDatabases(); }

Result<cluster::DatabaseInfo> Proxy::DescribeDatabase(const std::string& name) {
  return coord_->DescribeDatabase(name);
}

Status Proxy::AlterDatabase(const std::string& name, const cluster::KeyValues& set,
                            const std::vector<std::string>& remove) {
  QUIVER_RETURN_IF_ERROR(CheckProperties(PropertyScope::kDatabase, set));
  return coord_->AlterDatabase(name, set, remove);
}

Status Proxy::CreateCollection(const std::string& db, CollectionRequest request) {
  QUIVER_RETURN_IF_ERROR(CheckSchemaFeatures(request.schema));
  for (const auto& field : request.schema.fields) {
    for (const auto& [key, value] : field.type_params) QUIVER_RETURN_IF_ERROR(CheckTypeParam(field.name, key, value));
  }
  QUIVER_RETURN_IF_ERROR(CheckProperties(PropertyScope::kCollection, request.properties));
  QUIVER_RETURN_IF_ERROR(schema::NormalizeSchema(&request.schema));
  cluster::CollectionSpec spec;
  spec.name = request.schema.name;
  spec.shards = request.shards_num <= 0 ? 1 : request.shards_num;
  if (spec.shards > 16) return Status::InvalidArgument("shard num (" + std::to_string(spec.shards) + ") exceeds the limit (16)");
  spec.consistency_level = request.consistency_level;
  spec.properties = std::move(request.properties);
  bool partition_key = std::any_of(request.schema.fields.begin(), request.schema.fields.end(),
                                   [](const auto& f) { return f.partition_key; });
  if (partition_key) {
    spec.num_partitions = request.num_partitions > 0 ? request.num_partitions : 16;
    if (spec.num_partitions > 1024) return Status::InvalidArgument("partition number exceeds the limit (1024)");
  } else if (request.num_partitions > 0) {
    return Status::InvalidArgument("num_partitions should only be specified with a partition key field");
  }
  spec.schema = std::make_shared<const schema::CollectionSchema>(std::move(request.schema));
  return coord_->CreateCollection(db, spec);
}

Result<cluster::CollectionPtr> Proxy::DescribeCollection(const std::string& db, const std::string& name) {
  if (name.empty()) {
    return Status::InvalidArgument("collection name should not be empty").WithDetail(ErrorDetail::kParameterMissing);
  }
  return coord_->DescribeCollection(db, name);
}

Result<cluster::CollectionPtr> Proxy::DescribeCollectionById(int64_t id) { return coord_->DescribeCollectionById(id); }

Result<cluster::CollectionPtr> Proxy::LoadedCollection(const std::string& db, const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr collection, DescribeCollection(db, name));
  if (!collection->loaded()) return cluster::CollectionNotLoaded(name);
  if (Status failed = querynode_->LoadError(collection->id); !failed.ok()) {
    return Status::FailedPrecondition("collection not loaded[collection=" + name + "]: loading failed: " +
                                      failed.ToString())
        .WithDetail(ErrorDetail::kCollectionNotLoaded);
  }
  return collection;
}

Result<std::vector<cluster::CollectionPtr>> Proxy::ListCollections(const std::string& db) {
  return coord_->ListCollections(db);
}

Result<std::vector<cluster::CollectionPtr>> Proxy::ListAllCollections() { return coord_->ListAllCollections(); }

Status Proxy::AlterCollection(const std::string& db, const std::string& name, const cluster::KeyValues& set,
                              const std::vector<std::string>& remove) {
  QUIVER_RETURN_IF_ERROR(CheckProperties(PropertyScope::kCollection, set));
  return coord_->AlterCollection(db, name, set, remove);
}

Status Proxy::RenameCollection(const std::string& db, const std::string& old_name, const std::string& new_db,
                               const std::string& new_name) {
  return coord_->RenameCollection(db, old_name, new_db, new_name);
}

Status Proxy::AlterField(const std::string& db, const std::string& collection, const std::string& field,
                         const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  QUIVER_RETURN_IF_ERROR(CheckFieldProperties(field, set));
  return coord_->AlterField(db, collection, field, set, remove);
}

Status Proxy::DropPartition(const std::string& db, const std::string& collection, const std::string& partition) {
  return coord_->DropPartition(db, collection, partition);
}

Result<std::vector<int64_t>> Proxy::ReadPartitions(const cluster::CollectionInfo& collection,
                                                   const std::vector<std::string>& names) const {
  if (names.empty()) return collection.loaded_partitions;
  for (const auto& f : collection.schema->fields) {
    if (f.partition_key) {
      return Status::InvalidArgument("not support manually specifying the partition names if partition key mode is used");
    }
  }
  std::vector<int64_t> ids;
  for (const auto& name : names) {
    const cluster::PartitionInfo* p = collection.FindPartition(name);
    if (p == nullptr) return cluster::PartitionNotFound(name);
    if (!collection.PartitionLoaded(p->id)) return cluster::PartitionNotLoaded(name);
    ids.push_back(p->id);
  }
  return ids;
}

Status Proxy::CreateAlias(const std::string& db, const std::string& collection, const std::string& alias) {
  return coord_->CreateAlias(db, collection, alias);
}

Status Proxy::DropAlias(const std::string& db, const std::string& alias) { return coord_->DropAlias(db, alias); }

Status Proxy::AlterAlias(const std::string& db, const std::string& collection, const std::string& alias) {
  return coord_->AlterAlias(db, collection, alias);
}

Result<std::string> Proxy::DescribeAlias(const std::string& db, const std::string& alias) {
  return coord_->DescribeAlias(db, alias);
}

Status Proxy::DropIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                        const std::string& field_name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  if (c->loaded()) {
    return Status::FailedPrecondition("index cannot be dropped, collection is loaded, please release it first");
  }
  std::string name = index_name;
  if (name.empty()) {
    for (const auto& index : c->indexes) {
      if (index.field_name == field_name) name = index.name;
    }
  }
  if (name.empty()) return cluster::IndexNotFound(c->name);
  return coord_->DropIndex(db, c->name, name);
}

Result<std::vector<IndexDescription>> Proxy::DescribeIndexes(const std::string& db, const std::string& collection,
                                                             const std::string& index_name,
                                                             const std::string& field_name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  QUIVER_ASSIGN_OR_RETURN(auto progress_of, IndexProgressOf(*c));
  std::vector<IndexDescription> out;
  for (const auto& index : c->indexes) {
    if (!index_name.empty() && index.name != index_name) continue;
    if (!field_name.empty() && index.field_name != field_name) continue;
    out.push_back({index, progress_of.at(index.id)});
  }
  if (out.empty()) return cluster::IndexNotFound(c->name);
  return out;
}

Result<bool> Proxy::HasCollection(const std::string& db, const std::string& name) {
  Result<cluster::CollectionPtr> c = DescribeCollection(db, name);
  if (!c.ok() && c.status().detail() != ErrorDetail::kCollectionNotFound) return c.status();
  return c.ok();
}

Result<size_t> Proxy::RowCountOf(const std::string& db, const std::string& collection, const std::string& partition) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  if (partition.empty()) return RowCount(*c, std::nullopt);
  const cluster::PartitionInfo* p = c->FindPartition(partition);
  if (p == nullptr) return cluster::PartitionNotFound(partition);
  return RowCount(*c, p->id);
}

Status Proxy::AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                         const cluster::KeyValues& set, const std::vector<std::string>& remove) {
  QUIVER_RETURN_IF_ERROR(CheckAlterIndexParams(set));
  return coord_->AlterIndex(db, collection, index_name, set, remove);
}

Result<int64_t> Proxy::LoadingProgress(const cluster::CollectionInfo& collection,
                                       const std::vector<std::string>& partitions) {
  if (!collection.loaded()) return cluster::CollectionNotLoaded(collection.name);
  for (const auto& name : partitions) {
    const cluster::PartitionInfo* p = collection.FindPartition(name);
    if (p == nullptr) return cluster::PartitionNotFound(name);
    if (!collection.PartitionLoaded(p->id)) return cluster::PartitionNotLoaded(name);
  }
  return querynode_->LoadingProgress(collection.id, {});
}

Result<bool> Proxy::LoadState(const cluster::CollectionInfo& collection, const std::vector<std::string>& partitions) {
  bool loaded = collection.loaded();
  if (Status failed = querynode_->LoadError(collection.id); !failed.ok() && loaded) {
    return Status::FailedPrecondition("collection not loaded[collection=" + collection.name + "]: loading failed: " +
                                      failed.ToString())
        .WithDetail(ErrorDetail::kCollectionNotLoaded);
  }
  for (const auto& name : partitions) {
    const cluster::PartitionInfo* p = collection.FindPartition(name);
    if (p == nullptr) return cluster::PartitionNotFound(name);
    loaded = loaded && collection.PartitionLoaded(p->id);
  }
  return loaded;
}

Result<Timestamp> Proxy::AllocTimestamp() { return coord_->AllocTimestamp(1); }

Result<int64_t> Proxy::AllocIds(uint32_t count) { return coord_->AllocIds(count); }

}  // namespace quiver::proxy
