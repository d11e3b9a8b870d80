// Collection state the proxy drives across roles: loading and releasing (catalog state, then the
// querynode), dropping, new partitions of loaded collections, row counts and index build progress.

#include <algorithm>
#include <set>

#include "cluster/errors.h"
#include "index/registry.h"
#include "proxy/proxy.h"

namespace quiver::proxy {

Result<size_t> Proxy::RowCount(const cluster::CollectionInfo& collection, std::optional<int64_t> partition,
                                           const cluster::CollectionSegments* known) {
  cluster::CollectionSegments fetched;
  if (known == nullptr) {
    QUIVER_ASSIGN_OR_RETURN(fetched, coord_->GetSegments(collection.id));
    known = &fetched;
  }
  size_t rows = 0;
  for (const auto& s : known->segments) {
    if (!partition || s.partition_id == *partition) rows += s.rows;
  }
  QUIVER_ASSIGN_OR_RETURN(auto buffered, datanode_->BufferedRows(collection.id));
  for (const auto& [p, n] : buffered) {
    if (!partition || p == *partition) rows += n;
  }
  return rows;
}

Result<std::map<int64_t, IndexProgress>> Proxy::IndexProgressOf(
    const cluster::CollectionInfo& collection) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, coord_->GetSegments(collection.id));
  QUIVER_ASSIGN_OR_RETURN(size_t total, RowCount(collection, std::nullopt, &segments));
  std::map<int64_t, IndexProgress> out;
  for (const cluster::IndexInfo& index : collection.indexes) {
    const schema::FieldSchema* field = collection.schema->FindFieldById(index.field_id);
    const index::IndexFamily* family =
        field == nullptr ? nullptr : index::IndexRegistry::Builtin().Serving(index.index_type, field->type);
    bool needs_files = field != nullptr && schema::IsVectorType(field->type) && family != nullptr && !family->exact;
    std::set<segment::SegmentId> built;
    for (const auto& i : segments.indexes) {
      if (i.index_id == index.id) built.insert(i.segment_id);
    }
    IndexProgress& progress = out[index.id];
    progress.total_rows = total;
    for (const auto& s : segments.segments) {
      if (!needs_files || built.count(s.id)) {
        progress.indexed_rows += s.rows;
      } else {
        progress.pending_rows += s.rows;
      }
    }
  }
  return out;
}

Status Proxy::LoadPartitions(const cluster::CollectionPtr& collection, std::vector<int64_t> partitions,
                             int32_t replicas, const std::vector<std::string>& groups) {
  for (const auto* field : collection->schema->VectorFields()) {
    if (collection->FindIndexByField(field->id) == nullptr) {
      return Status::FailedPrecondition("there is no vector index on field: [" + field->name +
                                        "], please create index firstly")
          .WithDetail(ErrorDetail::kIndexNotFound);
    }
  }
  std::sort(partitions.begin(), partitions.end());
  partitions.erase(std::unique(partitions.begin(), partitions.end()), partitions.end());
  if (replicas < 0) return Status::InvalidArgument("replica number must not be negative");
  MutexLock lock(&LoadLock(collection->id));
  QUIVER_ASSIGN_OR_RETURN(auto current, coord_->DescribeCollectionById(collection->id));
  if (replicas == 0) replicas = current->loaded() ? current->replica_number : 1;
  // Which resource groups hold the replicas, set before the load state so that the coordinator
  // places them there at once.
  std::optional<std::map<std::string, int32_t>> previous_groups;
  QUIVER_RETURN_IF_ERROR(PlaceInGroups(*current, replicas, groups, &previous_groups));
  auto restore_groups = [&] {
    if (!previous_groups) return;
    if (previous_groups->empty()) {
      options_.resource_groups->ClearReplicaGroups(collection->id).IgnoreError();
    } else {
      options_.resource_groups->SetReplicaGroups(collection->id, *previous_groups).IgnoreError();
    }
  };
  if (Status st = coord_->SetLoadState(collection->id, partitions, replicas); !st.ok()) {
    restore_groups();
    return st;
  }
  QUIVER_ASSIGN_OR_RETURN(auto fresh, coord_->DescribeCollectionById(collection->id));
  Status loaded = querynode_->LoadCollection(fresh, {});
  if (!loaded.ok()) {
    restore_groups();
    coord_->SetLoadState(collection->id, current->loaded_partitions, current->replica_number).IgnoreError();
    return loaded;
  }
  return Status::OK();
}

Status Proxy::KeepLoadedPartitions(const cluster::CollectionPtr& collection, const std::vector<int64_t>& partitions) {
  MutexLock lock(&LoadLock(collection->id));
  QUIVER_ASSIGN_OR_RETURN(auto current, coord_->DescribeCollectionById(collection->id));
  QUIVER_RETURN_IF_ERROR(coord_->SetLoadState(collection->id, partitions, current->replica_number));
  if (partitions.empty()) {
    QUIVER_RETURN_IF_ERROR(querynode_->ReleaseCollection(collection->id));
    if (options_.resource_groups != nullptr) return options_.resource_groups->ClearReplicaGroups(collection->id);
    return Status::OK();
  }
  QUIVER_ASSIGN_OR_RETURN(auto fresh, coord_->DescribeCollectionById(collection->id));
  return querynode_->LoadCollection(fresh, {});
}

Status Proxy::LoadCollection(const std::string& db, const std::string& name, int32_t replicas,
                             const std::vector<std::string>& groups) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, name));
  std::vector<int64_t> ids;
  for (const auto& p : c->partitions) ids.push_back(p.id);
  return LoadPartitions(c, ids, replicas, groups);
}

Status Proxy::ReleaseCollection(const std::string& db, const std::string& name) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, name));
  return Release(*c);
}

Status Proxy::LoadPartitionsNamed(const std::string& db, const std::string& collection,
                                  const std::vector<std::string>& partitions, int32_t replicas,
                                  const std::vector<std::string>& groups) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  if (partitions.empty()) return Status::InvalidArgument("partition names are empty");
  std::vector<int64_t> ids = c->loaded_partitions;
  for (const auto& name : partitions) {
    const cluster::PartitionInfo* p = c->FindPartition(name);
    if (p == nullptr) return cluster::PartitionNotFound(name);
    ids.push_back(p->id);
  }
  return LoadPartitions(c, ids, replicas, groups);
}

Status Proxy::ReleasePartitionsNamed(const std::string& db, const std::string& collection,
                                     const std::vector<std::string>& partitions) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, DescribeCollection(db, collection));
  std::vector<int64_t> ids = c->loaded_partitions;
  for (const auto& name : partitions) {
    const cluster::PartitionInfo* p = c->FindPartition(name);
    if (p != nullptr) std::erase(ids, p->id);
  }
  return KeepLoadedPartitions(c, ids);
}

Status Proxy::Release(const cluster::CollectionInfo& collection) {
  MutexLock lock(&LoadLock(collection.id));
  QUIVER_RETURN_IF_ERROR(coord_->SetLoadState(collection.id, {}, 1));
  QUIVER_RETURN_IF_ERROR(querynode_->ReleaseCollection(collection.id));
  if (options_.resource_groups != nullptr) QUIVER_RETURN_IF_ERROR(options_.resource_groups->ClearReplicaGroups(collection.id));
  return Status::OK();
}

Status Proxy::DropCollection(const std::string& db, const std::string& name) {
  // By name only (an alias does not drop its collection); the querynode lets go of it first,
  // once nothing refuses the drop (a refused drop leaves the collection loaded). Under the
  // collection's load lock, described again there: a load racing the drop either finished
  // before (and is undone here) or runs after and finds the collection gone.
  for (int attempt = 0;; ++attempt) {
    Result<cluster::CollectionPtr> collection = coord_->DescribeCollection(db, name);
    if (!collection.ok() || (*collection)->name != name) return coord_->DropCollection(db, name);  // reports why
    MutexLock lock(&LoadLock((*collection)->id));
    Result<cluster::CollectionPtr> locked = coord_->DescribeCollection(db, name);
    if (locked.ok() && (*locked)->name == name && (*locked)->id != (*collection)->id && attempt < 3) {
      continue;  // dropped and created again meanwhile: lock the new one
    }
    bool released = false;
    if (locked.ok() && (*locked)->name == name) {
      if (!(*locked)->aliases.empty()) return cluster::CollectionHasAliases(name);
      QUIVER_RETURN_IF_ERROR(querynode_->ReleaseCollection((*locked)->id));
      released = (*locked)->loaded();
    }
    Status dropped = coord_->DropCollection(db, name);
    if (dropped.ok() && locked.ok() && options_.resource_groups != nullptr) {
      options_.resource_groups->ClearReplicaGroups((*locked)->id).IgnoreError();
    }
    if (dropped.ok() && locked.ok()) {
      MutexLock forget(&observed_mu_);
      for (const auto& channel : (*locked)->channels) observed_.erase(channel.name);
    }
    if (!dropped.ok() && released) {
      // Refused after all (an alias was created meanwhile): serve the collection again.
      if (Status reloaded = querynode_->LoadCollection(*locked, {}); !reloaded.ok()) {
        return dropped.Annotate("and reloading the collection failed: " + reloaded.ToString());
      }
    }
    return dropped;
  }
}

Status Proxy::CreatePartition(const std::string& db, const std::string& collection, const std::string& partition) {
  QUIVER_RETURN_IF_ERROR(coord_->CreatePartition(db, collection, partition));
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr c, coord_->DescribeCollection(db, collection));
  MutexLock lock(&LoadLock(c->id));
  QUIVER_ASSIGN_OR_RETURN(c, coord_->DescribeCollectionById(c->id));  // not dropped meanwhile
  if (c->loaded()) QUIVER_RETURN_IF_ERROR(querynode_->LoadCollection(c, {}));
  return Status::OK();
}

}  // namespace quiver::proxy
