#include "rpc/internal/coord_service.h"

#include "coord/catalog_codec.h"
#include "internal/coord.grpc.pb.h"
#include "rpc/internal/call.h"

namespace quiver::rpc {

namespace pb = quiver::internal;

namespace {

using cluster::CollectionPtr;
using Ctx = grpc::ServerContext;

void SetKeyValues(const cluster::KeyValues& kvs, google::protobuf::RepeatedPtrField<pb::KeyValue>* out) {
  for (const auto& [key, value] : kvs) {
    pb::KeyValue* kv = out->Add();
    kv->set_key(key);
    kv->set_value(value);
  }
}

cluster::KeyValues GetKeyValues(const google::protobuf::RepeatedPtrField<pb::KeyValue>& kvs) {
  cluster::KeyValues out;
  for (const auto& kv : kvs) out.emplace_back(kv.key(), kv.value());
  return out;
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return {items.begin(), items.end()};
}

// A CollectionSpec as a catalog record: a collection entry holding the spec's fields.
std::string EncodeSpec(const cluster::CollectionSpec& spec) {
  cluster::CollectionInfo info;
  info.name = spec.name;
  info.schema = spec.schema;
  info.shards = spec.shards;
  info.consistency_level = spec.consistency_level;
  info.properties = spec.properties;
  info.num_partitions = spec.num_partitions;
  return coord::EncodeCollection(info);
}

Result<cluster::CollectionSpec> DecodeSpec(std::string_view record) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionInfo info, coord::DecodeCollection(record));
  return cluster::CollectionSpec{info.name,       info.schema,     info.shards, info.consistency_level,
                                 info.properties, info.num_partitions};
}

Result<CollectionPtr> DecodeCollectionPtr(std::string_view record) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionInfo info, coord::DecodeCollection(record));
  return std::make_shared<const cluster::CollectionInfo>(std::move(info));
}

// --- The service ---------------------------------------------------------------------------------

template <typename Reply>
grpc::Status Answer(Reply* out, const Status& status) {
  StatusToProto(status, out->mutable_status());
  return grpc::Status::OK;
}

grpc::Status Answer(pb::CatalogReply* out, const Result<CollectionPtr>& collection) {
  if (collection.ok()) out->add_records(coord::EncodeCollection(**collection));
  return Answer(out, collection.status());
}

grpc::Status Answer(pb::CatalogReply* out, const Result<std::vector<CollectionPtr>>& collections) {
  if (collections.ok()) {
    for (const auto& c : *collections) out->add_records(coord::EncodeCollection(*c));
  }
  return Answer(out, collections.status());
}

class CoordServiceImpl final : public pb::CoordService::Service {
 public:
  explicit CoordServiceImpl(cluster::CoordClient* coord) : coord_(coord) {}

  grpc::Status DescribeCollectionById(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DescribeCollectionById(r->id()));
  }
  grpc::Status ListAllCollections(Ctx*, const pb::CatalogRequest*, pb::CatalogReply* out) override {
    return Answer(out, coord_->ListAllCollections());
  }
  grpc::Status CreateDatabase(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->CreateDatabase(r->name(), GetKeyValues(r->set())));
  }
  grpc::Status DropDatabase(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DropDatabase(r->name()));
  }
  grpc::Status ListDatabases(Ctx*, const pb::CatalogRequest*, pb::CatalogReply* out) override {
    Result<std::vector<cluster::DatabaseInfo>> dbs = coord_->ListDatabases();
    if (dbs.ok()) {
      for (const auto& db : *dbs) out->add_records(coord::EncodeDatabase(db));
    }
    return Answer(out, dbs.status());
  }
  grpc::Status DescribeDatabase(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    Result<cluster::DatabaseInfo> db = coord_->DescribeDatabase(r->name());
    if (db.ok()) out->add_records(coord::EncodeDatabase(*db));
    return Answer(out, db.status());
  }
  grpc::Status AlterDatabase(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->AlterDatabase(r->name(), GetKeyValues(r->set()), Strings(r->remove())));
  }
  grpc::Status CreateCollection(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    Result<cluster::CollectionSpec> spec = DecodeSpec(r->record());
    if (!spec.ok()) return Answer(out, spec.status());
    return Answer(out, coord_->CreateCollection(r->db(), *spec));
  }
  grpc::Status DropCollection(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DropCollection(r->db(), r->name()));
  }
  grpc::Status DescribeCollection(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DescribeCollection(r->db(), r->name()));
  }
  grpc::Status ListCollections(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->ListCollections(r->db()));
  }
  grpc::Status RenameCollection(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->RenameCollection(r->db(), r->name(), r->new_db(), r->new_name()));
  }
  grpc::Status AlterCollection(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->AlterCollection(r->db(), r->name(), GetKeyValues(r->set()), Strings(r->remove())));
  }
  grpc::Status CreatePartition(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->CreatePartition(r->db(), r->name(), r->target()));
  }
  grpc::Status DropPartition(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DropPartition(r->db(), r->name(), r->target()));
  }
  grpc::Status CreateAlias(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->CreateAlias(r->db(), r->name(), r->target()));
  }
  grpc::Status DropAlias(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DropAlias(r->db(), r->target()));
  }
  grpc::Status AlterAlias(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->AlterAlias(r->db(), r->name(), r->target()));
  }
  grpc::Status DescribeAlias(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    Result<std::string> target = coord_->DescribeAlias(r->db(), r->target());
    if (target.ok()) out->set_text(*target);
    return Answer(out, target.status());
  }
  grpc::Status CreateIndex(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    Result<cluster::IndexInfo> index = coord::DecodeIndex(r->record());
    if (!index.ok()) return Answer(out, index.status());
    return Answer(out, coord_->CreateIndex(r->db(), r->name(), *index));
  }
  grpc::Status DropIndex(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->DropIndex(r->db(), r->name(), r->target()));
  }
  grpc::Status AlterIndex(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->AlterIndex(r->db(), r->name(), r->target(), GetKeyValues(r->set()), Strings(r->remove())));
  }
  grpc::Status AlterField(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->AlterField(r->db(), r->name(), r->target(), GetKeyValues(r->set()), Strings(r->remove())));
  }
  grpc::Status SetLoadState(Ctx*, const pb::CatalogRequest* r, pb::CatalogReply* out) override {
    return Answer(out, coord_->SetLoadState(r->id(), {r->ids().begin(), r->ids().end()}, r->count()));
  }

  grpc::Status AllocTimestamp(Ctx*, const pb::AllocRequest* r, pb::AllocReply* out) override {
    Result<Timestamp> ts = coord_->AllocTimestamp(r->count());
    if (ts.ok()) out->set_value(*ts);
    return Answer(out, ts.status());
  }
  grpc::Status AllocIds(Ctx*, const pb::AllocRequest* r, pb::AllocReply* out) override {
    Result<int64_t> id = coord_->AllocIds(r->count());
    if (id.ok()) out->set_value(static_cast<uint64_t>(*id));
    return Answer(out, id.status());
  }

  grpc::Status CommitFlush(Ctx*, const pb::SegmentsRequest* r, pb::SegmentsReply* out) override {
    std::vector<cluster::SegmentInfo> segments;
    for (const auto& record : r->segments()) {
      Result<cluster::SegmentInfo> segment = coord::DecodeSegment(record);
      if (!segment.ok()) return Answer(out, segment.status());
      segments.push_back(std::move(*segment));
    }
    std::optional<cluster::DeltaInfo> delta;
    if (!r->delta().empty()) {
      Result<cluster::DeltaInfo> decoded = coord::DecodeDelta(r->delta());
      if (!decoded.ok()) return Answer(out, decoded.status());
      delta = std::move(*decoded);
    }
    Result<cluster::Checkpoint> checkpoint = coord::DecodeCheckpoint(r->checkpoint());
    if (!checkpoint.ok()) return Answer(out, checkpoint.status());
    return Answer(out, coord_->CommitFlush(r->collection_id(), r->channel(), segments, delta, *checkpoint));
  }
  grpc::Status GetSegments(Ctx*, const pb::SegmentsRequest* r, pb::SegmentsReply* out) override {
    Result<cluster::CollectionSegments> got = coord_->GetSegments(r->collection_id());
    if (got.ok()) {
      for (const auto& s : got->segments) out->add_segments(coord::EncodeSegment(s));
      for (const auto& i : got->indexes) out->add_indexes(coord::EncodeSegmentIndex(i));
      for (const auto& d : got->deltas) out->add_deltas(coord::EncodeDelta(d));
      for (const auto& [channel, checkpoint] : got->checkpoints) {
        pb::ChannelCheckpoint* c = out->add_checkpoints();
        c->set_channel(channel);
        c->set_checkpoint(coord::EncodeCheckpoint(checkpoint));
      }
    }
    return Answer(out, got.status());
  }
  grpc::Status CommitSegmentIndex(Ctx*, const pb::SegmentsRequest* r, pb::SegmentsReply* out) override {
    Result<cluster::SegmentIndexInfo> info = coord::DecodeSegmentIndex(r->segment_index());
    if (!info.ok()) return Answer(out, info.status());
    return Answer(out, coord_->CommitSegmentIndex(*info));
  }
  grpc::Status DiscardSegmentIndex(Ctx*, const pb::SegmentsRequest* r, pb::SegmentsReply* out) override {
    Result<cluster::SegmentIndexInfo> info = coord::DecodeSegmentIndex(r->segment_index());
    if (!info.ok()) return Answer(out, info.status());
    return Answer(out, coord_->DiscardSegmentIndex(*info));
  }

 private:
  cluster::CoordClient* const coord_;
};

// --- The client ----------------------------------------------------------------------------------

class GrpcCoordClient final : public cluster::CoordClient {
 public:
  explicit GrpcCoordClient(const CoordClientOptions& options)
      : options_(options),
        stub_(options.address, options.credentials, options.leader) {}

  Result<CollectionPtr> DescribeCollectionById(int64_t id) override {
    pb::CatalogRequest r;
    r.set_id(id);
    return OneCollection(&Stub::DescribeCollectionById, "DescribeCollectionById", r);
  }
  Result<std::vector<CollectionPtr>> ListAllCollections() override {
    return Collections(&Stub::ListAllCollections, "ListAllCollections", pb::CatalogRequest());
  }
  Status CreateDatabase(const std::string& name, const cluster::KeyValues& properties) override {
    pb::CatalogRequest r;
    r.set_name(name);
    SetKeyValues(properties, r.mutable_set());
    return Call(&Stub::CreateDatabase, "CreateDatabase", r).status();
  }
  Status DropDatabase(const std::string& name) override {
    pb::CatalogRequest r;
    r.set_name(name);
    return Call(&Stub::DropDatabase, "DropDatabase", r).status();
  }
  Result<std::vector<cluster::DatabaseInfo>> ListDatabases() override {
    QUIVER_ASSIGN_OR_RETURN(pb::CatalogReply reply, Call(&Stub::ListDatabases, "ListDatabases", pb::CatalogRequest()));
    std::vector<cluster::DatabaseInfo> out;
    for (const auto& record : reply.records()) {
      QUIVER_ASSIGN_OR_RETURN(cluster::DatabaseInfo db, coord::DecodeDatabase(record));
      out.push_back(std::move(db));
    }
    return out;
  }
  Result<cluster::DatabaseInfo> DescribeDatabase(const std::string& name) override {
    pb::CatalogRequest r;
    r.set_name(name);
    QUIVER_ASSIGN_OR_RETURN(pb::CatalogReply reply, Call(&Stub::DescribeDatabase, "DescribeDatabase", r));
    if (reply.records_size() != 1) return Status::Internal("coordinator answered DescribeDatabase without a record");
    return coord::DecodeDatabase(reply.records(0));
  }
  Status AlterDatabase(const std::string& name, const cluster::KeyValues& set,
                       const std::vector<std::string>& remove) override {
    pb::CatalogRequest r = Altering(set, remove);
    r.set_name(name);
    return Call(&Stub::AlterDatabase, "AlterDatabase", r).status();
  }
  Status CreateCollection(const std::string& db, const cluster::CollectionSpec& spec) override {
    pb::CatalogRequest r;
    r.set_db(db);
    r.set_record(EncodeSpec(spec));
    return Call(&Stub::CreateCollection, "CreateCollection", r).status();
  }
  Status DropCollection(const std::string& db, const std::string& name) override {
    return Call(&Stub::DropCollection, "DropCollection", Named(db, name)).status();
  }
  Result<CollectionPtr> DescribeCollection(const std::string& db, const std::string& name) override {
    return OneCollection(&Stub::DescribeCollection, "DescribeCollection", Named(db, name));
  }
  Result<std::vector<CollectionPtr>> ListCollections(const std::string& db) override {
    return Collections(&Stub::ListCollections, "ListCollections", Named(db, ""));
  }
  Status RenameCollection(const std::string& db, const std::string& old_name, const std::string& new_db,
                          const std::string& new_name) override {
    pb::CatalogRequest r = Named(db, old_name);
    r.set_new_db(new_db);
    r.set_new_name(new_name);
    return Call(&Stub::RenameCollection, "RenameCollection", r).status();
  }
  Status AlterCollection(const std::string& db, const std::string& name, const cluster::KeyValues& set,
                         const std::vector<std::string>& remove) override {
    pb::CatalogRequest r = Altering(set, remove);
    r.set_db(db);
    r.set_name(name);
    return Call(&Stub::AlterCollection, "AlterCollection", r).status();
  }
  Status CreatePartition(const std::string& db, const std::string& collection, const std::string& partition) override {
    return Call(&Stub::CreatePartition, "CreatePartition", Named(db, collection, partition)).status();
  }
  Status DropPartition(const std::string& db, const std::string& collection, const std::string& partition) override {
    return Call(&Stub::DropPartition, "DropPartition", Named(db, collection, partition)).status();
  }
  Status CreateAlias(const std::string& db, const std::string& collection, const std::string& alias) override {
    return Call(&Stub::CreateAlias, "CreateAlias", Named(db, collection, alias)).status();
  }
  Status DropAlias(const std::string& db, const std::string& alias) override {
    return Call(&Stub::DropAlias, "DropAlias", Named(db, "", alias)).status();
  }
  Status AlterAlias(const std::string& db, const std::string& collection, const std::string& alias) override {
    return Call(&Stub::AlterAlias, "AlterAlias", Named(db, collection, alias)).status();
  }
  Result<std::string> DescribeAlias(const std::string& db, const std::string& alias) override {
    QUIVER_ASSIGN_OR_RETURN(pb::CatalogReply reply, Call(&Stub::DescribeAlias, "DescribeAlias", Named(db, "", alias)));
    return reply.text();
  }
  Status CreateIndex(const std::string& db, const std::string& collection, const cluster::IndexInfo& index) override {
    pb::CatalogRequest r = Named(db, collection);
    r.set_record(coord::EncodeIndex(index));
    return Call(&Stub::CreateIndex, "CreateIndex", r).status();
  }
  Status DropIndex(const std::string& db, const std::string& collection, const std::string& index_name) override {
    return Call(&Stub::DropIndex, "DropIndex", Named(db, collection, index_name)).status();
  }
  Status SetLoadState(int64_t collection_id, const std::vector<int64_t>& loaded_partitions,
                      int32_t replica_number) override {
    pb::CatalogRequest r;
    r.set_id(collection_id);
    r.set_count(replica_number);
    for (int64_t id : loaded_partitions) r.add_ids(id);
    return Call(&Stub::SetLoadState, "SetLoadState", r).status();
  }
  Status AlterIndex(const std::string& db, const std::string& collection, const std::string& index_name,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove) override {
    pb::CatalogRequest r = Altering(set, remove);
    r.MergeFrom(Named(db, collection, index_name));
    return Call(&Stub::AlterIndex, "AlterIndex", r).status();
  }
  Status AlterField(const std::string& db, const std::string& collection, const std::string& field,
                    const cluster::KeyValues& set, const std::vector<std::string>& remove) override {
    pb::CatalogRequest r = Altering(set, remove);
    r.MergeFrom(Named(db, collection, field));
    return Call(&Stub::AlterField, "AlterField", r).status();
  }

  Result<Timestamp> AllocTimestamp(uint32_t count) override {
    pb::AllocRequest r;
    r.set_count(count);
    QUIVER_ASSIGN_OR_RETURN(pb::AllocReply reply, Call(&Stub::AllocTimestamp, "AllocTimestamp", r));
    return static_cast<Timestamp>(reply.value());
  }
  Result<int64_t> AllocIds(uint32_t count) override {
    pb::AllocRequest r;
    r.set_count(count);
    QUIVER_ASSIGN_OR_RETURN(pb::AllocReply reply, Call(&Stub::AllocIds, "AllocIds", r));
    return static_cast<int64_t>(reply.value());
  }

  Status CommitFlush(int64_t collection_id, const std::string& channel, const std::vector<cluster::SegmentInfo>& segments,
                     const std::optional<cluster::DeltaInfo>& delta, const cluster::Checkpoint& checkpoint) override {
    pb::SegmentsRequest r;
    r.set_collection_id(collection_id);
    r.set_channel(channel);
    for (const auto& s : segments) r.add_segments(coord::EncodeSegment(s));
    if (delta) r.set_delta(coord::EncodeDelta(*delta));
    r.set_checkpoint(coord::EncodeCheckpoint(checkpoint));
    return Call(&Stub::CommitFlush, "CommitFlush", r).status();
  }
  Result<cluster::CollectionSegments> GetSegments(int64_t collection_id) override {
    pb::SegmentsRequest r;
    r.set_collection_id(collection_id);
    QUIVER_ASSIGN_OR_RETURN(pb::SegmentsReply reply, Call(&Stub::GetSegments, "GetSegments", r));
    cluster::CollectionSegments out;
    for (const auto& record : reply.segments()) {
      QUIVER_ASSIGN_OR_RETURN(cluster::SegmentInfo s, coord::DecodeSegment(record));
      out.segments.push_back(std::move(s));
    }
    for (const auto& record : reply.indexes()) {
      QUIVER_ASSIGN_OR_RETURN(cluster::SegmentIndexInfo i, coord::DecodeSegmentIndex(record));
      out.indexes.push_back(std::move(i));
    }
    for (const auto& record : reply.deltas()) {
      QUIVER_ASSIGN_OR_RETURN(cluster::DeltaInfo d, coord::DecodeDelta(record));
      out.deltas.push_back(std::move(d));
    }
    for (const auto& c : reply.checkpoints()) {
      QUIVER_ASSIGN_OR_RETURN(out.checkpoints[c.channel()], coord::DecodeCheckpoint(c.checkpoint()));
    }
    return out;
  }
  Status CommitSegmentIndex(const cluster::SegmentIndexInfo& info) override {
    pb::SegmentsRequest r;
    r.set_segment_index(coord::EncodeSegmentIndex(info));
    return Call(&Stub::CommitSegmentIndex, "CommitSegmentIndex", r).status();
  }
  Status DiscardSegmentIndex(const cluster::SegmentIndexInfo& info) override {
    pb::SegmentsRequest r;
    r.set_segment_index(coord::EncodeSegmentIndex(info));
    return Call(&Stub::DiscardSegmentIndex, "DiscardSegmentIndex", r).status();
  }

 private:
  using Stub = pb::CoordService::Stub;

  static pb::CatalogRequest Named(const std::string& db, const std::string& name, const std::string& target = "") {
    pb::CatalogRequest r;
    r.set_db(db);
    r.set_name(name);
    r.set_target(target);
    return r;
  }
  static pb::CatalogRequest Altering(const cluster::KeyValues& set, const std::vector<std::string>& remove) {
    pb::CatalogRequest r;
    SetKeyValues(set, r.mutable_set());
    for (const auto& key : remove) r.add_remove(key);
    return r;
  }

  template <typename Request, typename Reply>
  Result<Reply> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*), const char* name,
                     const Request& request) {
    return stub_.Call(method, name, request, options_.timeout);
  }

  Result<CollectionPtr> OneCollection(grpc::Status (Stub::*method)(grpc::ClientContext*, const pb::CatalogRequest&,
                                                                    pb::CatalogReply*),
                                      const char* name, const pb::CatalogRequest& request) {
    QUIVER_ASSIGN_OR_RETURN(pb::CatalogReply reply, Call(method, name, request));
    if (reply.records_size() != 1) return Status::Internal(std::string("coordinator answered ") + name + " without a record");
    return DecodeCollectionPtr(reply.records(0));
  }

  Result<std::vector<CollectionPtr>> Collections(grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                                             const pb::CatalogRequest&, pb::CatalogReply*),
                                                 const char* name, const pb::CatalogRequest& request) {
    QUIVER_ASSIGN_OR_RETURN(pb::CatalogReply reply, Call(method, name, request));
    std::vector<CollectionPtr> out;
    for (const auto& record : reply.records()) {
      QUIVER_ASSIGN_OR_RETURN(CollectionPtr c, DecodeCollectionPtr(record));
      out.push_back(std::move(c));
    }
    return out;
  }

  const CoordClientOptions options_;
  FollowingStub<pb::CoordService> stub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewCoordService(cluster::CoordClient* coord) {
  return std::make_unique<CoordServiceImpl>(coord);
}

std::unique_ptr<cluster::CoordClient> NewGrpcCoordClient(const CoordClientOptions& options) {
  return std::make_unique<GrpcCoordClient>(options);
}

}  // namespace quiver::rpc
