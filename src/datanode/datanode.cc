#include "datanode/datanode.h"

#include "common/log.h"

namespace quiver::datanode {

DataNode::DataNode(cluster::CatalogReader* catalog, cluster::SegmentRegistryClient* segments,
                   cluster::AllocClient* clock, storage::Wal* wal, storage::ObjectStore* objects,
                   segment::ConsumerPool* consumers, MetricsRegistry* metrics, DataNodeOptions options)
    : catalog_(catalog), segments_(segments), clock_(clock), wal_(wal), consumers_(consumers), objects_(objects), options_(options),
      flushed_segments_(metrics->GetCounter("quiver_datanode_flushed_segments_total", "Segments flushed to object storage")),
      flushed_rows_(metrics->GetCounter("quiver_datanode_flushed_rows_total", "Rows flushed to object storage")) {}

DataNode::~DataNode() { Stop(); }

Status DataNode::Start() {
  Reconcile();
  reconciler_ = std::thread([this] {
    while (!stop_.load()) {
      std::this_thread::sleep_for(options_.reconcile_interval);
      Reconcile();
    }
  });
  return Status::OK();
}

void DataNode::Stop() {
  stop_.store(true);
  if (reconciler_.joinable()) reconciler_.join();
  std::map<std::string, std::shared_ptr<Channel>> channels;
  {
    MutexLock lock(&mu_);
    channels.swap(channels_);
  }
  for (auto& [name, channel] : channels) {
    channel->consumer->Stop();
    channel->released.store(true);
  }
}

void DataNode::Reconcile() {
  Result<std::vector<cluster::CollectionPtr>> collections = catalog_->ListAllCollections();
  if (!collections.ok()) return;
  std::optional<std::set<std::string>> owned;
  if (options_.owned) {
    Result<std::set<std::string>> mine = options_.owned();
    if (!mine.ok()) return;  // cannot tell: keep consuming what we consume
    owned = std::move(*mine);
  }
  std::set<std::string> live;
  for (const auto& collection : *collections) {
    for (const auto& info : collection->channels) {
      if (owned && !owned->count(info.name)) continue;
      live.insert(info.name);
      bool known;
      {
        MutexLock lock(&mu_);
        auto it = channels_.find(info.name);
        // A consumer whose next records were truncated (another datanode flushed them while the
        // channel moved here) starts again from the committed checkpoint.
        known = it != channels_.end() && !it->second->consumer->truncated();
      }
      if (known) continue;
      Result<cluster::CollectionSegments> segments = segments_->GetSegments(collection->id);
      if (!segments.ok()) continue;
      cluster::Checkpoint checkpoint;
      auto it = segments->checkpoints.find(info.name);
      if (it != segments->checkpoints.end()) checkpoint = it->second;
      Status st = StartChannel(collection, info, checkpoint);
      if (!st.ok()) QUIVER_LOG(ERROR) << "cannot consume channel" << Kv("channel", info.name) << Kv("error", st.ToString());
    }
  }
  // Stop consumers of dropped collections and of channels placed elsewhere. What they buffered
  // is still in the WAL, after the checkpoint the next consumer starts from.
  std::vector<std::shared_ptr<Channel>> dropped;
  {
    MutexLock lock(&mu_);
    for (auto it = channels_.begin(); it != channels_.end();) {
      if (live.count(it->first)) {
        ++it;
      } else {
        dropped.push_back(std::move(it->second));
        it = channels_.erase(it);
      }
    }
  }
  for (auto& channel : dropped) {
    channel->consumer->Stop();
    channel->released.store(true);
    QUIVER_LOG(INFO) << "datanode released channel" << Kv("channel", channel->info.name);
  }
}

Status DataNode::StartChannel(const cluster::CollectionPtr& collection, const cluster::ChannelInfo& info,
                              const cluster::Checkpoint& checkpoint) {
  auto channel = std::make_shared<Channel>();
  channel->collection = collection;
  channel->info = info;
  {
    MutexLock lock(&channel->mu);
    channel->committed = checkpoint;
    channel->last_insert = std::chrono::steady_clock::now();
  }
  std::shared_ptr<Channel> replaced;  // a truncated consumer of this channel
  {
    MutexLock lock(&mu_);
    if (auto it = channels_.find(info.name); it != channels_.end()) {
      replaced = std::move(it->second);
      channels_.erase(it);
    }
  }
  if (replaced) {
    replaced->consumer->Stop();
    replaced->released.store(true);
  }
  channel->buffer = std::make_unique<segment::ChannelBuffer>(collection->schema, collection->id, info.name, info.uid,
                                                             checkpoint.epoch, std::make_shared<segment::DeleteLog>());
  Channel* raw = channel.get();  // the consumer stops before the channel goes
  channel->consumer = std::make_unique<segment::ChannelConsumer>(
      consumers_, wal_, info.name, checkpoint.lsn,
      [this, raw](storage::Lsn lsn, const segment::WalMessage& message) { return Handle(raw, lsn, message); },
      [this, raw] { MaybeSeal(raw); });
  {
    MutexLock lock(&mu_);
    channels_[info.name] = std::move(channel);
  }
  raw->consumer->Start();
  QUIVER_LOG(INFO) << "datanode consuming channel" << Kv("channel", info.name) << Kv("from_lsn", checkpoint.lsn)
                   << Kv("epoch", checkpoint.epoch);
  return Status::OK();
}

Status DataNode::Handle(Channel* channel, storage::Lsn lsn, const segment::WalMessage& message) {
  QUIVER_RETURN_IF_ERROR(channel->buffer->Apply(lsn, message));
  if (message.type != segment::WalMessage::Type::kSeal) {
    MutexLock lock(&channel->mu);
    channel->last_insert = std::chrono::steady_clock::now();
    return Status::OK();
  }
  for (auto& epoch : channel->buffer->TakeSealedEpochs()) channel->pending.push_back(std::move(epoch));
  while (!channel->pending.empty()) {
    QUIVER_RETURN_IF_ERROR(FlushEpoch(channel, channel->pending.front()));
    channel->pending.pop_front();
  }
  return Status::OK();
}

Status DataNode::FlushEpoch(Channel* channel, const segment::ChannelBuffer::Epoch& epoch) {
  const int64_t collection_id = channel->collection->id;
  std::vector<cluster::SegmentInfo> infos;
  size_t rows = 0;
  for (const auto& growing : epoch.segments) {
    if (growing->rows() == 0) continue;
    QUIVER_ASSIGN_OR_RETURN(auto data, growing->Consolidate());
    cluster::SegmentInfo info;
    info.id = growing->meta().segment_id;
    info.collection_id = collection_id;
    info.partition_id = growing->meta().partition_id;
    info.channel = channel->info.name;
    info.epoch = epoch.epoch;
    info.rows = data->rows;
    info.object_key = "collections/" + std::to_string(collection_id) + "/segments/" + std::to_string(info.id);
    QUIVER_RETURN_IF_ERROR(objects_->Put(info.object_key, segment::SerializeSegment(growing->meta(), *data)));
    rows += data->rows;
    infos.push_back(std::move(info));
  }
  std::optional<cluster::DeltaInfo> delta;
  if (!epoch.deletes.empty()) {
    segment::DeleteLog log;
    for (const auto& [pk, ts] : epoch.deletes) log.Add(pk, ts);
    delta = cluster::DeltaInfo{channel->info.name, epoch.epoch, epoch.deletes.size(),
                               "collections/" + std::to_string(collection_id) + "/deltas/" + channel->info.name +
                                   "/" + std::to_string(epoch.epoch)};
    QUIVER_RETURN_IF_ERROR(objects_->Put(delta->object_key, log.Serialize()));
  }
  cluster::Checkpoint checkpoint{epoch.seal_lsn + 1, epoch.epoch + 1};
  QUIVER_RETURN_IF_ERROR(segments_->CommitFlush(collection_id, channel->info.name, infos, delta, checkpoint));
  // Everything before the checkpoint is in the object store now.
  Status truncated = wal_->Truncate(channel->info.name, checkpoint.lsn);
  if (!truncated.ok()) QUIVER_LOG(WARN) << "WAL truncate failed" << Kv("channel", channel->info.name) << Kv("error", truncated.ToString());
  flushed_segments_->Increment(static_cast<double>(infos.size()));
  flushed_rows_->Increment(static_cast<double>(rows));
  QUIVER_LOG(INFO) << "epoch flushed" << Kv("collection_id", collection_id) << Kv("channel", channel->info.name)
                   << Kv("epoch", epoch.epoch) << Kv("segments", infos.size()) << Kv("rows", rows)
                   << Kv("deletes", epoch.deletes.size());
  MutexLock lock(&channel->mu);
  channel->committed = checkpoint;
  channel->cv.SignalAll();
  return Status::OK();
}

Result<storage::Lsn> DataNode::AppendSeal(Channel* channel) {
  return AppendSeal(channel->collection->id, channel->info.name);
}

Result<storage::Lsn> DataNode::AppendSeal(int64_t collection_id, const std::string& channel) {
  segment::WalMessage seal;
  seal.type = segment::WalMessage::Type::kSeal;
  seal.collection_id = collection_id;
  QUIVER_ASSIGN_OR_RETURN(seal.timestamp, clock_->AllocTimestamp(1));
  std::string payload = segment::EncodeWalMessage(seal);
  return wal_->Append(channel, {payload});
}

Status DataNode::WaitCommitted(int64_t collection_id, const std::string& channel, storage::Lsn lsn,
                               std::chrono::steady_clock::time_point deadline, const std::function<bool()>& cancelled) {
  while (true) {
    QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, segments_->GetSegments(collection_id));
    auto it = segments.checkpoints.find(channel);
    if (it != segments.checkpoints.end() && it->second.lsn > lsn) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Timeout("flush did not finish in time (channel consumed by another datanode)", channel);
    }
    if (cancelled && cancelled()) return Status::Unavailable("flush wait ended: request cancelled or server shutting down", channel);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void DataNode::MaybeSeal(Channel* channel) {
  size_t rows = channel->buffer->growing_rows();
  if (rows == 0) return;
  bool idle;
  {
    MutexLock lock(&channel->mu);
    if (channel->seal_requested > channel->consumer->consumed()) return;  // one seal at a time
    idle = std::chrono::steady_clock::now() - channel->last_insert > options_.seal_idle;
  }
  if (rows < options_.seal_rows && channel->buffer->growing_bytes() < options_.seal_bytes && !idle) return;
  Result<storage::Lsn> lsn = AppendSeal(channel);
  if (!lsn.ok()) {
    QUIVER_LOG(WARN) << "cannot append seal" << Kv("channel", channel->info.name) << Kv("error", lsn.status().ToString());
    return;
  }
  MutexLock lock(&channel->mu);
  channel->seal_requested = *lsn;
}

Result<std::vector<segment::SegmentId>> DataNode::Flush(int64_t collection_id, std::chrono::milliseconds timeout,
                                                        const std::function<bool()>& cancelled) {
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionPtr collection, catalog_->DescribeCollectionById(collection_id));
  // Make sure every channel of the collection this node owns has a consumer before appending seals.
  Reconcile();
  std::vector<std::pair<std::shared_ptr<Channel>, storage::Lsn>> waits;
  std::vector<std::pair<std::string, storage::Lsn>> remote;  // channels consumed by another datanode
  for (const auto& info : collection->channels) {
    std::shared_ptr<Channel> channel;
    {
      MutexLock lock(&mu_);
      auto it = channels_.find(info.name);
      if (it != channels_.end()) channel = it->second;
    }
    if (channel == nullptr && !options_.owned) return Status::Unavailable("channel not consumed yet", info.name);
    if (channel == nullptr) {
      QUIVER_ASSIGN_OR_RETURN(storage::Lsn lsn, AppendSeal(collection_id, info.name));
      remote.emplace_back(info.name, lsn);
      continue;
    }
    QUIVER_ASSIGN_OR_RETURN(storage::Lsn lsn, AppendSeal(channel.get()));
    waits.emplace_back(channel, lsn);
  }
  std::vector<segment::SegmentId> ids;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto start = std::chrono::steady_clock::now();
  for (auto& [channel, lsn] : waits) {
    MutexLock lock(&channel->mu);
    while (channel->committed.lsn <= lsn) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return Status::Timeout("flush did not finish in time", channel->info.name);
      if (cancelled && cancelled()) return Status::Unavailable("flush wait ended: request cancelled or server shutting down", channel->info.name);
      // A consumer that keeps failing (a full disk) is reported instead of waited out.
      if (now - start >= segment::ChannelConsumer::kReportAfter) {
        Status health = channel->consumer->health();
        if (!health.ok()) {
          return Status::Unavailable("flush of channel " + channel->info.name + " is stuck: " + health.ToString() +
                                     " (retrying in the background)");
        }
      }
      // The channel moved to another datanode while we waited: its flush lands in the registry.
      if (channel->consumer->truncated() || channel->released.load()) break;
      channel->cv.WaitFor(std::chrono::milliseconds(50));
    }
    if (channel->committed.lsn <= lsn) remote.emplace_back(channel->info.name, lsn);
  }
  for (const auto& [name, lsn] : remote) {
    QUIVER_RETURN_IF_ERROR(WaitCommitted(collection_id, name, lsn, deadline, cancelled));
  }
  // Report every flushed segment of the collection, as Milvus's Flush lists sealed segments.
  QUIVER_ASSIGN_OR_RETURN(cluster::CollectionSegments segments, segments_->GetSegments(collection_id));
  for (const auto& s : segments.segments) ids.push_back(s.id);
  return ids;
}

Result<std::map<int64_t, size_t>> DataNode::BufferedRows(int64_t collection_id) {
  std::map<int64_t, size_t> out;
  MutexLock lock(&mu_);
  for (const auto& [name, channel] : channels_) {
    if (channel->collection->id != collection_id) continue;
    for (const auto& [partition, rows] : channel->buffer->RowsByPartition()) out[partition] += rows;
  }
  return out;
}

}  // namespace quiver::datanode

namespace quiver::datanode {

size_t DataNode::Channels() {
  MutexLock lock(&mu_);
  return channels_.size();
}

size_t DataNode::GrowingSegments() {
  MutexLock lock(&mu_);
  size_t count = 0;
  for (const auto& [name, channel] : channels_) count += channel->buffer->Segments().size();
  return count;
}

}  // namespace quiver::datanode
