#pragma once

// Segments: the unit of storage and search. A growing segment takes inserts from one shard's WAL
// channel as immutable DataChunks (one per insert batch, so readers can snapshot the chunk list
// without copying); a sealed segment is one DataChunk viewing a segment file (format in
// docs/format/segment.md), memory-mapped when the object store is local.
//
// Every segment stores the system column kTimestampField (the hybrid timestamp of each row's
// insert) next to the user fields. MVCC: a read at timestamp T sees rows with ts <= T, minus rows
// deleted by a delete with row_ts < delete_ts <= T (DeleteLog). An upsert is a delete and an insert
// at the same timestamp, so the new row survives its own delete.

#include <atomic>
#include <map>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/bitset.h"
#include "common/mutex.h"
#include "common/status.h"
#include "common/timestamp.h"
#include "schema/column.h"
#include "schema/schema.h"
#include "storage/object_store/object_store.h"

namespace quiver::segment {

using SegmentId = int64_t;
using PrimaryKey = std::variant<int64_t, std::string>;

struct PrimaryKeyHash {
  size_t operator()(const PrimaryKey& pk) const {
    if (const int64_t* i = std::get_if<int64_t>(&pk)) return std::hash<int64_t>()(*i);
    return std::hash<std::string>()(std::get<std::string>(pk));
  }
};

struct SegmentMeta {
  SegmentId segment_id = 0;
  int64_t collection_id = 0;
  int64_t partition_id = 0;
  std::string channel;
};

// A chunk and the segment row offset of its first row.
struct ChunkRef {
  std::shared_ptr<const schema::DataChunk> chunk;
  size_t base = 0;
};

// Primary key -> row offsets. Thread-safe.
class PkIndex {
 public:
  void Add(const PrimaryKey& pk, uint32_t row);
  // Rows holding `pk` (empty if none).
  std::vector<uint32_t> Lookup(const PrimaryKey& pk) const;
  size_t size() const;

 private:
  mutable SharedMutex mu_;
  std::unordered_map<PrimaryKey, std::vector<uint32_t>, PrimaryKeyHash> rows_ QUIVER_GUARDED_BY(mu_);
};

// Deletes of one shard: primary key -> delete timestamps. Thread-safe.
class DeleteLog {
 public:
  void Add(const PrimaryKey& pk, Timestamp ts);
  size_t size() const;
  // Latest delete timestamp of `pk` that is <= `upto`, if any.
  std::optional<Timestamp> LatestDelete(const PrimaryKey& pk, Timestamp upto) const;
  // Calls fn(pk, latest delete ts <= upto) for every key deleted at or before `upto`.
  void ForEachUpTo(Timestamp upto, const std::function<void(const PrimaryKey&, Timestamp)>& fn) const;
  // Calls fn(pk, ts) for every delete.
  void ForEach(const std::function<void(const PrimaryKey&, Timestamp)>& fn) const;
  // Delta file encoding (docs/format/segment.md, "Delta files").
  std::string Serialize() const;
  static Result<std::unique_ptr<DeleteLog>> Parse(std::string_view bytes);

 private:
  mutable SharedMutex mu_;
  std::unordered_map<PrimaryKey, std::vector<Timestamp>, PrimaryKeyHash> deletes_ QUIVER_GUARDED_BY(mu_);
  size_t count_ QUIVER_GUARDED_BY(mu_) = 0;
};

class Segment {
 public:
  virtual ~Segment() = default;
  virtual const SegmentMeta& meta() const = 0;
  virtual bool sealed() const = 0;
  virtual size_t rows() const = 0;
  // A consistent snapshot of the chunks (growing segments keep appending after it is taken).
  virtual std::vector<ChunkRef> Chunks() const = 0;
  virtual const PkIndex& pk_index() const = 0;
  virtual const schema::CollectionSchema& schema() const = 0;
  // Largest row timestamp (an upper bound for a growing segment's snapshot): when it is at or
  // before a read's timestamp, every row is visible without a per-row check.
  virtual Timestamp max_timestamp() const = 0;
  // Per-row float data derived from a field (e.g. vector norms), computed once by `compute` and
  // kept for the segment's lifetime. Sealed segments cache; growing ones (still changing) return
  // nullptr and the caller computes what it needs itself.
  virtual const std::vector<float>* CachedRowFloats(schema::FieldId field_id,
                                                    const std::function<std::vector<float>()>& compute) const {
    return nullptr;
  }

  // Rows visible at `ts` among the first `rows` rows (a snapshot's row count): inserted at or
  // before ts and not deleted by `deletes` (may be null) at or before ts.
  Bitset VisibleRows(const std::vector<ChunkRef>& chunks, size_t rows, Timestamp ts,
                     const DeleteLog* deletes) const;
};

// Returns the primary key of row `row` of `column` (Int64 or VarChar).
PrimaryKey PrimaryKeyAt(const schema::ColumnChunk& column, size_t row);

class GrowingSegment final : public Segment {
 public:
  // `schema` must outlive the segment.
  GrowingSegment(SegmentMeta meta, std::shared_ptr<const schema::CollectionSchema> schema);

  // Appends a batch. It must hold kTimestampField and every schema field (nullable/dynamic
  // included) with the schema's types. InvalidArgument otherwise.
  Status Insert(std::shared_ptr<const schema::DataChunk> batch);

  const SegmentMeta& meta() const override { return meta_; }
  bool sealed() const override { return false; }
  size_t rows() const override { return rows_.load(std::memory_order_acquire); }
  std::vector<ChunkRef> Chunks() const override;
  const PkIndex& pk_index() const override { return pk_index_; }
  const schema::CollectionSchema& schema() const override { return *schema_; }

  size_t memory_bytes() const { return memory_bytes_.load(); }
  Timestamp max_timestamp() const override { return max_ts_.load(); }
  // Concatenates every chunk into one, for writing a segment file.
  Result<std::shared_ptr<const schema::DataChunk>> Consolidate() const;

 private:
  SegmentMeta meta_;
  std::shared_ptr<const schema::CollectionSchema> schema_;
  mutable Mutex mu_;
  std::vector<ChunkRef> chunks_ QUIVER_GUARDED_BY(mu_);
  std::atomic<size_t> rows_{0};
  std::atomic<size_t> memory_bytes_{0};
  std::atomic<Timestamp> max_ts_{0};
  PkIndex pk_index_;
};

class SealedSegment final : public Segment {
 public:
  // Parses and verifies a segment file held by `file` (an owned buffer or a mapping).
  // Corruption if a checksum or the layout is wrong; InvalidArgument if it does not match `schema`.
  static Result<std::shared_ptr<SealedSegment>> Open(
      schema::Buffer file, std::shared_ptr<const schema::CollectionSchema> schema);

  const SegmentMeta& meta() const override { return meta_; }
  bool sealed() const override { return true; }
  size_t rows() const override { return data_->rows; }
  std::vector<ChunkRef> Chunks() const override { return {{data_, 0}}; }
  const PkIndex& pk_index() const override { return pk_index_; }
  const schema::CollectionSchema& schema() const override { return *schema_; }
  const schema::DataChunk& data() const { return *data_; }
  Timestamp max_timestamp() const override { return max_ts_; }
  const std::vector<float>* CachedRowFloats(schema::FieldId field_id,
                                            const std::function<std::vector<float>()>& compute) const override;

 private:
  SealedSegment() = default;
  mutable Mutex cache_mu_;
  mutable std::map<schema::FieldId, std::unique_ptr<std::vector<float>>> row_floats_ QUIVER_GUARDED_BY(cache_mu_);
  SegmentMeta meta_;
  std::shared_ptr<const schema::CollectionSchema> schema_;
  std::shared_ptr<const schema::DataChunk> data_;
  PkIndex pk_index_;
  Timestamp max_ts_ = 0;
};

// The object stored under `key`: memory-mapped when the store can map it, read into memory
// otherwise. Errors as ObjectStore::Get.
Result<schema::Buffer> ReadStoredObject(storage::ObjectStore* objects, const std::string& key);

// Opens the segment file stored under `key` (ReadStoredObject). Errors as ObjectStore::Get and
// SealedSegment::Open.
Result<std::shared_ptr<SealedSegment>> OpenStoredSegment(storage::ObjectStore* objects, const std::string& key,
                                                         std::shared_ptr<const schema::CollectionSchema> schema);

// Encodes `data` (one chunk with every field + kTimestampField) as a segment file.
std::string SerializeSegment(const SegmentMeta& meta, const schema::DataChunk& data);

}  // namespace quiver::segment
