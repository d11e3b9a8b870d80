#include "segment/segment.h"

#include <algorithm>

#include "common/coding.h"
#include "common/crc32c.h"

namespace quiver::segment {

PrimaryKey PrimaryKeyAt(const schema::ColumnChunk& column, size_t row) {
  if (schema::IsVariableWidth(column.type)) return std::string(column.VarAt(row));
  return column.IntAt(row);
}

void PkIndex::Add(const PrimaryKey& pk, uint32_t row) {
  WriterLock lock(&mu_);
  rows_[pk].push_back(row);
}

std::vector<uint32_t> PkIndex::Lookup(const PrimaryKey& pk) const {
  ReaderLock lock(&mu_);
  auto it = rows_.find(pk);
  return it == rows_.end() ? std::vector<uint32_t>() : it->second;
}

size_t PkIndex::size() const {
  ReaderLock lock(&mu_);
  return rows_.size();
}

void DeleteLog::Add(const PrimaryKey& pk, Timestamp ts) {
  WriterLock lock(&mu_);
  auto& list = deletes_[pk];
  list.insert(std::upper_bound(list.begin(), list.end(), ts), ts);
  ++count_;
}

size_t DeleteLog::size() const {
  ReaderLock lock(&mu_);
  return count_;
}

std::optional<Timestamp> DeleteLog::LatestDelete(const PrimaryKey& pk, Timestamp upto) const {
  ReaderLock lock(&mu_);
  auto it = deletes_.find(pk);
  if (it == deletes_.end()) return std::nullopt;
  auto pos = std::upper_bound(it->second.begin(), it->second.end(), upto);
  if (pos == it->second.begin()) return std::nullopt;
  return *std::prev(pos);
}

void DeleteLog::ForEachUpTo(Timestamp upto,
                            const std::function<void(const PrimaryKey&, Timestamp)>& fn) const {
  ReaderLock lock(&mu_);
  for (const auto& [pk, list] : deletes_) {
    auto pos = std::upper_bound(list.begin(), list.end(), upto);
    if (pos != list.begin()) fn(pk, *std::prev(pos));
  }
}

void DeleteLog::ForEach(const std::function<void(const PrimaryKey&, Timestamp)>& fn) const {
  ReaderLock lock(&mu_);
  for (const auto& [pk, list] : deletes_) {
    for (Timestamp ts : list) fn(pk, ts);
  }
}

namespace {
constexpr std::string_view kDeltaMagic = "QVRDEL01";
}

std::string DeleteLog::Serialize() const {
  ReaderLock lock(&mu_);
  std::string out(kDeltaMagic);
  PutVarint64(&out, count_);
  for (const auto& [pk, list] : deletes_) {
    for (Timestamp ts : list) {
      if (const int64_t* i = std::get_if<int64_t>(&pk)) {
        out.push_back(0);
        PutFixed64(&out, static_cast<uint64_t>(*i));
      } else {
        out.push_back(1);
        PutLengthPrefixed(&out, std::get<std::string>(pk));
      }
      PutFixed64(&out, ts);
    }
  }
  PutFixed32(&out, crc32c::Mask(crc32c::Value(out)));
  return out;
}

Result<std::unique_ptr<DeleteLog>> DeleteLog::Parse(std::string_view bytes) {
  if (bytes.size() < kDeltaMagic.size() + 4 || bytes.substr(0, 8) != kDeltaMagic) {
    return Status::Corruption("not a delta file");
  }
  std::string_view body = bytes.substr(0, bytes.size() - 4);
  if (crc32c::Value(body) != crc32c::Unmask(DecodeFixed32(bytes.data() + body.size()))) {
    return Status::Corruption("delta file checksum mismatch");
  }
  Decoder in(body.substr(8));
  uint64_t count;
  if (!in.GetVarint64(&count)) return Status::Corruption("delta file malformed");
  auto log = std::make_unique<DeleteLog>();
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view kind;
    uint64_t ts;
    if (!in.GetBytes(1, &kind)) return Status::Corruption("delta file malformed");
    if (kind[0] == 0) {
      uint64_t value;
      if (!in.GetFixed64(&value) || !in.GetFixed64(&ts)) return Status::Corruption("delta file malformed");
      log->Add(static_cast<int64_t>(value), ts);
    } else {
      std::string_view key;
      if (!in.GetLengthPrefixed(&key) || !in.GetFixed64(&ts)) return Status::Corruption("delta file malformed");
      log->Add(std::string(key), ts);
    }
  }
  return log;
}

Bitset Segment::VisibleRows(const std::vector<ChunkRef>& chunks, size_t rows, Timestamp ts,
                            const DeleteLog* deletes) const {
  Bitset visible(rows);
  // Insert timestamp of a row, found through its chunk (chunks are sorted by base).
  auto row_ts = [&](size_t row) {
    auto it = std::upper_bound(chunks.begin(), chunks.end(), row,
                               [](size_t r, const ChunkRef& c) { return r < c.base; });
    const ChunkRef& ref = *std::prev(it);
    return static_cast<Timestamp>(ref.chunk->Find(schema::kTimestampField)->Values<int64_t>()[row - ref.base]);
  };
  if (max_timestamp() <= ts) {
    visible.SetAll();  // the common case: reads at "now" see every row, no per-row pass
  } else {
    for (const ChunkRef& ref : chunks) {
      auto values = ref.chunk->Find(schema::kTimestampField)->Values<int64_t>();
      for (size_t i = 0; i < ref.chunk->rows && ref.base + i < rows; ++i) {
        if (static_cast<Timestamp>(values[i]) <= ts) visible.Set(ref.base + i);
      }
    }
  }
  if (deletes == nullptr || deletes->size() == 0) return visible;
  // Few deletes: probe this segment's keys per delete; many: probe the log per row.
  if (deletes->size() < pk_index().size()) {
    deletes->ForEachUpTo(ts, [&](const PrimaryKey& pk, Timestamp delete_ts) {
      for (uint32_t row : pk_index().Lookup(pk)) {
        if (row < rows && row_ts(row) < delete_ts) visible.Reset(row);
      }
    });
  } else {
    const schema::FieldSchema* pk = schema().PrimaryField();
    for (const ChunkRef& ref : chunks) {
      const schema::ColumnChunk* column = ref.chunk->Find(pk->id);
      auto values = ref.chunk->Find(schema::kTimestampField)->Values<int64_t>();
      for (size_t i = 0; i < ref.chunk->rows && ref.base + i < rows; ++i) {
        std::optional<Timestamp> latest = deletes->LatestDelete(PrimaryKeyAt(*column, i), ts);
        if (latest && static_cast<Timestamp>(values[i]) < *latest) visible.Reset(ref.base + i);
      }
    }
  }
  return visible;
}

GrowingSegment::GrowingSegment(SegmentMeta meta, std::shared_ptr<const schema::CollectionSchema> schema)
    : meta_(std::move(meta)), schema_(std::move(schema)) {}

Status GrowingSegment::Insert(std::shared_ptr<const schema::DataChunk> batch) {
  const schema::ColumnChunk* ts_column = batch->Find(schema::kTimestampField);
  if (ts_column == nullptr || ts_column->type != schema::DataType::kInt64) {
    return Status::InvalidArgument("insert batch lacks the timestamp column");
  }
  for (const auto& field : schema_->fields) {
    const schema::ColumnChunk* column = batch->Find(field.id);
    if (column == nullptr) return Status::InvalidArgument("insert batch lacks field", field.name);
    if (column->type != field.type || column->rows != batch->rows) {
      return Status::InvalidArgument("insert batch column does not match field", field.name);
    }
  }
  for (const auto& [id, column] : batch->columns) {
    if (column->rows != batch->rows) return Status::InvalidArgument("ragged insert batch");
  }
  const schema::FieldSchema* pk = schema_->PrimaryField();
  MutexLock lock(&mu_);
  size_t base = rows_.load();
  if (pk != nullptr) {
    const schema::ColumnChunk* pk_column = batch->Find(pk->id);
    for (size_t row = 0; row < batch->rows; ++row) {
      pk_index_.Add(PrimaryKeyAt(*pk_column, row), static_cast<uint32_t>(base + row));
    }
  }
  Timestamp max_ts = max_ts_.load();
  for (int64_t ts : ts_column->Values<int64_t>()) max_ts = std::max(max_ts, static_cast<Timestamp>(ts));
  max_ts_.store(max_ts);
  memory_bytes_.fetch_add(batch->MemoryBytes());
  chunks_.push_back({std::move(batch), base});
  // Publish the row count last: a reader that sees it also sees the chunk (taken under mu_).
  rows_.store(base + chunks_.back().chunk->rows, std::memory_order_release);
  return Status::OK();
}

std::vector<ChunkRef> GrowingSegment::Chunks() const {
  MutexLock lock(&mu_);
  return chunks_;
}

Result<std::shared_ptr<const schema::DataChunk>> GrowingSegment::Consolidate() const {
  std::vector<std::shared_ptr<const schema::DataChunk>> chunks;
  for (const ChunkRef& ref : Chunks()) chunks.push_back(ref.chunk);
  return schema::ConcatChunks(chunks);
}

}  // namespace quiver::segment
