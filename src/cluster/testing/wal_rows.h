#pragma once

// Writing rows into a collection's WAL channels as the proxy does (insert and delete messages),
// for unit tests of the roles that consume them.

#include <vector>

#include "cluster/catalog_types.h"
#include "segment/random_data.h"
#include "segment/wal_message.h"
#include "storage/wal/wal.h"

namespace quiver::cluster::testing {

// `rows` random rows of `schema` (Int64 primary keys first_pk, first_pk + 1, ...), without the
// timestamp column, as WAL messages carry them.
inline std::shared_ptr<const schema::DataChunk> RandomRows(const schema::CollectionSchema& schema, int64_t first_pk,
                                                           size_t rows, uint64_t seed = 1) {
  segment::testing::RandomDataOptions options;
  options.seed = seed;
  options.first_pk = first_pk;
  options.null_ratio = 0;
  auto random = segment::testing::RandomChunk(schema, rows, options);
  auto chunk = std::make_shared<schema::DataChunk>();
  chunk->rows = random->rows;
  for (const auto& [field, column] : random->columns) {
    if (field != schema::kTimestampField) chunk->columns.emplace_back(field, column);
  }
  return chunk;
}

// Appends `rows` random rows (see RandomRows) to shard 0 of `collection`'s first partition at
// `ts`. Returns the rows written.
inline std::shared_ptr<const schema::DataChunk> InsertRows(storage::Wal* wal, const CollectionInfo& collection,
                                                           int64_t first_pk, size_t rows, Timestamp ts,
                                                           uint64_t seed = 1) {
  auto chunk = RandomRows(*collection.schema, first_pk, rows, seed);
  segment::WalMessage message;
  message.type = segment::WalMessage::Type::kInsert;
  message.collection_id = collection.id;
  message.partition_id = collection.partitions[0].id;
  message.partition_slot = collection.partitions[0].slot;
  message.timestamp = ts;
  message.rows = chunk;
  auto appended = wal->Append(collection.channels[0].name, {segment::EncodeWalMessage(message)});
  if (!appended.ok()) std::abort();
  return chunk;
}

inline void DeleteRows(storage::Wal* wal, const CollectionInfo& collection, std::vector<segment::PrimaryKey> pks,
                       Timestamp ts) {
  segment::WalMessage message;
  message.type = segment::WalMessage::Type::kDelete;
  message.collection_id = collection.id;
  message.timestamp = ts;
  message.deletes = std::move(pks);
  if (!wal->Append(collection.channels[0].name, {segment::EncodeWalMessage(message)}).ok()) std::abort();
}

// A schema with an Int64 primary key "id", a FloatVector "v" of `dim` and an Int64 "n".
inline schema::CollectionSchema VectorSchema(int dim) {
  schema::CollectionSchema s;
  s.name = "c";
  schema::FieldSchema pk;
  pk.name = "id";
  pk.type = schema::DataType::kInt64;
  pk.primary_key = true;
  schema::FieldSchema v;
  v.name = "v";
  v.type = schema::DataType::kFloatVector;
  v.type_params["dim"] = std::to_string(dim);
  schema::FieldSchema n;
  n.name = "n";
  n.type = schema::DataType::kInt64;
  s.fields = {pk, v, n};
  return s;
}

}  // namespace quiver::cluster::testing
