#pragma once

// Messages of a collection shard's WAL channel (the payload of each WAL record). The proxy writes
// them; the datanode and the querynode consume them in the same order, so both see the same
// segments (see channel_buffer.h). Encoding (docs/format/wal.md, "Channel messages"):
//   u8 type, varint collection_id, varint partition_id, varint partition_slot, u64 timestamp, then
//   Insert: chunk (schema/chunk_codec.h); Delete: primary keys; Upsert: primary keys then chunk;
//   Seal: nothing more.

#include <string>
#include <vector>

#include "common/status.h"
#include "common/timestamp.h"
#include "schema/column.h"
#include "segment/segment.h"

namespace quiver::segment {

struct WalMessage {
  enum class Type : uint8_t { kInsert = 1, kDelete = 2, kUpsert = 3, kSeal = 4 };
  Type type = Type::kInsert;
  int64_t collection_id = 0;
  int64_t partition_id = 0;
  uint32_t partition_slot = 0;
  Timestamp timestamp = 0;
  // Insert/Upsert: the rows, without the timestamp column (consumers add it).
  std::shared_ptr<const schema::DataChunk> rows;
  // Delete/Upsert: keys deleted at `timestamp`.
  std::vector<PrimaryKey> deletes;
};

std::string EncodeWalMessage(const WalMessage& message);
// Column buffers of the result view `payload` (no copy); it is kept alive by them.
Result<WalMessage> DecodeWalMessage(std::shared_ptr<const std::string> payload);

// Columnar chunk encoding used in WAL messages: the column codec shared with segment files
// (segment/column_codec.h) with each buffer inline as varint length, u8 pad count, pad zeros,
// bytes — padded so the bytes start at a multiple of 8 from the start of `out`. `out` must be the
// whole message being built.
void EncodeChunk(const schema::DataChunk& chunk, std::string* out);
// A chunk EncodeChunk wrote as the whole of `payload` (internal RPC replies); its buffers view
// `payload`, which they keep alive.
Result<std::shared_ptr<const schema::DataChunk>> DecodeChunkPayload(std::shared_ptr<const std::string> payload);

}  // namespace quiver::segment
