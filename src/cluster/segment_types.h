#pragma once

// The segment registry's types: flushed segments, delete files, channel checkpoints and built
// segment indexes of a collection.

#include <map>
#include <string>
#include <vector>

#include "schema/schema.h"
#include "segment/segment.h"
#include "storage/wal/wal.h"

namespace quiver::cluster {

struct SegmentInfo {
  segment::SegmentId id = 0;
  int64_t collection_id = 0;
  int64_t partition_id = 0;
  std::string channel;
  uint64_t epoch = 0;
  size_t rows = 0;
  std::string object_key;
};

struct DeltaInfo {
  std::string channel;
  uint64_t epoch = 0;
  size_t count = 0;
  std::string object_key;
};

// Where a consumer of a channel resumes: the next lsn to read and the epoch it belongs to.
struct Checkpoint {
  storage::Lsn lsn = 1;
  uint64_t epoch = 0;
};

// A built index file of one sealed segment (written by the indexnode, loaded by the querynode).
struct SegmentIndexInfo {
  segment::SegmentId segment_id = 0;
  int64_t collection_id = 0;
  int64_t index_id = 0;
  schema::FieldId field_id = 0;
  std::string family;      // the family that built it (HNSW, IVF_PQ, ...)
  size_t rows = 0;
  uint64_t bytes = 0;
  std::string object_key;
};

struct CollectionSegments {
  std::vector<SegmentInfo> segments;
  std::vector<SegmentIndexInfo> indexes;  // built segment indexes of the collection's current indexes
  std::vector<DeltaInfo> deltas;
  std::map<std::string, Checkpoint> checkpoints;  // by channel
};

}  // namespace quiver::cluster
