#pragma once

// JSON encodings of catalog entries stored in the MetaStore (keys in coord.cc), also the records
// the coordinator's internal RPC carries (proto/internal/coord.proto).

#include <string>

#include "cluster/catalog_types.h"
#include "cluster/segment_types.h"
#include "common/status.h"

namespace quiver::coord {

std::string EncodeDatabase(const cluster::DatabaseInfo& db);
Result<cluster::DatabaseInfo> DecodeDatabase(std::string_view json);
std::string EncodeCollection(const cluster::CollectionInfo& info);
Result<cluster::CollectionInfo> DecodeCollection(std::string_view json);
std::string EncodeIndex(const cluster::IndexInfo& index);
Result<cluster::IndexInfo> DecodeIndex(std::string_view json);
std::string EncodeSegment(const cluster::SegmentInfo& segment);
Result<cluster::SegmentInfo> DecodeSegment(std::string_view json);
std::string EncodeDelta(const cluster::DeltaInfo& delta);
Result<cluster::DeltaInfo> DecodeDelta(std::string_view json);
std::string EncodeSegmentIndex(const cluster::SegmentIndexInfo& index);
Result<cluster::SegmentIndexInfo> DecodeSegmentIndex(std::string_view json);
std::string EncodeCheckpoint(const cluster::Checkpoint& checkpoint);
Result<cluster::Checkpoint> DecodeCheckpoint(std::string_view json);

}  // namespace quiver::coord
