#include "rpc/internal/node_service.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "coord/catalog_codec.h"
#include "internal/node.grpc.pb.h"
#include "rpc/internal/call.h"
#include "rpc/internal/plan_codec.h"
#include "segment/wal_message.h"

namespace quiver::rpc {

namespace pb = quiver::internal;

namespace {

using Ctx = grpc::ServerContext;
using std::chrono::milliseconds;

template <typename Reply>
grpc::Status Answer(Reply* out, const Status& status) {
  StatusToProto(status, out->mutable_status());
  return grpc::Status::OK;
}

Status Bad(const std::string& what) { return Status::Corruption("bad request from a peer: " + what); }

// --- Values ----------------------------------------------------------------------------------------

void KeysToProto(const std::vector<segment::PrimaryKey>& keys, pb::PrimaryKeys* out) {
  bool strings = !keys.empty() && std::holds_alternative<std::string>(keys[0]);
  out->set_is_string(strings);
  for (const auto& key : keys) {
    if (strings) {
      out->add_strings(std::get<std::string>(key));
    } else {
      out->add_ints(std::get<int64_t>(key));
    }
  }
}

std::vector<segment::PrimaryKey> KeysFromProto(const pb::PrimaryKeys& in) {
  std::vector<segment::PrimaryKey> out;
  if (in.is_string()) {
    for (const auto& s : in.strings()) out.emplace_back(s);
  } else {
    for (int64_t i : in.ints()) out.emplace_back(i);
  }
  return out;
}

std::string ChunkBytes(const std::shared_ptr<const schema::DataChunk>& chunk) {
  std::string out;
  if (chunk) segment::EncodeChunk(*chunk, &out);
  return out;
}

Result<std::shared_ptr<const schema::DataChunk>> ChunkFromBytes(const std::string& bytes) {
  if (bytes.empty()) return std::shared_ptr<const schema::DataChunk>();
  return segment::DecodeChunkPayload(std::make_shared<const std::string>(bytes));
}

void AfterToProto(const cluster::ReadAfter& after, pb::WaitConsumedRequest* out) {
  for (const auto& [channel, lsn] : after.positions) {
    pb::ChannelPosition* p = out->add_positions();
    p->set_channel(channel);
    p->set_lsn(lsn);
  }
  out->set_timeout_ms(static_cast<uint64_t>(std::max<int64_t>(0, after.timeout.count())));
}

cluster::ReadAfter AfterFromProto(const pb::WaitConsumedRequest& in) {
  cluster::ReadAfter after;
  for (const auto& p : in.positions()) after.positions[p.channel()] = p.lsn();
  after.timeout = std::chrono::milliseconds(std::min<uint64_t>(in.timeout_ms(), 24 * 3600 * 1000));
  return after;
}

void SearchToProto(const cluster::SearchRequest& r, pb::SearchRequest* out) {
  out->set_collection_id(r.collection_id);
  for (int64_t id : r.partition_ids) out->add_partition_ids(id);
  out->set_field_id(r.field_id);
  out->set_metric(static_cast<uint32_t>(r.metric));
  out->set_query_type(static_cast<int32_t>(r.queries.field_type));
  out->set_dim(r.queries.dim);
  out->mutable_floats()->Add(r.queries.floats.begin(), r.queries.floats.end());
  out->set_raw(r.queries.raw);
  out->mutable_sparse_offsets()->Add(r.queries.sparse_offsets.begin(), r.queries.sparse_offsets.end());
  for (const auto& [key, value] : r.search_params) {
    pb::SearchParam* p = out->add_search_params();
    p->set_key(key);
    p->set_value(value);
  }
  out->set_limit(r.limit);
  if (r.filter) EncodePlan(*r.filter, out->mutable_filter());
  out->set_timestamp(r.timestamp);
  if (r.window.radius) out->set_radius(*r.window.radius);
  if (r.window.range_filter) out->set_range_filter(*r.window.range_filter);
  out->set_iterator(r.window.iterator);
  if (r.window.after_distance) out->set_after_distance(*r.window.after_distance);
  if (r.window.after_pk) KeysToProto({*r.window.after_pk}, out->mutable_after_pk());
  for (auto id : r.output_fields) out->add_output_fields(id);
  AfterToProto(r.after, out->mutable_after());
  out->set_replica_id(r.replica_id);
}

void ShareToProto(const cluster::ReplicaShare& share, pb::ReplicaShare* out) {
  out->set_replica_id(share.replica_id);
  out->mutable_members()->Add(share.members.begin(), share.members.end());
  for (const auto& [segment, node] : share.pinned) {
    pb::PinnedSegment* p = out->add_pinned();
    p->set_segment_id(segment);
    p->set_node_id(node);
  }
}

// A share from a peer: ascending members, pinned to members only.
Result<cluster::ReplicaShare> ShareFromProto(const pb::ReplicaShare& in) {
  cluster::ReplicaShare share;
  share.replica_id = in.replica_id();
  share.members = {in.members().begin(), in.members().end()};
  if (!std::is_sorted(share.members.begin(), share.members.end()) ||
      std::adjacent_find(share.members.begin(), share.members.end()) != share.members.end()) {
    return Bad("replica members not in ascending order");
  }
  if (share.members.empty() != (share.replica_id == 0)) return Bad("a replica share without members");
  for (const auto& p : in.pinned()) {
    if (!std::binary_search(share.members.begin(), share.members.end(), p.node_id())) {
      return Bad("a segment pinned to a node outside the replica");
    }
    share.pinned[p.segment_id()] = p.node_id();
  }
  return share;
}

Result<cluster::SearchRequest> SearchFromProto(const pb::SearchRequest& in) {
  cluster::SearchRequest r;
  r.collection_id = in.collection_id();
  r.partition_ids = {in.partition_ids().begin(), in.partition_ids().end()};
  r.field_id = in.field_id();
  if (in.metric() > static_cast<uint32_t>(index::MetricType::kBM25)) return Bad("unknown metric");
  r.metric = static_cast<index::MetricType>(in.metric());
  if (!schema::IsKnownDataType(in.query_type())) return Bad("unknown query vector type");
  r.queries.field_type = static_cast<schema::DataType>(in.query_type());
  r.queries.dim = in.dim();
  r.queries.floats = {in.floats().begin(), in.floats().end()};
  r.queries.raw = in.raw();
  r.queries.sparse_offsets = {in.sparse_offsets().begin(), in.sparse_offsets().end()};
  for (const auto& p : in.search_params()) r.search_params[p.key()] = p.value();
  r.limit = in.limit();
  QUIVER_ASSIGN_OR_RETURN(r.filter, DecodePlan(in.filter()));
  r.timestamp = in.timestamp();
  if (in.has_radius()) r.window.radius = in.radius();
  if (in.has_range_filter()) r.window.range_filter = in.range_filter();
  r.window.iterator = in.iterator();
  if (in.has_after_distance()) r.window.after_distance = in.after_distance();
  std::vector<segment::PrimaryKey> after = KeysFromProto(in.after_pk());
  if (after.size() > 1) return Bad("more than one iterator key");
  if (!after.empty()) r.window.after_pk = after[0];
  r.output_fields = {in.output_fields().begin(), in.output_fields().end()};
  r.after = AfterFromProto(in.after());
  r.replica_id = in.replica_id();
  return r;
}

void QueryToProto(const cluster::QueryRequest& r, pb::QueryRequest* out) {
  out->set_collection_id(r.collection_id);
  for (int64_t id : r.partition_ids) out->add_partition_ids(id);
  if (r.filter) EncodePlan(*r.filter, out->mutable_filter());
  out->set_timestamp(r.timestamp);
  if (r.limit) out->set_limit(*r.limit);
  out->set_offset(r.offset);
  out->set_count_only(r.count_only);
  for (auto id : r.output_fields) out->add_output_fields(id);
  AfterToProto(r.after, out->mutable_after());
  out->set_replica_id(r.replica_id);
}

Result<cluster::QueryRequest> QueryFromProto(const pb::QueryRequest& in) {
  cluster::QueryRequest r;
  r.collection_id = in.collection_id();
  r.partition_ids = {in.partition_ids().begin(), in.partition_ids().end()};
  QUIVER_ASSIGN_OR_RETURN(r.filter, DecodePlan(in.filter()));
  r.timestamp = in.timestamp();
  if (in.has_limit()) r.limit = in.limit();
  r.offset = in.offset();
  r.count_only = in.count_only();
  r.output_fields = {in.output_fields().begin(), in.output_fields().end()};
  r.after = AfterFromProto(in.after());
  r.replica_id = in.replica_id();
  return r;
}

// --- Services ------------------------------------------------------------------------------------

class DataNodeServiceImpl final : public pb::DataNodeService::Service {
 public:
  explicit DataNodeServiceImpl(cluster::DataNodeClient* node) : node_(node) {}

  grpc::Status Flush(Ctx* ctx, const pb::FlushRequest* r, pb::FlushReply* out) override {
    Result<std::vector<segment::SegmentId>> flushed =
        node_->Flush(r->collection_id(), milliseconds(r->timeout_ms()), [ctx] { return ctx->IsCancelled(); });
    if (flushed.ok()) {
      for (auto id : *flushed) out->add_segment_ids(id);
    }
    return Answer(out, flushed.status());
  }
  grpc::Status BufferedRows(Ctx*, const pb::FlushRequest* r, pb::BufferedRowsReply* out) override {
    Result<std::map<int64_t, size_t>> rows = node_->BufferedRows(r->collection_id());
    if (rows.ok()) {
      for (const auto& [partition, n] : *rows) {
        pb::PartitionRows* p = out->add_partitions();
        p->set_partition_id(partition);
        p->set_rows(n);
      }
    }
    return Answer(out, rows.status());
  }

 private:
  cluster::DataNodeClient* const node_;
};

class QueryNodeServiceImpl final : public pb::QueryNodeService::Service {
 public:
  explicit QueryNodeServiceImpl(cluster::QueryNodeClient* node) : node_(node) {}

  grpc::Status LoadCollection(Ctx*, const pb::CollectionRequest* r, pb::NodeReply* out) override {
    Result<cluster::CollectionInfo> info = coord::DecodeCollection(r->record());
    if (!info.ok()) return Answer(out, info.status());
    Result<cluster::ReplicaShare> share = ShareFromProto(r->share());
    if (!share.ok()) return Answer(out, share.status());
    return Answer(out, node_->LoadCollection(std::make_shared<const cluster::CollectionInfo>(std::move(*info)), *share));
  }
  grpc::Status ReleaseCollection(Ctx*, const pb::CollectionRequest* r, pb::NodeReply* out) override {
    return Answer(out, node_->ReleaseCollection(r->collection_id()));
  }
  grpc::Status LoadingProgress(Ctx*, const pb::CollectionRequest* r, pb::ProgressReply* out) override {
    Result<int64_t> progress = node_->LoadingProgress(r->collection_id(), r->share().replica_id());
    if (progress.ok()) out->set_progress(*progress);
    return Answer(out, progress.status());
  }
  grpc::Status LoadError(Ctx*, const pb::CollectionRequest* r, pb::NodeReply* out) override {
    return Answer(out, node_->LoadError(r->collection_id()));
  }
  grpc::Status WaitConsumed(Ctx*, const pb::WaitConsumedRequest* r, pb::NodeReply* out) override {
    std::map<std::string, storage::Lsn> positions;
    for (const auto& p : r->positions()) positions[p.channel()] = p.lsn();
    return Answer(out, node_->WaitConsumed(positions, milliseconds(r->timeout_ms())));
  }
  grpc::Status Search(Ctx*, const pb::SearchRequest* r, pb::SearchReply* out) override {
    Result<cluster::SearchRequest> request = SearchFromProto(*r);
    if (!request.ok()) return Answer(out, request.status());
    Result<cluster::SearchResult> result = node_->Search(*request);
    if (result.ok()) {
      out->set_nq(result->nq);
      out->mutable_counts()->Add(result->counts.begin(), result->counts.end());
      out->mutable_distances()->Add(result->distances.begin(), result->distances.end());
      KeysToProto(result->pks, out->mutable_pks());
      out->set_fields(ChunkBytes(result->fields));
    }
    return Answer(out, result.status());
  }
  grpc::Status Query(Ctx*, const pb::QueryRequest* r, pb::QueryReply* out) override {
    Result<cluster::QueryRequest> request = QueryFromProto(*r);
    if (!request.ok()) return Answer(out, request.status());
    Result<cluster::QueryResult> result = node_->Query(*request);
    if (result.ok()) {
      out->set_count(result->count);
      out->set_rows(ChunkBytes(result->rows));
      KeysToProto(result->pks, out->mutable_pks());
      out->mutable_timestamps()->Add(result->timestamps.begin(), result->timestamps.end());
    }
    return Answer(out, result.status());
  }

 private:
  cluster::QueryNodeClient* const node_;
};

// --- Clients -------------------------------------------------------------------------------------

class GrpcDataNodeClient final : public cluster::DataNodeClient {
 public:
  explicit GrpcDataNodeClient(const NodeClientOptions& options)
      : options_(options), stub_(options.address, options.credentials, options.leader) {}

  Result<std::vector<segment::SegmentId>> Flush(int64_t collection_id, milliseconds timeout,
                                                const std::function<bool()>& cancelled) override {
    pb::FlushRequest r;
    r.set_collection_id(collection_id);
    r.set_timeout_ms(static_cast<uint64_t>(std::max<int64_t>(0, timeout.count())));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout + options_.timeout);
    context.set_wait_for_ready(true);
    // A watcher cancels the call when `cancelled` says so (the proxy is shutting down or its
    // client went away).
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    std::atomic<bool> was_cancelled{false};
    std::thread watcher;
    if (cancelled) {
      watcher = std::thread([&] {
        std::unique_lock<std::mutex> lock(mu);
        while (!done) {
          if (cv.wait_for(lock, milliseconds(50), [&] { return done; })) break;
          if (cancelled()) {
            was_cancelled = true;
            context.TryCancel();
            break;
          }
        }
      });
    }
    pb::FlushReply reply;
    auto [stub, address] = stub_.Current();
    grpc::Status status = stub->Flush(&context, r, &reply);
    if (watcher.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu);
        done = true;
      }
      cv.notify_all();
      watcher.join();
    }
    if (was_cancelled) return Status::Unavailable("flush wait ended: request cancelled or server shutting down");
    if (!status.ok()) {
      return Status::Unavailable("datanode call Flush failed: " + status.error_message(), address);
    }
    QUIVER_RETURN_IF_ERROR(StatusFromProto(reply.status()));
    return std::vector<segment::SegmentId>(reply.segment_ids().begin(), reply.segment_ids().end());
  }

  Result<std::map<int64_t, size_t>> BufferedRows(int64_t collection_id) override {
    pb::FlushRequest r;
    r.set_collection_id(collection_id);
    QUIVER_ASSIGN_OR_RETURN(pb::BufferedRowsReply reply,
                            stub_.Call(&Stub::BufferedRows, "BufferedRows", r, options_.timeout, "datanode"));
    std::map<int64_t, size_t> out;
    for (const auto& p : reply.partitions()) out[p.partition_id()] = p.rows();
    return out;
  }

 private:
  using Stub = pb::DataNodeService::Stub;
  const NodeClientOptions options_;
  FollowingStub<pb::DataNodeService> stub_;
};

class GrpcQueryNodeClient final : public cluster::QueryNodeClient {
 public:
  explicit GrpcQueryNodeClient(const NodeClientOptions& options)
      : options_(options), stub_(options.address, options.credentials, options.leader, !options.fail_fast) {}

  Status LoadCollection(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share) override {
    pb::CollectionRequest r;
    r.set_collection_id(collection->id);
    r.set_record(coord::EncodeCollection(*collection));
    ShareToProto(share, r.mutable_share());
    return Call(&Stub::LoadCollection, "LoadCollection", r).status();
  }
  Status ReleaseCollection(int64_t collection_id) override {
    return Call(&Stub::ReleaseCollection, "ReleaseCollection", Of(collection_id)).status();
  }
  Result<int64_t> LoadingProgress(int64_t collection_id, int64_t replica_id) override {
    pb::CollectionRequest r = Of(collection_id);
    r.mutable_share()->set_replica_id(replica_id);
    QUIVER_ASSIGN_OR_RETURN(pb::ProgressReply reply, Call(&Stub::LoadingProgress, "LoadingProgress", r));
    return reply.progress();
  }
  Status LoadError(int64_t collection_id) override {
    return Call(&Stub::LoadError, "LoadError", Of(collection_id)).status();
  }
  Status WaitConsumed(const std::map<std::string, storage::Lsn>& positions, milliseconds timeout) override {
    pb::WaitConsumedRequest r;
    AfterToProto(cluster::ReadAfter{positions, timeout}, &r);
    return stub_.Call(&Stub::WaitConsumed, "WaitConsumed", r, timeout + options_.timeout, "querynode").status();
  }
  Result<cluster::SearchResult> Search(const cluster::SearchRequest& request) override {
    pb::SearchRequest r;
    SearchToProto(request, &r);
    QUIVER_ASSIGN_OR_RETURN(pb::SearchReply reply, stub_.Call(&Stub::Search, "Search", r,
                                                              options_.timeout + request.after.timeout, "querynode"));
    cluster::SearchResult out;
    out.nq = reply.nq();
    out.counts = {reply.counts().begin(), reply.counts().end()};
    out.distances = {reply.distances().begin(), reply.distances().end()};
    out.pks = KeysFromProto(reply.pks());
    QUIVER_ASSIGN_OR_RETURN(out.fields, ChunkFromBytes(reply.fields()));
    size_t hits = 0;
    for (size_t c : out.counts) hits += c;
    if (out.counts.size() != out.nq || out.distances.size() != hits || out.pks.size() != hits) {
      return Status::Corruption("querynode answered Search with inconsistent hit counts");
    }
    return out;
  }
  Result<cluster::QueryResult> Query(const cluster::QueryRequest& request) override {
    pb::QueryRequest r;
    QueryToProto(request, &r);
    QUIVER_ASSIGN_OR_RETURN(pb::QueryReply reply, stub_.Call(&Stub::Query, "Query", r,
                                                             options_.timeout + request.after.timeout, "querynode"));
    cluster::QueryResult out;
    out.count = reply.count();
    QUIVER_ASSIGN_OR_RETURN(out.rows, ChunkFromBytes(reply.rows()));
    out.pks = KeysFromProto(reply.pks());
    out.timestamps = {reply.timestamps().begin(), reply.timestamps().end()};
    const size_t rows = out.rows ? out.rows->rows : 0;
    if (out.pks.size() != rows || out.timestamps.size() != rows) {
      return Status::Corruption("querynode answered Query with keys or timestamps not matching its rows");
    }
    return out;
  }

 private:
  using Stub = pb::QueryNodeService::Stub;

  static pb::CollectionRequest Of(int64_t collection_id) {
    pb::CollectionRequest r;
    r.set_collection_id(collection_id);
    return r;
  }
  template <typename Request, typename Reply>
  Result<Reply> Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Reply*), const char* name,
                     const Request& request) {
    return stub_.Call(method, name, request, options_.timeout, "querynode");
  }

  const NodeClientOptions options_;
  FollowingStub<pb::QueryNodeService> stub_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDataNodeService(cluster::DataNodeClient* node) {
  return std::make_unique<DataNodeServiceImpl>(node);
}
std::unique_ptr<grpc::Service> NewQueryNodeService(cluster::QueryNodeClient* node) {
  return std::make_unique<QueryNodeServiceImpl>(node);
}
std::unique_ptr<cluster::DataNodeClient> NewGrpcDataNodeClient(const NodeClientOptions& options) {
  return std::make_unique<GrpcDataNodeClient>(options);
}
std::unique_ptr<cluster::QueryNodeClient> NewGrpcQueryNodeClient(const NodeClientOptions& options) {
  return std::make_unique<GrpcQueryNodeClient>(options);
}

}  // namespace quiver::rpc
