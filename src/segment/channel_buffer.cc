#include "segment/channel_buffer.h"

#include <cstring>

namespace quiver::segment {

ChannelBuffer::ChannelBuffer(std::shared_ptr<const schema::CollectionSchema> schema, int64_t collection_id,
                             std::string channel, uint64_t channel_uid, uint64_t epoch,
                             std::shared_ptr<DeleteLog> deletes)
    : schema_(std::move(schema)), collection_id_(collection_id), channel_(std::move(channel)),
      channel_uid_(channel_uid), deletes_(std::move(deletes)), epoch_(epoch) {}

Status ChannelBuffer::Apply(storage::Lsn lsn, const WalMessage& message) {
  MutexLock lock(&mu_);
  if (lsn <= applied_lsn_) return Status::OK();  // already applied (replay overlap)
  applied_lsn_ = lsn;
  if (message.collection_id != collection_id_) return Status::OK();
  if (message.type == WalMessage::Type::kSeal) {
    Epoch closed;
    closed.epoch = epoch_;
    closed.seal_lsn = lsn;
    for (auto& [slot, segment] : current_) closed.segments.push_back(segment);
    closed.deletes = std::move(epoch_deletes_);
    epoch_deletes_.clear();
    current_.clear();
    closed_.push_back(std::move(closed));
    ++epoch_;
    return Status::OK();
  }
  for (const PrimaryKey& pk : message.deletes) {
    deletes_->Add(pk, message.timestamp);
    epoch_deletes_.emplace_back(pk, message.timestamp);
  }
  if (message.rows == nullptr || message.rows->rows == 0) return Status::OK();
  auto& segment = current_[message.partition_slot];
  if (segment == nullptr) {
    SegmentMeta meta{SegmentIdFor(channel_uid_, epoch_, message.partition_slot), collection_id_,
                     message.partition_id, channel_};
    segment = std::make_shared<GrowingSegment>(meta, schema_);
    partition_of_slot_[message.partition_slot] = message.partition_id;
  }
  // Add the timestamp column: every row of a message shares its timestamp.
  auto chunk = std::make_shared<schema::DataChunk>(*message.rows);
  schema::ColumnBuilder ts(schema::DataType::kInt64);
  std::string bytes(chunk->rows * 8, '\0');
  for (size_t r = 0; r < chunk->rows; ++r) {
    int64_t value = static_cast<int64_t>(message.timestamp);
    std::memcpy(bytes.data() + r * 8, &value, 8);
  }
  ts.AppendRawFixed(bytes, chunk->rows);
  chunk->columns.insert(chunk->columns.begin(), {schema::kTimestampField, ts.Build()});
  return segment->Insert(std::move(chunk));
}

std::vector<ChannelBuffer::Epoch> ChannelBuffer::TakeSealedEpochs() {
  MutexLock lock(&mu_);
  std::vector<Epoch> out = std::move(closed_);
  closed_.clear();
  return out;
}

std::vector<std::shared_ptr<const Segment>> ChannelBuffer::Segments() const {
  MutexLock lock(&mu_);
  std::vector<std::shared_ptr<const Segment>> out;
  for (const Epoch& epoch : closed_) out.insert(out.end(), epoch.segments.begin(), epoch.segments.end());
  for (const auto& [slot, segment] : current_) out.push_back(segment);
  return out;
}

void ChannelBuffer::DropSegments(const std::set<SegmentId>& ids) {
  MutexLock lock(&mu_);
  for (Epoch& epoch : closed_) {
    std::erase_if(epoch.segments, [&](const auto& s) { return ids.count(s->meta().segment_id) > 0; });
  }
  std::erase_if(closed_, [](const Epoch& e) { return e.segments.empty(); });
}

uint64_t ChannelBuffer::epoch() const {
  MutexLock lock(&mu_);
  return epoch_;
}

storage::Lsn ChannelBuffer::applied_lsn() const {
  MutexLock lock(&mu_);
  return applied_lsn_;
}

size_t ChannelBuffer::growing_rows() const {
  MutexLock lock(&mu_);
  size_t rows = 0;
  for (const auto& [slot, segment] : current_) rows += segment->rows();
  return rows;
}

size_t ChannelBuffer::growing_bytes() const {
  MutexLock lock(&mu_);
  size_t bytes = 0;
  for (const auto& [slot, segment] : current_) bytes += segment->memory_bytes();
  return bytes;
}

std::map<int64_t, size_t> ChannelBuffer::RowsByPartition() const {
  MutexLock lock(&mu_);
  std::map<int64_t, size_t> out;
  for (const Epoch& epoch : closed_) {
    for (const auto& s : epoch.segments) out[s->meta().partition_id] += s->rows();
  }
  for (const auto& [slot, segment] : current_) out[segment->meta().partition_id] += segment->rows();
  return out;
}

}  // namespace quiver::segment
