#include "querynode/querynode.h"

#include <algorithm>
#include <thread>
#include <unordered_map>

#include "cluster/errors.h"
#include "common/log.h"
#include "exec/filter.h"
#include "exec/query.h"
#include "exec/search.h"

namespace quiver::querynode {

namespace {

bool PartitionSelected(const std::vector<int64_t>& partitions, int64_t partition) {
  return partitions.empty() || std::find(partitions.begin(), partitions.end(), partition) != partitions.end();
}

// Output columns for rows (segment, row), in order.
std::shared_ptr<const schema::DataChunk> FetchRows(
    const schema::CollectionSchema& schema, const std::vector<schema::FieldId>& fields,
    const std::vector<std::pair<const segment::Segment*, size_t>>& rows) {
  auto out = std::make_shared<schema::DataChunk>();
  out->rows = rows.size();
  std::unordered_map<const segment::Segment*, std::vector<segment::ChunkRef>> chunk_cache;
  for (schema::FieldId field_id : fields) {
    const schema::FieldSchema* field = schema.FindFieldById(field_id);
    if (field == nullptr) continue;
    schema::ColumnBuilder builder(field->type, field->dim, field->element_type, field->nullable);
    for (const auto& [seg, row] : rows) {
      auto& chunks = chunk_cache[seg];
      if (chunks.empty()) chunks = seg->Chunks();
      auto it = std::upper_bound(chunks.begin(), chunks.end(), row,
                                 [](size_t r, const segment::ChunkRef& c) { return r < c.base; });
      const segment::ChunkRef& ref = *std::prev(it);
      const schema::ColumnChunk* column = ref.chunk->Find(field_id);
      if (column == nullptr) {
        builder.AppendNull();
      } else {
        builder.AppendFrom(*column, row - ref.base);
      }
    }
    out->columns.emplace_back(field_id, builder.Build());
  }
  return out;
}

// "[1,2,3]", or "whole" for the empty list, for log lines and errors.
std::string MembersText(const cluster::ReplicaMembers& members) {
  if (members.empty()) return "whole";
  std::string out = "[";
  for (size_t i = 0; i < members.size(); ++i) out += (i ? "," : "") + std::to_string(members[i]);
  return out + "]";
}

}  // namespace

QueryNode::QueryNode(cluster::SegmentRegistryClient* segments, storage::Wal* wal, storage::ObjectStore* objects, ThreadPool* pool,
                     segment::ConsumerPool* consumers, MetricsRegistry* metrics)
    : segments_(segments), wal_(wal), consumers_(consumers), objects_(objects), pool_(pool),
      loaded_segments_(metrics->GetGauge("quiver_querynode_sealed_segments", "Sealed segments served")),
      loaded_indexes_(metrics->GetGauge("quiver_querynode_segment_indexes", "Segment vector indexes loaded")),
      indexed_searches_(metrics->GetCounter("quiver_querynode_indexed_segment_searches_total",
                                            "Segment searches served by a built vector index (the rest are exact)")) {}

QueryNode::~QueryNode() { Stop(); }

Status QueryNode::Start() {
  syncer_ = std::thread([this] {
    while (!stop_.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::vector<std::shared_ptr<Loaded>> all;
      {
        MutexLock lock(&mu_);
        for (auto& [id, loaded] : loaded_) all.push_back(loaded);
      }
      for (auto& loaded : all) {
        bool truncated = false;
        for (const auto& [name, channel] : loaded->channels) truncated = truncated || channel->consumer->truncated();
        MutexLock sync(&loaded->sync_mu);
        if (truncated) {
          Status st = Resync(loaded);
          if (!st.ok() && !st.IsAborted()) {  // Aborted: released or replaced meanwhile
            QUIVER_LOG(WARN) << "collection resync failed; retrying" << Kv("collection_id", loaded->collection.load()->id)
                             << Kv("error", st.ToString());
          }
          continue;
        }
        Status st = SyncFlushed(loaded.get());
        if (!st.ok() && !st.IsNotFound()) {
          QUIVER_LOG(WARN) << "segment sync failed" << Kv("collection_id", loaded->collection.load()->id)
                           << Kv("error", st.ToString());
        }
      }
    }
  });
  return Status::OK();
}

void QueryNode::Stop() {
  stop_.store(true);
  if (syncer_.joinable()) syncer_.join();
  std::map<int64_t, std::shared_ptr<Loaded>> loaded;
  {
    MutexLock lock(&mu_);
    loaded.swap(loaded_);
  }
  for (auto& [id, l] : loaded) {
    for (auto& [name, channel] : l->channels) channel->consumer->Stop();
  }
}

Result<std::shared_ptr<const segment::Segment>> QueryNode::LoadSegment(const cluster::CollectionPtr& collection,
                                                                        const cluster::SegmentInfo& info) {
  QUIVER_ASSIGN_OR_RETURN(auto sealed, segment::OpenStoredSegment(objects_, info.object_key, collection->schema));
  return std::shared_ptr<const segment::Segment>(std::move(sealed));
}

Status QueryNode::LoadCollection(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share) {
  std::shared_ptr<Mutex> load_lock;
  {
    MutexLock lock(&mu_);
    auto& slot = load_locks_[collection->id];
    if (!slot) slot = std::make_shared<Mutex>();
    load_lock = slot;
  }
  MutexLock serialized(load_lock.get());
  std::shared_ptr<Loaded> held;
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(collection->id);
    if (it != loaded_.end()) held = it->second;
  }
  Status st;
  if (held != nullptr) {
    held->collection.store(collection);  // refresh partitions / indexes
    st = AddShare(held.get(), share);
  } else {
    st = LoadCollectionData(collection, share);
  }
  MutexLock lock(&mu_);
  if (st.ok()) {
    load_errors_.erase(collection->id);
  } else {
    QUIVER_LOG(ERROR) << "collection cannot be loaded" << Kv("collection", collection->name)
                      << Kv("collection_id", collection->id) << Kv("error", st.ToString());
    load_errors_[collection->id] = st;
  }
  return st;
}

Status QueryNode::LoadError(int64_t collection_id) {
  MutexLock lock(&mu_);
  auto it = load_errors_.find(collection_id);
  return it == load_errors_.end() ? Status::OK() : it->second;
}

Status QueryNode::Resync(const std::shared_ptr<Loaded>& loaded) {
  QUIVER_LOG(WARN) << "WAL records this querynode had not read were truncated (flushed meanwhile); reloading the "
                      "collection from the current checkpoint"
                   << Kv("collection_id", loaded->collection.load()->id);
  QUIVER_RETURN_IF_ERROR(LoadCollectionData(loaded->collection.load(), {}, loaded));
  for (auto& [name, channel] : loaded->channels) channel->consumer->Stop();
  MutexLock lock(&loaded->mu);
  loaded_segments_->Add(-static_cast<double>(loaded->sealed.size()));
  loaded_indexes_->Add(-static_cast<double>(loaded->indexes.size()));
  return Status::OK();
}

Status QueryNode::LoadCollectionData(const cluster::CollectionPtr& collection, const cluster::ReplicaShare& share,
                                     const std::shared_ptr<Loaded>& replacing) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, segments_->GetSegments(collection->id));
  auto loaded = std::make_shared<Loaded>();
  loaded->collection.store(collection);
  std::map<int64_t, cluster::ReplicaShare> shares{{share.replica_id, share}};
  if (replacing != nullptr) {
    MutexLock old_lock(&replacing->mu);
    shares = replacing->shares;
  }
  {
    MutexLock lock(&loaded->mu);
    loaded->shares = std::move(shares);
  }
  for (const auto& info : collection->channels) {
    auto channel = std::make_unique<Channel>();
    channel->name = info.name;
    channel->deletes = std::make_shared<segment::DeleteLog>();
    cluster::Checkpoint checkpoint;
    auto cp = segments.checkpoints.find(info.name);
    if (cp != segments.checkpoints.end()) checkpoint = cp->second;
    for (const auto& delta : segments.deltas) {
      if (delta.channel != info.name || delta.epoch >= checkpoint.epoch) continue;
      QUIVER_ASSIGN_OR_RETURN(std::string bytes, objects_->Get(delta.object_key));
      QUIVER_ASSIGN_OR_RETURN(auto log, segment::DeleteLog::Parse(bytes));
      log->ForEach([&](const segment::PrimaryKey& pk, Timestamp ts) { channel->deletes->Add(pk, ts); });
    }
    channel->buffer = std::make_unique<segment::ChannelBuffer>(collection->schema, collection->id, info.name, info.uid,
                                                               checkpoint.epoch, channel->deletes);
    segment::ChannelBuffer* buffer = channel->buffer.get();
    channel->consumer = std::make_unique<segment::ChannelConsumer>(
        consumers_, wal_, info.name, checkpoint.lsn,
        [buffer](storage::Lsn lsn, const segment::WalMessage& message) { return buffer->Apply(lsn, message); });
    loaded->channels[info.name] = std::move(channel);
  }
  size_t loaded_rows = 0;
  {
    MutexLock lock(&loaded->mu);
    for (const auto& info : segments.segments) {
      if (!Held(*loaded, info.id)) continue;  // another member's share
      std::shared_ptr<const segment::Segment> seg;
      if (replacing != nullptr) {
        MutexLock old_lock(&replacing->mu);
        if (auto it = replacing->sealed.find(info.id); it != replacing->sealed.end()) seg = it->second;
      }
      if (seg == nullptr) {
        QUIVER_ASSIGN_OR_RETURN(seg, LoadSegment(collection, info));
      }
      loaded_rows += seg->rows();
      loaded->sealed[info.id] = std::move(seg);
    }
    loaded_segments_->Add(static_cast<double>(loaded->sealed.size()));
  }
  QUIVER_RETURN_IF_ERROR(LoadSegmentIndexes(loaded.get(), segments));
  BuildScalarIndexes(loaded.get());
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(collection->id);
    if (replacing != nullptr && (it == loaded_.end() || it->second != replacing)) {
      MutexLock new_lock(&loaded->mu);
      loaded_segments_->Add(-static_cast<double>(loaded->sealed.size()));
      loaded_indexes_->Add(-static_cast<double>(loaded->indexes.size()));
      return Status::Aborted("collection released or reloaded during a resync", std::to_string(collection->id));
    }
    for (auto& [name, channel] : loaded->channels) channel->consumer->Start();
    loaded_[collection->id] = loaded;
  }
  size_t held;
  {
    MutexLock lock(&loaded->mu);
    held = loaded->sealed.size();
  }
  QUIVER_LOG(INFO) << "collection loaded" << Kv("collection_id", collection->id)
                   << Kv("sealed_segments", segments.segments.size()) << Kv("segments_held", held)
                   << Kv("sealed_rows", loaded_rows) << Kv("replica", share.replica_id)
                   << Kv("members", MembersText(share.members));
  return Status::OK();
}

bool QueryNode::Held(const Loaded& loaded, segment::SegmentId segment) const {
  for (const auto& [id, share] : loaded.shares) {
    if (share.Serves(node_id_.load(), segment)) return true;
  }
  return false;
}

Status QueryNode::AddShare(Loaded* loaded, const cluster::ReplicaShare& share) {
  MutexLock sync(&loaded->sync_mu);
  {
    MutexLock lock(&loaded->mu);
    auto it = loaded->shares.find(share.replica_id);
    if (it != loaded->shares.end()) {
      if (it->second == share) return Status::OK();
      // A replica's share never changes under its id (the coordinator places a new replica).
      return Status::FailedPrecondition("replica " + std::to_string(share.replica_id) +
                                        " is already served here with another division of its segments");
    }
  }
  const cluster::CollectionPtr collection = loaded->collection.load();
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, segments_->GetSegments(collection->id));
  // The share's flushed segments not held yet. Those whose channel is still in their epoch have
  // their growing copy (a growing copy is dropped only once its epoch is over), and the syncer
  // swaps them in as for any share.
  std::vector<cluster::SegmentInfo> missing;
  {
    MutexLock lock(&loaded->mu);
    for (const auto& info : segments.segments) {
      if (!share.Serves(node_id_.load(), info.id) || loaded->sealed.count(info.id)) continue;
      auto channel = loaded->channels.find(info.channel);
      if (channel == loaded->channels.end() || channel->second->buffer->epoch() <= info.epoch) continue;
      missing.push_back(info);
    }
  }
  size_t rows = 0;
  for (const auto& info : missing) {
    QUIVER_ASSIGN_OR_RETURN(auto seg, LoadSegment(collection, info));
    rows += seg->rows();
    MutexLock lock(&loaded->mu);
    loaded->sealed[info.id] = std::move(seg);
    loaded->channels[info.channel]->buffer->DropSegments({info.id});
    loaded_segments_->Add(1);
  }
  QUIVER_RETURN_IF_ERROR(LoadSegmentIndexes(loaded, segments));
  BuildScalarIndexes(loaded);
  {
    MutexLock lock(&loaded->mu);
    loaded->shares[share.replica_id] = share;
  }
  QUIVER_LOG(INFO) << "replica share added" << Kv("collection_id", collection->id) << Kv("replica", share.replica_id)
                   << Kv("members", MembersText(share.members)) << Kv("segments_loaded", missing.size()) << Kv("rows", rows);
  return Status::OK();
}

Status QueryNode::RetainShares(int64_t collection_id, const std::set<int64_t>& keep) {
  std::shared_ptr<Loaded> loaded;
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(collection_id);
    if (it == loaded_.end()) return Status::OK();
    loaded = it->second;
  }
  MutexLock sync(&loaded->sync_mu);
  MutexLock lock(&loaded->mu);
  std::vector<int64_t> gone;
  for (const auto& [id, share] : loaded->shares) {
    if (!keep.count(id)) gone.push_back(id);
  }
  if (gone.empty()) return Status::OK();
  for (int64_t id : gone) loaded->shares.erase(id);
  // Sealed segments no share owns any more (their growing copies went when they were flushed).
  size_t dropped = 0;
  for (auto it = loaded->sealed.begin(); it != loaded->sealed.end();) {
    const segment::SegmentId id = it->first;
    if (Held(*loaded, id)) {
      ++it;
      continue;
    }
    for (auto index = loaded->indexes.lower_bound({id, 0}); index != loaded->indexes.end() && index->first.first == id;) {
      index = loaded->indexes.erase(index);
      loaded_indexes_->Add(-1);
    }
    loaded->scalar.erase(id);
    it = loaded->sealed.erase(it);
    loaded_segments_->Add(-1);
    ++dropped;
  }
  for (int64_t id : gone) {
    QUIVER_LOG(INFO) << "replica share released" << Kv("collection_id", collection_id) << Kv("replica", id)
                     << Kv("segments_dropped", dropped);
  }
  return Status::OK();
}

std::set<int64_t> QueryNode::Shares(int64_t collection_id) {
  std::shared_ptr<Loaded> loaded;
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(collection_id);
    if (it == loaded_.end()) return {};
    loaded = it->second;
  }
  MutexLock lock(&loaded->mu);
  std::set<int64_t> out;
  for (const auto& [id, share] : loaded->shares) out.insert(id);
  return out;
}

Status QueryNode::SyncFlushed(Loaded* loaded) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, segments_->GetSegments(loaded->collection.load()->id));
  std::vector<cluster::SegmentInfo> fresh;
  {
    MutexLock lock(&loaded->mu);
    for (const auto& info : segments.segments) {
      if (loaded->sealed.count(info.id)) continue;
      auto it = loaded->channels.find(info.channel);
      // A flushed segment no share holds has no growing copy left once its epoch is over.
      // Swap only once the channel has passed the segment's epoch, so its growing copy is complete.
      if (it == loaded->channels.end() || it->second->buffer->epoch() <= info.epoch) continue;
      fresh.push_back(info);
    }
  }
  for (const auto& info : fresh) {
    bool held;
    {
      MutexLock lock(&loaded->mu);
      held = Held(*loaded, info.id);
    }
    if (!held) {
      // Another member serves it: its growing copy is not needed any more.
      loaded->channels[info.channel]->buffer->DropSegments({info.id});
      continue;
    }
    QUIVER_ASSIGN_OR_RETURN(auto seg, LoadSegment(loaded->collection.load(), info));
    MutexLock lock(&loaded->mu);
    loaded->sealed[info.id] = std::move(seg);
    loaded->channels[info.channel]->buffer->DropSegments({info.id});
    loaded_segments_->Add(1);
  }
  BuildScalarIndexes(loaded);
  return LoadSegmentIndexes(loaded, segments);
}

void QueryNode::BuildScalarIndexes(Loaded* loaded) {
  std::vector<schema::FieldId> fields;
  cluster::CollectionPtr collection = loaded->collection.load();
  for (const cluster::IndexInfo& info : collection->indexes) {
    const schema::FieldSchema* field = collection->schema->FindFieldById(info.field_id);
    if (field != nullptr && !schema::IsVectorType(field->type)) fields.push_back(field->id);
  }
  if (fields.empty()) return;
  std::vector<std::shared_ptr<const segment::Segment>> todo;
  {
    MutexLock lock(&loaded->mu);
    for (const auto& [id, seg] : loaded->sealed) {
      if (!loaded->scalar.count(id)) todo.push_back(seg);
    }
  }
  for (const auto& seg : todo) {
    auto built = std::make_shared<exec::ScalarIndexMap>();
    const auto& data = static_cast<const segment::SealedSegment&>(*seg).data();
    for (schema::FieldId field : fields) {
      const schema::ColumnChunk* column = data.Find(field);
      if (column == nullptr) continue;
      if (auto index = exec::ScalarIndex::Build(*column)) (*built)[field] = std::move(index);
    }
    MutexLock lock(&loaded->mu);
    loaded->scalar[seg->meta().segment_id] = std::move(built);
  }
}

Status QueryNode::LoadSegmentIndexes(Loaded* loaded, const cluster::CollectionSegments& segments) {
  std::vector<const cluster::SegmentIndexInfo*> missing;
  {
    MutexLock lock(&loaded->mu);
    for (const auto& info : segments.indexes) {
      if (loaded->sealed.count(info.segment_id) && !loaded->indexes.count({info.segment_id, info.field_id})) {
        missing.push_back(&info);
      }
    }
  }
  for (const cluster::SegmentIndexInfo* info : missing) {
    // An index file is rebuildable state: a missing or damaged one is discarded (the segment is
    // searched exactly meanwhile) and the indexnode builds it again.
    Result<std::unique_ptr<index::VectorIndex>> built = ReadSegmentIndex(loaded, *info);
    if (!built.ok()) {
      QUIVER_LOG(WARN) << "segment index unusable; searching the segment exactly until it is rebuilt"
                       << Kv("key", info->object_key) << Kv("error", built.status().ToString());
      Status discarded = segments_->DiscardSegmentIndex(*info);
      if (!discarded.ok()) {
        QUIVER_LOG(WARN) << "cannot discard the segment index" << Kv("key", info->object_key)
                         << Kv("error", discarded.ToString());
      }
      continue;
    }
    MutexLock lock(&loaded->mu);
    loaded->indexes[{info->segment_id, info->field_id}] = std::move(built).value();
    loaded_indexes_->Add(1);
    QUIVER_LOG(INFO) << "segment index loaded" << Kv("collection_id", info->collection_id)
                     << Kv("segment_id", info->segment_id) << Kv("family", info->family) << Kv("rows", info->rows);
  }
  return Status::OK();
}

Result<std::unique_ptr<index::VectorIndex>> QueryNode::ReadSegmentIndex(Loaded* loaded, const cluster::SegmentIndexInfo& info) {
  // Memory-mapped when the store can (a local directory): HNSW then serves from the page cache; a
  // read file is kept alive the same way instead of being copied again.
  QUIVER_ASSIGN_OR_RETURN(schema::Buffer file, segment::ReadStoredObject(objects_, info.object_key));
  QUIVER_ASSIGN_OR_RETURN(std::unique_ptr<index::VectorIndex> built, index::LoadVectorIndex(file.view(), file.owner()));
  MutexLock lock(&loaded->mu);
  auto seg = loaded->sealed.find(info.segment_id);
  if (seg == loaded->sealed.end() || seg->second->rows() != built->size()) {
    return Status::Corruption("segment index " + info.object_key + " does not match its segment");
  }
  return built;
}

Status QueryNode::ReleaseCollection(int64_t collection_id) {
  std::shared_ptr<Loaded> loaded;
  {
    MutexLock lock(&mu_);
    auto it = loaded_.find(collection_id);
    if (it == loaded_.end()) return Status::OK();
    loaded = it->second;
    loaded_.erase(it);
  }
  for (auto& [name, channel] : loaded->channels) channel->consumer->Stop();
  MutexLock lock(&loaded->mu);
  loaded_segments_->Add(-static_cast<double>(loaded->sealed.size()));
  loaded_indexes_->Add(-static_cast<double>(loaded->indexes.size()));
  return Status::OK();
}

Result<int64_t> QueryNode::LoadingProgress(int64_t collection_id, int64_t replica_id) {
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Loaded> loaded, Find(collection_id));
  MutexLock lock(&loaded->mu);
  if (!loaded->shares.count(replica_id)) {
    return cluster::CollectionNotLoaded(std::to_string(collection_id) + " (share of replica " + std::to_string(replica_id) + ")");
  }
  return 100;
}

Result<std::shared_ptr<QueryNode::Loaded>> QueryNode::Find(int64_t collection_id) {
  MutexLock lock(&mu_);
  auto it = loaded_.find(collection_id);
  if (it == loaded_.end()) return cluster::CollectionNotLoaded(std::to_string(collection_id));
  return it->second;
}

Status QueryNode::WaitConsumed(const std::map<std::string, storage::Lsn>& positions, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& [name, lsn] : positions) {
    // A copy being resynced (its consumer lost records to a truncation, or was stopped when the
    // new copy took its place) is not an error: wait for the new copy, within the deadline.
    for (;;) {
      std::vector<std::shared_ptr<Loaded>> all;
      {
        MutexLock lock(&mu_);
        for (auto& [id, l] : loaded_) all.push_back(l);
      }
      bool resyncing = false;
      for (auto& l : all) {
        auto it = l->channels.find(name);
        if (it == l->channels.end()) continue;
        segment::ChannelConsumer* consumer = it->second->consumer.get();
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        Status st = consumer->truncated() ? Status::Aborted("resyncing")
                                          : consumer->WaitConsumed(lsn, std::max(left, std::chrono::milliseconds(0)));
        if (st.ok()) continue;
        bool replaced;
        {
          MutexLock lock(&mu_);
          auto current = loaded_.find(l->collection.load()->id);
          replaced = current == loaded_.end() || current->second != l;
        }
        if (consumer->truncated() || (replaced && st.IsUnavailable())) {
          resyncing = true;
          break;
        }
        return st;
      }
      if (!resyncing) break;
      if (std::chrono::steady_clock::now() >= deadline) {
        return Status::Timeout("collection is being reloaded after a WAL truncation", name);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  return Status::OK();
}

Result<std::vector<QueryNode::ChannelView>> QueryNode::Snapshot(const Loaded& loaded, const std::vector<int64_t>& partitions,
                                                                int64_t replica_id) const {
  std::vector<ChannelView> views;
  MutexLock lock(&loaded.mu);
  auto found = loaded.shares.find(replica_id);
  if (found == loaded.shares.end()) {
    // The replica moved and this node has not loaded its new share yet (or has let go of the
    // old one): the caller reads the placement again.
    return cluster::CollectionNotLoaded(std::to_string(loaded.collection.load()->id) + " (share of replica " +
                                        std::to_string(replica_id) + " on node " + std::to_string(node_id_.load()) + ")");
  }
  const cluster::ReplicaShare& share = found->second;
  const int64_t self = node_id_.load();
  for (const auto& [name, channel] : loaded.channels) {
    ChannelView view;
    view.deletes = channel->deletes.get();
    for (const auto& [id, seg] : loaded.sealed) {
      if (seg->meta().channel == name && PartitionSelected(partitions, seg->meta().partition_id) &&
          share.Serves(self, id)) {
        view.segments.push_back(seg);
        for (auto it = loaded.indexes.lower_bound({id, 0}); it != loaded.indexes.end() && it->first.first == id; ++it) {
          view.indexes.insert(*it);
        }
        if (auto scalar = loaded.scalar.find(id); scalar != loaded.scalar.end()) view.scalar[id] = scalar->second;
      }
    }
    for (auto& seg : channel->buffer->Segments()) {
      if (PartitionSelected(partitions, seg->meta().partition_id) && share.Serves(self, seg->meta().segment_id)) {
        view.segments.push_back(std::move(seg));
      }
    }
    views.push_back(std::move(view));
  }
  return views;
}

Result<cluster::SearchResult> QueryNode::Search(const cluster::SearchRequest& request) {
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Loaded> loaded, Find(request.collection_id));
  if (!request.after.positions.empty()) {
    QUIVER_RETURN_IF_ERROR(WaitConsumed(request.after.positions, request.after.timeout));
    QUIVER_ASSIGN_OR_RETURN(loaded, Find(request.collection_id));  // a resync may have swapped it
  }
  exec::VectorSearchRequest search;
  search.field_id = request.field_id;
  search.metric = request.metric;
  search.queries = request.queries;
  search.topk = request.limit;
  search.filter = request.filter.get();
  search.timestamp = request.timestamp;
  search.window = request.window;
  search.search_params = request.search_params;
  std::vector<exec::SearchHits> parts;
  QUIVER_ASSIGN_OR_RETURN(std::vector<ChannelView> views, Snapshot(*loaded, request.partition_ids, request.replica_id));
  for (const ChannelView& view : views) {
    search.scalar_for = [&view](const segment::Segment& seg) -> const exec::ScalarIndexMap* {
      auto it = view.scalar.find(seg.meta().segment_id);
      return it == view.scalar.end() ? nullptr : it->second.get();
    };
    search.index_for = [&view, field = request.field_id, counter = indexed_searches_](const segment::Segment& seg) {
      auto it = view.indexes.find({seg.meta().segment_id, field});
      if (it == view.indexes.end()) return std::shared_ptr<const index::VectorIndex>();
      counter->Increment();
      return it->second;
    };
    QUIVER_ASSIGN_OR_RETURN(exec::SearchHits hits, exec::SearchSegments(search, view.segments, view.deletes, pool_));
    parts.push_back(std::move(hits));
  }
  size_t nq = search.nq();
  exec::SearchHits merged = exec::MergeSearchHits(std::move(parts), nq, request.limit, 0,
                                                  index::HigherIsBetter(request.metric));
  cluster::SearchResult result;
  result.nq = nq;
  std::vector<std::pair<const segment::Segment*, size_t>> rows;
  for (const auto& hits : merged) {
    result.counts.push_back(hits.size());
    for (const auto& hit : hits) {
      result.distances.push_back(hit.distance);
      result.pks.push_back(hit.pk);
      rows.emplace_back(hit.segment.get(), hit.row);
    }
  }
  result.fields = FetchRows(*loaded->collection.load()->schema, request.output_fields, rows);
  return result;
}

Result<cluster::QueryResult> QueryNode::Query(const cluster::QueryRequest& request) {
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<Loaded> loaded, Find(request.collection_id));
  if (!request.after.positions.empty()) {
    QUIVER_RETURN_IF_ERROR(WaitConsumed(request.after.positions, request.after.timeout));
    QUIVER_ASSIGN_OR_RETURN(loaded, Find(request.collection_id));  // a resync may have swapped it
  }
  const schema::FieldSchema* pk_field = loaded->collection.load()->schema->PrimaryField();
  std::vector<std::shared_ptr<const segment::Segment>> sources;  // keeps the segments alive
  std::vector<exec::QueryCandidate> candidates;
  QUIVER_ASSIGN_OR_RETURN(std::vector<ChannelView> views, Snapshot(*loaded, request.partition_ids, request.replica_id));
  for (const ChannelView& view : views) {
    for (const auto& seg : view.segments) {
      std::vector<segment::ChunkRef> chunks = seg->Chunks();
      size_t rows = 0;
      for (const auto& ref : chunks) rows = std::max(rows, ref.base + ref.chunk->rows);
      if (rows == 0) continue;
      const exec::ScalarIndexMap* scalar = nullptr;
      if (seg->sealed()) {
        if (auto it = view.scalar.find(seg->meta().segment_id); it != view.scalar.end()) scalar = it->second.get();
      }
      QUIVER_ASSIGN_OR_RETURN(Bitset matches, exec::EvaluateFilter(request.filter.get(), chunks, rows, scalar));
      matches &= seg->VisibleRows(chunks, rows, request.timestamp, view.deletes);
      const size_t source = sources.size();
      sources.push_back(seg);
      for (const auto& ref : chunks) {
        const schema::ColumnChunk* pk = ref.chunk->Find(pk_field->id);
        const schema::ColumnChunk* ts = ref.chunk->Find(schema::kTimestampField);
        for (size_t r = matches.NextSet(ref.base); r < ref.base + ref.chunk->rows; r = matches.NextSet(r + 1)) {
          candidates.push_back({segment::PrimaryKeyAt(*pk, r - ref.base),
                                static_cast<Timestamp>(ts->IntAt(r - ref.base)), source, r});
        }
      }
    }
  }
  cluster::QueryResult result;
  if (request.count_only) {
    result.count = exec::CountDistinctKeys(candidates);
    return result;
  }
  // Primary-key order, the latest version of each key (exec/query.h).
  std::vector<exec::QueryCandidate> picked = exec::SelectByPrimaryKey(std::move(candidates), request.offset, request.limit);
  result.count = picked.size();
  std::vector<std::pair<const segment::Segment*, size_t>> rows;
  rows.reserve(picked.size());
  result.pks.reserve(picked.size());
  result.timestamps.reserve(picked.size());
  for (const auto& c : picked) {
    rows.emplace_back(sources[c.source].get(), c.row);
    result.pks.push_back(c.pk);
    result.timestamps.push_back(c.ts);
  }
  result.rows = FetchRows(*loaded->collection.load()->schema, request.output_fields, rows);
  return result;
}

}  // namespace quiver::querynode
